/**
 * YAML drafts: a Job spec taken from a message is too long for a modal (3,000 characters per input),
 * so it is kept here, owned by the person who took it, while they choose cluster and namespace.
 * Drafts older than a day are removed when new ones are made.
 */
import type { Db } from './db.js';

const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class DraftRepository {
  constructor(private readonly db: Db) {}

  create(userId: string, yaml: string, now: Date): number {
    this.db
      .prepare('delete from definition_drafts where created_at < ?')
      .run(new Date(now.getTime() - MAX_AGE_MS).toISOString());
    const { lastInsertRowid } = this.db
      .prepare('insert into definition_drafts (user_id, yaml, created_at) values (?, ?, ?)')
      .run(userId, yaml, now.toISOString());
    return Number(lastInsertRowid);
  }

  /** The draft, only for the person who made it. */
  get(id: number, userId: string): string | undefined {
    const row = this.db
      .prepare('select yaml from definition_drafts where id = ? and user_id = ?')
      .get(id, userId) as { yaml: string } | undefined;
    return row?.yaml;
  }

  remove(id: number): void {
    this.db.prepare('delete from definition_drafts where id = ?').run(id);
  }
}
