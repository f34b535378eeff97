import { describe, expect, it } from 'vitest';
import {
  AUDIT_ACTIONS,
  type AuditContent,
  auditChanges,
  auditDetails,
  auditTarget,
  canonicalJson,
  capDetails,
  entryHash,
  GENESIS,
  MAX_DETAILS_BYTES,
  REDACTED,
  redact,
} from '../../src/domain/audit.js';

const entry: AuditContent = {
  at: '2026-01-01T00:00:00.000Z',
  actor: { kind: 'slack', id: 'U1', name: 'alice' },
  action: 'definition.created',
  target: 'definition:pi',
  details: { revision: 1, template: { b: [1, { y: 2, x: 1 }], a: 'x' } },
};

describe('canonical JSON and hash', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    );
    // Integer-like keys sort as strings, as RFC 8785 does, not in JavaScript's numeric property order.
    expect(canonicalJson({ 10: 'a', 9: 'b', x: 'c' })).toBe('{"10":"a","9":"b","x":"c"}');
  });

  it('follows JSON.stringify for what JSON cannot hold', () => {
    expect(canonicalJson({ u: undefined, n: Number.NaN, d: new Date(0), l: [undefined], big: 2n })).toBe(
      '{"big":"2","d":"1970-01-01T00:00:00.000Z","l":[null],"n":null}',
    );
  });

  it('hashes the same whatever the key order, and differently for any change', () => {
    const reordered = {
      details: { template: { a: 'x', b: [1, { x: 1, y: 2 }] }, revision: 1 },
      target: entry.target,
      action: entry.action,
      actor: { name: 'alice', id: 'U1', kind: 'slack' },
      at: entry.at,
    };
    const hash = entryHash(GENESIS, entry);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(GENESIS, reordered)).toBe(hash);
    expect(entryHash(GENESIS, { ...entry, actor: { ...entry.actor, ownerId: null } })).toBe(hash);
    expect(entryHash('1'.repeat(64), entry)).not.toBe(hash);
    expect(entryHash(GENESIS, { ...entry, details: { revision: 2 } })).not.toBe(hash);
    expect(entryHash(GENESIS, { ...entry, actor: { ...entry.actor, name: 'mallory' } })).not.toBe(hash);
  });

  it('has stable action names and targets', () => {
    expect(AUDIT_ACTIONS).toContain('definition.updated');
    expect(AUDIT_ACTIONS).toContain('approval.granted');
    expect(auditTarget('dispatch', 42)).toBe('dispatch:42');
    expect(GENESIS).toBe('0'.repeat(64));
  });
});

describe('redact', () => {
  it('replaces the values of secret-looking keys at any depth, keeping null and booleans', () => {
    expect(
      redact({
        label: 'ci',
        token: 'jbt_abc',
        nested: { dbPassword: 'hunter2', API_KEY: 12345, clientSecret: { value: 'x' } },
        privateKey: '-----BEGIN…',
        credentials: null,
        automountServiceAccountToken: false,
      }),
    ).toEqual({
      label: 'ci',
      token: REDACTED,
      nested: { dbPassword: REDACTED, API_KEY: REDACTED, clientSecret: REDACTED },
      privateKey: REDACTED,
      credentials: null,
      automountServiceAccountToken: false,
    });
  });

  it('replaces literal env values whose name looks secret, and keeps the others', () => {
    const env = [
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'PGPASS', value: 'hunter3' },
      { name: 'AWS_ACCESS_KEY', value: 'AKIA' },
      { name: 'GITHUB_TOKEN', value: 'ghp_x' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ];
    expect(redact({ env }).env).toEqual([
      { name: 'DB_PASSWORD', value: REDACTED },
      { name: 'PGPASS', value: REDACTED },
      { name: 'AWS_ACCESS_KEY', value: REDACTED },
      { name: 'GITHUB_TOKEN', value: REDACTED },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
    // One-off overrides are a map of name to value.
    expect(redact({ overrides: { env: { SIGNING_KEY: 'k', MODE: 'fast' } } })).toEqual({
      overrides: { env: { SIGNING_KEY: REDACTED, MODE: 'fast' } },
    });
  });

  it('keeps references to Secrets, which hold names only', () => {
    const spec = {
      containers: [
        {
          env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          envFrom: [{ secretRef: { name: 'app-secrets' } }],
        },
      ],
      imagePullSecrets: [{ name: 'registry' }],
      volumes: [{ name: 'certs', secret: { secretName: 'tls', defaultMode: 256 } }],
    };
    expect(redact({ spec })).toEqual({ spec });
  });

  it('does not keep a reference that holds more than names', () => {
    expect(redact({ secretKeyRef: { name: 'db', value: 'hunter2' }, secret: 'hunter2' })).toEqual({
      secretKeyRef: REDACTED,
      secret: REDACTED,
    });
  });

  it('treats a literal that overrides a variable taken from a Secret as the secret itself', () => {
    const details = {
      template: { env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }] },
      overrides: { env: { DATABASE_URL: 'mysql://root@db/prod', MODE: 'x' } },
    };
    expect(redact(details).overrides).toEqual({ env: { DATABASE_URL: REDACTED, MODE: 'x' } });
    expect(redact({ env: { FOO: 'bar' } }, { secretEnvNames: ['FOO'] })).toEqual({ env: { FOO: REDACTED } });
  });

  it('scrubs credentials out of free strings and argument lists', () => {
    const out = redact({
      url: 'postgres://app:s3cret@db:5432/prod',
      command: ['psql', '--password', 'hunter2', '--host', 'db', '--token=abc'],
      script: 'export DB_PASSWORD=hunter2 && curl -H "Authorization: Bearer abcdefghijkl" x?api_key=k&y=1',
      slack: 'xoxb-123-456-abc',
      headers: [{ name: 'Authorization', value: 'Basic dXNlcjpwYXNz' }],
    });
    expect(out).toEqual({
      url: `postgres://app:${REDACTED}@db:5432/prod`,
      command: ['psql', '--password', REDACTED, '--host', 'db', `--token=${REDACTED}`],
      script: `export DB_PASSWORD=${REDACTED} && curl -H "Authorization: Bearer ${REDACTED}" x?api_key=${REDACTED}&y=1`,
      slack: REDACTED,
      headers: [{ name: 'Authorization', value: REDACTED }],
    });
    expect(redact({ description: 'A basic job that computes pi' })).toEqual({
      description: 'A basic job that computes pi',
    });
  });

  it('is idempotent, copes with cycles and wraps a non-object', () => {
    const once = redact({ a: { password: 'x' }, u: 'https://u:p@h/' });
    expect(redact(once)).toEqual(once);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'loop', self: '[circular]' });
    expect(redact('plain')).toEqual({ value: 'plain' });
  });
});

describe('size cap', () => {
  it('leaves small details alone', () => {
    const small = { a: 1 };
    expect(capDetails(small)).toBe(small);
  });

  it('replaces the largest values by their size and says what was cut', () => {
    const big = { name: 'pi', revision: 3, template: { blob: 'x'.repeat(40_000) } };
    const capped = capDetails(big);
    expect(Buffer.byteLength(canonicalJson(capped))).toBeLessThanOrEqual(MAX_DETAILS_BYTES);
    expect(capped).toEqual({
      name: 'pi',
      revision: 3,
      template: expect.stringMatching(/^\[truncated: \d+ bytes\]$/),
      _truncated: { originalBytes: expect.any(Number), keys: ['template'] },
    });
  });

  it('keeps a prefix when many keys are each small', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const capped = auditDetails(many);
    expect(Buffer.byteLength(canonicalJson(capped))).toBeLessThanOrEqual(MAX_DETAILS_BYTES);
    expect(capped._truncated).toMatchObject({ originalBytes: expect.any(Number) });
    expect(String(capped.prefix)).toMatch(/^\{"k0":0,/);
  });
});

describe('auditChanges', () => {
  it('lists changes without secret values, still saying that a secret changed', () => {
    const before = {
      env: [
        { name: 'DB_PASSWORD', value: 'old-secret' },
        { name: 'MODE', value: 'slow' },
      ],
      image: 'perl:5.34',
    };
    const after = {
      env: [
        { name: 'DB_PASSWORD', value: 'new-secret' },
        { name: 'MODE', value: 'fast' },
      ],
      image: 'perl:5.36',
    };
    const changes = auditChanges(before, after);
    expect(changes).toEqual([
      'env[1].value: "slow" → "fast"',
      'image: "perl:5.34" → "perl:5.36"',
      'env[0].value: changed (secret value not shown)',
    ]);
    expect(changes.join('\n')).not.toMatch(/secret"|old-secret|new-secret/);
  });
});
