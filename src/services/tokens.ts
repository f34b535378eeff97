/**
 * API tokens for CI pipelines. Glossary:
 * - secret: `jbt_` + 32 random bytes in base64url; shown once by `create`, never stored or logged.
 * - job pattern: a glob over job names (`*` any run of characters, `?` one), e.g. `deploy-*`.
 * - token actor: who a pipeline's actions are attributed to: the token's label, vouched for by the
 *   person who created it (`ownerId`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor, AuditTrail } from '../domain/actor.js';
import { JobbotError } from '../domain/errors.js';
import type { NewToken, TokenRecord } from '../store/tokens.js';

export interface TokenStore {
  create(t: NewToken, at: string): TokenRecord | undefined;
  active(label: string): TokenRecord | undefined;
  byHash(hash: string): TokenRecord | undefined;
  listActive(): TokenRecord[];
  revoke(id: number, by: { id: string; name: string }, at: string): void;
}

const PREFIX = 'jbt_';
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PATTERN = /^[A-Za-z0-9*?._-]{1,100}$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether a job name matches a token's glob; only `*` and `?` are special. */
export function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

export function tokenActor(token: TokenRecord, onBehalfOf?: string): Actor {
  return {
    kind: 'token',
    id: token.label,
    name: token.label,
    ownerId: token.createdBy.id,
    ...(onBehalfOf ? { onBehalfOf } : {}),
  };
}

export class TokenService {
  constructor(
    private readonly store: TokenStore,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Returns the secret: the only time anyone sees it. */
  create(by: Actor, label: string, jobPattern = '*'): { token: TokenRecord; secret: string } {
    if (!LABEL.test(label))
      throw new JobbotError(
        'usage',
        'A token label is 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
      );
    if (!PATTERN.test(jobPattern))
      throw new JobbotError(
        'usage',
        'A job pattern is a job name with `*` or `?` wildcards, e.g. `deploy-*`.',
      );
    const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const token = this.store.create(
      { label, hash: hashSecret(secret), jobPattern, createdBy: { id: by.id, name: by.name } },
      this.now().toISOString(),
    );
    if (!token)
      throw new JobbotError(
        'usage',
        `A token labelled \`${label}\` already exists; revoke it first or choose another label.`,
      );
    this.audit.record(by, 'token.created', `token:${label}`, {
      label,
      pattern: jobPattern,
      ownerId: by.id,
    });
    return { token, secret };
  }

  list(): TokenRecord[] {
    return this.store.listActive();
  }

  revoke(by: Actor, label: string): TokenRecord {
    const token = this.store.active(label);
    if (!token) throw new JobbotError('usage', `There is no active token labelled \`${label}\`.`);
    this.store.revoke(token.id, { id: by.id, name: by.name }, this.now().toISOString());
    this.audit.record(by, 'token.revoked', `token:${label}`, {
      label,
      pattern: token.jobPattern,
      ownerId: token.createdBy.id,
    });
    return token;
  }

  /** The active token a bearer secret belongs to; undefined for anything else, with no reason given. */
  authenticate(bearer: string | undefined): TokenRecord | undefined {
    if (!bearer?.startsWith(PREFIX) || bearer.length > 200) return undefined;
    const hash = hashSecret(bearer);
    const token = this.store.byHash(hash);
    // The lookup is by hash already; the constant-time compare keeps the final check timing-neutral.
    if (!token || !timingSafeEqual(Buffer.from(token.hash, 'hex'), Buffer.from(hash, 'hex')))
      return undefined;
    return token.revokedAt ? undefined : token;
  }

  allows(token: TokenRecord, jobName: string): boolean {
    return globMatches(token.jobPattern, jobName);
  }
}
