/**
 * Whether a name (environment variable, object key, `key=value` key, HTTP header) says its value is a
 * secret. Glossary: a name is split into words at `_`, `-`, `.`, spaces and camelCase humps
 * (`DB_PASSWORD`, `dbPassword`, `x-api-key` → db password, db password, x api key), and judged by
 * its words, so `MONKEY` and `KEYBOARD` are not keys and `AUTHOR` is not `auth`:
 * - a word containing password, passwd, passphrase, secret or credential (also `PGPASSWORD`);
 * - the word token, or one ending in it (`accessToken`), but not `tokens` (`MAX_TOKENS` is a count);
 * - the words auth, authorization, pass, cookie, dsn, apikey, privatekey;
 * - key after api, private, signing, encryption, master or ssh (`API_KEY`, `ssh-key`).
 * A name whose last word says it names or locates the secret rather than holding it
 * (`secretName`, `secretKeyRef`, `PASSWORD_FILE`, `TOKEN_URL`, `TOKEN_TTL`) is not secret.
 */
const CONTAINS = /password|passwd|passphrase|secret|credential/;
const WORDS = new Set(['auth', 'authorization', 'pass', 'cookie', 'dsn', 'apikey', 'privatekey']);
const KEY_QUALIFIERS = new Set(['api', 'private', 'signing', 'encryption', 'master', 'ssh']);
const NOT_A_VALUE = new Set([
  'name',
  'names',
  'ref',
  'refs',
  'file',
  'path',
  'dir',
  'url',
  'uri',
  'endpoint',
  'type',
  'kind',
  'count',
  'length',
  'ttl',
  'expiry',
  'expires',
  'enabled',
]);

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isSecretName(name: string): boolean {
  // Long keys are text that happened to precede an `=`, not names.
  if (name.length > 128) return false;
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined || (words.length > 1 && NOT_A_VALUE.has(last))) return false;
  return words.some(
    (word, i) =>
      CONTAINS.test(word) ||
      WORDS.has(word) ||
      word.endsWith('token') ||
      (word === 'key' && KEY_QUALIFIERS.has(words[i - 1] ?? '')),
  );
}
