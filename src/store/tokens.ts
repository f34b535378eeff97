/**
 * API tokens in SQLite (table from schema 6). Glossary:
 * - hash: hex SHA-256 of the secret; the secret itself is never stored.
 * - active: not revoked. Labels are unique among active tokens (a partial unique index).
 */
import type { Db } from './db.js';

export interface TokenRecord {
  id: number;
  label: string;
  hash: string;
  jobPattern: string;
  createdBy: { id: string; name: string };
  createdAt: string;
  revokedAt: string | null;
  revokedBy: { id: string; name: string } | null;
}

export interface NewToken {
  label: string;
  hash: string;
  jobPattern: string;
  createdBy: { id: string; name: string };
}

interface Row {
  id: number;
  label: string;
  hash: string;
  job_pattern: string;
  created_by_id: string;
  created_by_name: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by_id: string | null;
  revoked_by_name: string | null;
}

function tokenFrom(row: Row): TokenRecord {
  return {
    id: row.id,
    label: row.label,
    hash: row.hash,
    jobPattern: row.job_pattern,
    createdBy: { id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by_id ? { id: row.revoked_by_id, name: row.revoked_by_name ?? '' } : null,
  };
}

export class TokenRepository {
  constructor(private readonly db: Db) {}

  /** Undefined when an active token already has this label. */
  create(t: NewToken, at: string): TokenRecord | undefined {
    const existing = this.active(t.label);
    if (existing) return undefined;
    const { lastInsertRowid } = this.db
      .prepare(
        `insert into api_tokens (label, hash, job_pattern, created_by_id, created_by_name, created_at)
         values (?, ?, ?, ?, ?, ?)`,
      )
      .run(t.label, t.hash, t.jobPattern, t.createdBy.id, t.createdBy.name, at);
    return this.byId(Number(lastInsertRowid));
  }

  active(label: string): TokenRecord | undefined {
    const row = this.db
      .prepare('select * from api_tokens where label = ? and revoked_at is null')
      .get(label) as Row | undefined;
    return row && tokenFrom(row);
  }

  byHash(hash: string): TokenRecord | undefined {
    const row = this.db.prepare('select * from api_tokens where hash = ?').get(hash) as Row | undefined;
    return row && tokenFrom(row);
  }

  listActive(): TokenRecord[] {
    const rows = this.db
      .prepare('select * from api_tokens where revoked_at is null order by label')
      .all() as Row[];
    return rows.map(tokenFrom);
  }

  revoke(id: number, by: { id: string; name: string }, at: string): void {
    this.db
      .prepare(
        'update api_tokens set revoked_at = ?, revoked_by_id = ?, revoked_by_name = ? where id = ? and revoked_at is null',
      )
      .run(at, by.id, by.name, id);
  }

  private byId(id: number): TokenRecord | undefined {
    const row = this.db.prepare('select * from api_tokens where id = ?').get(id) as Row | undefined;
    return row && tokenFrom(row);
  }
}
