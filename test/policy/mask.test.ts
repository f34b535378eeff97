import { describe, expect, it } from 'vitest';
import type { EnvVar } from '../../src/domain/definition/types.js';
import { createMasker, isSecretName, MASK, secretRefText } from '../../src/domain/policy/index.js';

// Tokens are assembled at run time so secret scanners do not mistake this file for a leak.
const fake = (...parts: string[]) => parts.join('');
const SLACK_BOT = fake('xoxb-', '1234567890-0987654321-', 'AbCdEfGhIjKlMnOp');
const SLACK_APP = fake('xapp-', '1-A0123456789-1234567890-', 'abcdef0123456789');
const GITHUB = fake('ghp_', 'A'.repeat(18), 'b'.repeat(18));
const GITHUB_PAT = fake('github_pat_', '11ABCDEFG0', '_'.repeat(1), 'x'.repeat(40));
const AWS = fake('AKIA', 'IOSFODNN7EXAMPLE');
const JWT = fake(
  'eyJhbGciOiJIUzI1NiJ9',
  '.',
  'eyJzdWIiOiIxMjM0In0',
  '.',
  'dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
);
const PEM = [
  fake('-----BEGIN RSA ', 'PRIVATE KEY-----'),
  'MIIEpAIBAAKCAQEA1x2y3z',
  'Proc-Type: 4,ENCRYPTED',
  fake('-----END RSA ', 'PRIVATE KEY-----'),
].join('\n');

const mask = createMasker(['corp_[a-z0-9]{12}', 'session=(?<secret>[0-9a-f]{8,})']);

describe('Masker.text: built-in patterns', () => {
  const table: [string, string, string][] = [
    ['a Slack bot token', `token is ${SLACK_BOT} ok`, `token is xoxb-${MASK} ok`],
    ['a Slack app token', `SLACK_APP=${SLACK_APP}`, `SLACK_APP=xapp-${MASK}`],
    ['a GitHub token', `pushing with ${GITHUB}`, `pushing with ghp_${MASK}`],
    ['a fine-grained GitHub token', `using ${GITHUB_PAT}.`, `using github_pat_${MASK}.`],
    ['an AWS access key id', `key ${AWS} used`, `key AKIA${MASK} used`],
    ['a JWT', `jwt=${JWT}`, `jwt=eyJ${MASK}`],
    [
      'a private key',
      `before\n${PEM}\nafter`,
      `before\n-----BEGIN RSA PRIVATE KEY-----${MASK}-----END RSA PRIVATE KEY-----\nafter`,
    ],
    ['a cut-off private key', `${PEM.slice(0, 60)}`, `-----BEGIN RSA PRIVATE KEY-----${MASK}`],
    [
      'a Bearer header',
      'curl -H "Authorization: Bearer abcdef0123456789"',
      `curl -H "Authorization: Bearer ${MASK}"`,
    ],
    ['a password in a URL', 'postgres://app:hunter2@db:5432/x', `postgres://app:${MASK}@db:5432/x`],
    ['a password without user in a URL', 'redis://:s3cret@cache:6379', `redis://:${MASK}@cache:6379`],
    ['KEY=value', 'DB_PASSWORD=hunter2 next', `DB_PASSWORD=${MASK} next`],
    ['key: value', 'api_key: abc123', `api_key: ${MASK}`],
    ['a flag', '--password=hunter2 --verbose', `--password=${MASK} --verbose`],
    ['a query parameter', '/cb?access_token=abc&x=1', `/cb?access_token=${MASK}&x=1`],
    ['JSON', '{"user":"bob","password":"hun\\"ter2","n":1}', `{"user":"bob","password":"${MASK}","n":1}`],
    ['single quotes', "secret='a b c'", `secret='${MASK}'`],
    ['a header value with a scheme', 'authorization: Basic dXNlcjpwYXNz', `authorization: Basic ${MASK}`],
    ['camelCase keys', 'clientSecret=abc', `clientSecret=${MASK}`],
    ['an extra pattern', 'id corp_0123456789ab end', `id ${MASK} end`],
    ['an extra pattern with a secret group', 'cookie session=deadbeef99', `cookie session=${MASK}`],
  ];
  for (const [what, input, expected] of table) {
    it(`masks ${what}`, () => {
      expect(mask.text(input)).toBe(expected);
      expect(mask.text(expected)).toBe(expected); // masking twice changes nothing
    });
  }

  const untouched = [
    'INFO 2024-05-01T10:00:00Z Starting job pi-42 at 12:00 (attempt 1/3)',
    'MONKEY=1',
    'KEYBOARD=us AUTHOR=jane tokens: 5 MAX_TOKENS=4096',
    'commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'secretName: db-credentials',
    'PASSWORD_FILE=/run/secrets/db',
    'https://example.com:8443/path?q=1',
    'error: connection refused (port 5432)',
    'the bearer of this message',
    'xoxb- is the prefix of bot tokens',
    '',
  ];
  for (const line of untouched) {
    it(`leaves ${JSON.stringify(line)} alone`, () => expect(mask.text(line)).toBe(line));
  }

  it('masks a 1 MB log quickly, secrets and all', () => {
    const line = `2024-05-01 INFO worker=3 processed 128 items in 42ms user=bob DB_PASSWORD=hunter2 ${GITHUB}\n`;
    const log = line.repeat(Math.ceil((1024 * 1024) / line.length));
    const started = performance.now();
    const out = mask.text(log);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain(GITHUB);
    expect(out.split('\n')[0]).toBe(
      `2024-05-01 INFO worker=3 processed 128 items in 42ms user=bob DB_PASSWORD=${MASK} ghp_${MASK}`,
    );
  });

  it('stays linear on text built to make regexes backtrack', () => {
    const hostile = [
      'a'.repeat(200_000),
      'a.'.repeat(100_000),
      `${'-'.repeat(100_000)}`,
      `password:${' '.repeat(100_000)}`,
      `-----BEGIN PRIVATE KEY-----${'A'.repeat(100_000)}`,
      `eyJ${'a'.repeat(100_000)}`,
      `http://${'a'.repeat(100_000)}`,
      `"password": "${'x'.repeat(100_000)}`,
    ];
    const started = performance.now();
    for (const text of hostile) mask.text(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('never masks empty matches of an extra pattern', () => {
    expect(createMasker(['x*']).text('abc')).toBe('abc');
  });
});

describe('Masker.envValue and isSecretName', () => {
  const secret = [
    'PASSWORD',
    'DB_PASSWORD',
    'PGPASSWORD',
    'mysql-root-passwd',
    'CLIENT_SECRET',
    'clientSecret',
    'GITHUB_TOKEN',
    'accessToken',
    'API_KEY',
    'apiKey',
    'x-api-key',
    'APIKEY',
    'PRIVATE_KEY',
    'SSH_KEY',
    'GOOGLE_APPLICATION_CREDENTIALS_JSON',
    'AUTH',
    'BASIC_AUTH',
    'Authorization',
    'SMTP_PASS',
    'SENTRY_DSN',
  ];
  const plain = [
    'MONKEY',
    'KEY',
    'KEYBOARD_LAYOUT',
    'AUTHOR',
    'OAUTH_CLIENT_ID',
    'MAX_TOKENS',
    'TOKENIZER',
    'PWD',
    'PATH',
    'SECRET_NAME',
    'secretKeyRef',
    'PASSWORD_FILE',
    'TOKEN_URL',
    'AWS_ACCESS_KEY_ID',
  ];
  for (const name of secret) {
    it(`${name} is secret`, () => {
      expect(isSecretName(name)).toBe(true);
      expect(mask.envValue(name, 'plain-looking')).toBe(MASK);
    });
  }
  for (const name of plain) {
    it(`${name} is not`, () => {
      expect(isSecretName(name)).toBe(false);
      expect(mask.envValue(name, 'plain-looking')).toBe('plain-looking');
    });
  }

  it('still masks secret-looking values under plain names, and keeps empty values empty', () => {
    expect(mask.envValue('DATABASE_URL', 'postgres://app:hunter2@db/x')).toBe(`postgres://app:${MASK}@db/x`);
    expect(mask.envValue('PASSWORD', '')).toBe('');
  });
});

describe('secretRefText and Masker.env', () => {
  const table: [EnvVar, string | undefined, string][] = [
    [
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      'secret db/password',
      'secret db/password',
    ],
    [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
      'configmap settings/mode',
      'configmap settings/mode',
    ],
    [
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      'field metadata.name',
      'field metadata.name',
    ],
    [
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      'resource limits.cpu',
      'resource limits.cpu',
    ],
    [{ name: 'API_TOKEN', value: 'abc' }, undefined, MASK],
    [{ name: 'GREETING', value: 'hello' }, undefined, 'hello'],
  ];
  for (const [env, ref, shown] of table) {
    it(`${env.name}: ${shown}`, () => {
      expect(secretRefText(env)).toBe(ref);
      expect(mask.env(env)).toBe(shown);
    });
  }
});

describe('Masker.object', () => {
  it('masks deeply, by key, by {name, value} pair and by pattern, without touching the original', () => {
    const input = {
      msg: `dispatching with ${GITHUB}`,
      password: 'hunter2',
      port: 5432,
      credentials: { user: 'bob', nested: ['a', 1] },
      headers: { 'x-api-key': 'abc', accept: 'json' },
      env: [
        { name: 'DB_PASSWORD', value: 'hunter2' },
        { name: 'MODE', value: 'fast' },
        { name: 'DB_PASSWORD_REF', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
      token: null,
      tokenEnabled: true,
      secretName: 'db-credentials',
    };
    const copy = JSON.parse(JSON.stringify(input));
    expect(mask.object(input)).toEqual({
      msg: `dispatching with ghp_${MASK}`,
      password: MASK,
      port: 5432,
      credentials: { user: MASK, nested: [MASK, MASK] },
      headers: { 'x-api-key': MASK, accept: 'json' },
      env: [
        { name: 'DB_PASSWORD', value: MASK },
        { name: 'MODE', value: 'fast' },
        { name: 'DB_PASSWORD_REF', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
      token: null,
      tokenEnabled: true,
      secretName: 'db-credentials',
    });
    expect(input).toEqual(copy);
  });

  it('copies errors with their message and stack masked', () => {
    const err = new Error('connect postgres://app:hunter2@db failed');
    const out = mask.object({ err }) as unknown as { err: Record<string, unknown> };
    expect(out.err.name).toBe('Error');
    expect(out.err.message).toBe(`connect postgres://app:${MASK}@db failed`);
    expect(String(out.err.stack)).not.toContain('hunter2');
  });

  it('survives cycles and keeps __proto__ a plain key', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(mask.object(cyclic)).toEqual({ a: 1, self: '[circular]' });
    const tricky = JSON.parse('{"__proto__": {"password": "x"}}');
    const out = mask.object(tricky) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ password: MASK });
  });

  it('returns scalars masked as text', () => {
    expect(mask.object(`Bearer abcdef0123456789`)).toBe(`Bearer ${MASK}`);
    expect(mask.object(42)).toBe(42);
    expect(mask.object(undefined)).toBeUndefined();
  });
});
