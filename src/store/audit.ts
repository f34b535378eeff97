/**
 * The audit log in SQLite (table from schema 5; its triggers refuse UPDATE and DELETE). Glossary:
 * - chain: entries in id order; each row's prev_hash is the previous row's hash (GENESIS for #1) and
 *   its hash covers its own content too (see src/domain/audit.ts).
 * - verify: re-walks the chain; an edited row no longer matches its hash, a removed, inserted or
 *   re-ordered row breaks a link or the id sequence. Removing the newest entries leaves a shorter
 *   valid chain: only a copy of the last hash kept elsewhere (e.g. the SIEM export) shows that.
 * Appending reads the last hash and inserts in one IMMEDIATE transaction: the write lock is taken
 * before the read, so two processes appending at once queue up instead of both chaining onto the
 * same entry.
 */
import type { Actor } from '../domain/actor.js';
import {
  type AuditAction,
  type AuditContent,
  type AuditDetails,
  type AuditEntry,
  auditDetails,
  canonicalJson,
  entryHash,
  GENESIS,
  type NewAuditEntry,
} from '../domain/audit.js';
import type { Db } from './db.js';

export interface AuditQuery {
  actorId?: string;
  target?: string;
  /** ISO time: entries at or after it. */
  since?: string;
  /** An entry id: entries older than it, for the next page. */
  before?: number;
  /** At most MAX_PAGE. */
  limit: number;
}

export type VerifyResult =
  | { ok: true; count: number; lastHash: string }
  | { ok: false; firstBadId: number; reason: string; count: number };

export const MAX_PAGE = 1000;

interface Row {
  id: number;
  at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  actor_owner: string | null;
  action: string;
  target: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The content exactly as stored, so verification sees a tampered column even where Actor would hide it. */
function contentOf(row: Row): AuditContent {
  return {
    at: row.at,
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name, ownerId: row.actor_owner },
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as AuditDetails,
  };
}

function entryFrom(row: Row): AuditEntry {
  const actor: Actor =
    row.actor_kind === 'token'
      ? {
          kind: 'token',
          id: row.actor_id,
          name: row.actor_name,
          ...(row.actor_owner === null ? {} : { ownerId: row.actor_owner }),
        }
      : { kind: row.actor_kind === 'system' ? 'system' : 'slack', id: row.actor_id, name: row.actor_name };
  return {
    ...contentOf(row),
    id: row.id,
    actor,
    action: row.action as AuditAction,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  append(entry: NewAuditEntry): AuditEntry {
    const { actor } = entry;
    const owner = actor.kind === 'token' ? (actor.ownerId ?? null) : null;
    // Redacting again (it is idempotent) keeps secrets out even for a caller that bypasses AuditService.
    // Hashed and stored from the same JSON text, so a reader re-parsing the column gets the same hash.
    const details = canonicalJson(auditDetails(entry.details));
    const content: AuditContent = {
      ...entry,
      actor: { kind: actor.kind, id: actor.id, name: actor.name, ownerId: owner },
      details: JSON.parse(details) as AuditDetails,
    };
    const id = this.db
      .transaction(() => {
        const last = this.db.prepare('select hash from audit_log order by id desc limit 1').get() as
          | { hash: string }
          | undefined;
        const prevHash = last?.hash ?? GENESIS;
        const { lastInsertRowid } = this.db
          .prepare(
            `insert into audit_log (at, actor_kind, actor_id, actor_name, actor_owner, action, target, details,
               prev_hash, hash)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            entry.at,
            actor.kind,
            actor.id,
            actor.name,
            owner,
            entry.action,
            entry.target,
            details,
            prevHash,
            entryHash(prevHash, content),
          );
        return Number(lastInsertRowid);
      })
      .immediate();
    return this.get(id)!;
  }

  get(id: number): AuditEntry | undefined {
    const row = this.db.prepare('select * from audit_log where id = ?').get(id) as Row | undefined;
    return row && entryFrom(row);
  }

  /** Newest first; filtering by actor or target walks that index from the newest entry down. */
  list(query: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {
      limit: Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit))),
    };
    if (query.actorId !== undefined) {
      where.push('actor_id = @actorId');
      params.actorId = query.actorId;
    }
    if (query.target !== undefined) {
      where.push('target = @target');
      params.target = query.target;
    }
    if (query.since !== undefined) {
      where.push('at >= @since');
      params.since = query.since;
    }
    if (query.before !== undefined) {
      where.push('id < @before');
      params.before = query.before;
    }
    const filter = where.length > 0 ? `where ${where.join(' and ')}` : '';
    const rows = this.db
      .prepare(`select * from audit_log ${filter} order by id desc limit @limit`)
      .all(params) as Row[];
    return rows.map(entryFrom);
  }

  /** Every entry in chain order, read lazily; the connection runs nothing else until it is done. */
  *all(from: { since?: string } = {}): Generator<AuditEntry> {
    for (const row of this.rows(from.since)) yield entryFrom(row);
  }

  verify(): VerifyResult {
    let count = 0;
    let previous: Row | undefined;
    for (const row of this.rows()) {
      const reason = brokenLink(previous, row);
      if (reason) return { ok: false, firstBadId: row.id, reason, count };
      count += 1;
      previous = row;
    }
    return { ok: true, count, lastHash: previous?.hash ?? GENESIS };
  }

  /** Whether both append-only triggers are still in place; someone who removed them meant to edit. */
  guarded(): boolean {
    const rows = this.db
      .prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'audit_log'")
      .all() as { name: string; sql: string }[];
    return ['audit_log_no_update', 'audit_log_no_delete'].every((name) =>
      rows.some((r) => r.name === name && /raise\s*\(\s*abort/i.test(r.sql)),
    );
  }

  private rows(since?: string): IterableIterator<Row> {
    const statement =
      since === undefined
        ? this.db.prepare('select * from audit_log order by id')
        : this.db.prepare('select * from audit_log where at >= ? order by id');
    return (since === undefined ? statement.iterate() : statement.iterate(since)) as IterableIterator<Row>;
  }
}

function brokenLink(previous: Row | undefined, row: Row): string | undefined {
  const expectedId = (previous?.id ?? 0) + 1;
  if (row.id !== expectedId) {
    if (!previous) return `the log starts at #${row.id}: the entries before it are missing`;
    const missing = row.id - 1 === expectedId ? `#${expectedId} is` : `#${expectedId} to #${row.id - 1} are`;
    return `${missing} missing: #${row.id} follows #${previous.id}`;
  }
  if (row.prev_hash !== (previous?.hash ?? GENESIS)) {
    return previous
      ? `its prev_hash is not the hash of #${previous.id}: an entry was changed, removed, inserted or re-ordered`
      : 'its prev_hash is not the genesis hash: entries before it were removed';
  }
  let content: AuditContent;
  try {
    content = contentOf(row);
  } catch {
    return 'its details are not valid JSON: it was edited';
  }
  if (entryHash(row.prev_hash, content) !== row.hash)
    return 'its content does not match its hash: it was edited';
  return undefined;
}
