/**
 * Masking secrets in what Jobbot shows and writes: Slack messages, log snippets, pino logs and the
 * audit log. Glossary:
 * - mask: MASK (`••••`) in place of a secret, after a short hint of what it was when the hint is not
 *   itself secret (`xoxb-••••`, `ghp_••••`, `DB_PASSWORD=••••`, `Bearer ••••`).
 * - built-in patterns: Slack tokens, GitHub tokens, AWS access key IDs, PEM private keys, JWTs,
 *   `Bearer …`, passwords in URLs (`scheme://user:••••@host`), and `key=value` / `key: value` /
 *   `"key": "value"` pairs whose key looks secret (isSecretName).
 * - extra patterns: the policy's `secrets.mask`; the whole match is masked, or only the group named
 *   `secret` when the pattern has one (`token=(?<secret>\w+)`).
 *
 * Every built-in pattern is linear: each starts only where a token can start (a lookbehind refuses
 * the middle of a word), and no quantified part can match the same text in two ways, so a 1 MB log
 * is masked in milliseconds. Extra patterns are the policy author's responsibility.
 */
import type { EnvVar } from '../definition/types.js';
import { isSecretName } from './secret-names.js';
import { secretRefText } from './secret-ref.js';

export const MASK = '••••';

export interface Masker {
  /** `s` with every secret-looking substring masked. */
  text(s: string): string;
  /** An environment variable's value: all masked when its name looks secret, else as `text`. */
  envValue(name: string, value: string): string;
  /** How an env var is shown: its reference (secretRefText) or its masked value. */
  env(env: EnvVar): string;
  /**
   * A deep copy with every string masked, and masked whole: strings and numbers anywhere under a
   * secret-looking key, and the value of a `{name, value}` pair whose name looks secret (env vars,
   * headers). Cycles become `[circular]`; Errors become plain objects with name, message and stack.
   */
  object<T>(value: T): T;
}

type Replacer = (match: string, ...groups: (string | undefined)[]) => string;

const PAIR_SCHEMES = /^(?:Bearer|Basic|Token|Digest|Negotiate)[ \t]+/i;

const BUILT_IN: [RegExp, string | Replacer][] = [
  // A PEM block, to its END line or, when a log was cut, to the end of the text.
  [
    /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?:[^-]|-(?!----END ))*(-----END [A-Z0-9 ]*PRIVATE KEY-----)?/g,
    (_m, begin, end) => `${begin}${MASK}${end ?? ''}`,
  ],
  [/(?<![\w+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${MASK}@`],
  [/(?<![\w-])(eyJ)[\w-]+\.[\w-]+\.[\w-]*/g, `$1${MASK}`],
  [/(?<![\w-])(xox[abposre](?:\.xox[a-z])?-|xapp-)[A-Za-z0-9-]{8,}/g, `$1${MASK}`],
  [
    /(?<![\w-])(gh[pousr]_)[A-Za-z0-9]{20,}|(?<![\w-])(github_pat_)\w{20,}/g,
    (_m, a, b) => `${a ?? b}${MASK}`,
  ],
  [/(?<![A-Za-z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, `$1${MASK}`],
  [/(?<![\w-])([Bb]earer[ \t]+)[\w.~+/=-]{8,}/g, `$1${MASK}`],
  // key=value, key: value, "key": "value", --key=value; the key is judged by isSecretName.
  [
    /(?<![\w.-])(-{0,2}[A-Za-z_][\w.-]*)("?[ \t]*[=:][ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|(?:(?:Bearer|Basic|Token|Digest|Negotiate)[ \t]+)?[^\s"',;&)}\]]+)/g,
    (match, key, separator, value) => {
      if (key === undefined || value === undefined || !isSecretName(key)) return match;
      return `${key}${separator}${maskPairValue(value)}`;
    },
  ],
];

function maskPairValue(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2) return `${quote}${MASK}${quote}`;
  const scheme = PAIR_SCHEMES.exec(value)?.[0];
  return scheme !== undefined && scheme.length < value.length ? `${scheme}${MASK}` : MASK;
}

function extraRule(source: string): [RegExp, Replacer] {
  return [
    new RegExp(source, 'g'),
    (match, ...rest) => {
      // An empty match would put a mask between every two characters.
      if (match === '') return match;
      const groups = rest.at(-1);
      const secret =
        typeof groups === 'object' && groups !== null
          ? (groups as Record<string, unknown>).secret
          : undefined;
      if (typeof secret !== 'string' || secret === '') return MASK;
      const at = match.indexOf(secret);
      return `${match.slice(0, at)}${MASK}${match.slice(at + secret.length)}`;
    },
  ];
}

const MAX_DEPTH = 32;

/** A masker with the built-in patterns and `extraPatterns` (regex sources; throws if one is invalid). */
export function createMasker(extraPatterns: readonly string[] = []): Masker {
  const rules = [...BUILT_IN, ...extraPatterns.map(extraRule)];

  const text = (s: string): string => {
    let out = s;
    for (const [pattern, replacement] of rules) {
      pattern.lastIndex = 0;
      out =
        typeof replacement === 'string'
          ? out.replace(pattern, replacement)
          : out.replace(pattern, replacement);
    }
    return out;
  };

  const envValue = (name: string, value: string): string =>
    value !== '' && isSecretName(name) ? MASK : text(value);

  const copy = (value: unknown, secretKey: boolean, ancestors: Set<object>, depth: number): unknown => {
    if (typeof value === 'string') return secretKey && value !== '' ? MASK : text(value);
    if (typeof value === 'number' || typeof value === 'bigint') return secretKey ? MASK : value;
    if (typeof value !== 'object' || value === null) return value;
    if (ancestors.has(value)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (value instanceof Date || ArrayBuffer.isView(value)) return value;
    ancestors.add(value);
    try {
      // Everything under a secret-looking key is secret (`credentials: { user, password }`).
      const next = (v: unknown, secret = false) => copy(v, secretKey || secret, ancestors, depth + 1);
      if (Array.isArray(value)) return value.map((v) => next(v));
      if (value instanceof Set) return new Set([...value].map((v) => next(v)));
      if (value instanceof Map) {
        return new Map([...value].map(([k, v]) => [k, next(v, typeof k === 'string' && isSecretName(k))]));
      }
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // An Error's message and stack are not enumerable, and are where secrets in errors end up.
      if (value instanceof Error) {
        put(out, 'name', value.name);
        put(out, 'message', next(value.message));
        if (value.stack !== undefined) put(out, 'stack', next(value.stack));
      }
      // An env var or header as {name, value}: the name says whether the value is secret.
      const secretPair = typeof source.name === 'string' && 'value' in source && isSecretName(source.name);
      for (const [k, v] of Object.entries(source)) {
        put(out, k, next(v, (secretPair && k === 'value') || isSecretName(k)));
      }
      return out;
    } finally {
      ancestors.delete(value);
    }
  };

  return {
    text,
    envValue,
    env: (env) => secretRefText(env) ?? envValue(env.name, typeof env.value === 'string' ? env.value : ''),
    object: <T>(value: T): T => copy(value, false, new Set(), 0) as T,
  };
}

/** Defines instead of assigning, so a key named `__proto__` stays data. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
