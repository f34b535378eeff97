/**
 * The Slack outbox: every notification about a dispatch is written here first and delivered later,
 * in order per dispatch, so a Slack outage or a restart delays messages but never loses or reorders
 * them. Glossary:
 * - post: the dispatch's top-level status message (its ts is kept on the dispatch);
 * - update: a new content for that message; a pending update is overwritten rather than queued twice;
 * - reply: a message in the dispatch's thread;
 * - upload: a log file posted into the thread.
 */
import type { Db } from './db.js';

export type OutboxKind = 'post' | 'update' | 'reply' | 'upload';

export interface OutboxEntry {
  id: number;
  dispatchNumber: number;
  kind: OutboxKind;
  payload: Record<string, unknown>;
  attempts: number;
  nextAttemptAt: string;
}

type Row = Record<string, unknown>;

function entryFrom(r: Row): OutboxEntry {
  return {
    id: Number(r.id),
    dispatchNumber: Number(r.dispatch_number),
    kind: r.kind as OutboxKind,
    payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    attempts: Number(r.attempts),
    nextAttemptAt: String(r.next_attempt_at),
  };
}

export class OutboxRepository {
  constructor(private readonly db: Db) {}

  enqueue(dispatchNumber: number, kind: OutboxKind, payload: Record<string, unknown>, at: string): number {
    return this.db.transaction(() => {
      if (kind === 'update') {
        const pending = this.db
          .prepare(
            `select id from outbox where dispatch_number = ? and kind = 'update' and delivered_at is null
             and id > coalesce((select max(id) from outbox where dispatch_number = ? and kind != 'update'), 0)`,
          )
          .get(dispatchNumber, dispatchNumber) as { id: number } | undefined;
        if (pending) {
          this.db
            .prepare('update outbox set payload = ? where id = ?')
            .run(JSON.stringify(payload), pending.id);
          return pending.id;
        }
      }
      const { lastInsertRowid } = this.db
        .prepare(
          'insert into outbox (dispatch_number, kind, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
        )
        .run(dispatchNumber, kind, JSON.stringify(payload), at, at);
      return Number(lastInsertRowid);
    })();
  }

  /**
   * The next entry of each dispatch that has one pending, oldest dispatch first. Only the head of a
   * dispatch's queue is offered, which is what keeps its thread in order.
   */
  heads(limit: number): OutboxEntry[] {
    const rows = this.db
      .prepare(
        `select o.* from outbox o
         join (select dispatch_number, min(id) as id from outbox where delivered_at is null group by dispatch_number) h
           on h.id = o.id
         order by o.id limit ?`,
      )
      .all(limit) as Row[];
    return rows.map(entryFrom);
  }

  delivered(id: number, at: string, note: string | null = null): void {
    this.db.prepare('update outbox set delivered_at = ?, last_error = ? where id = ?').run(at, note, id);
  }

  retryLater(id: number, nextAttemptAt: string, error: string): void {
    this.db
      .prepare('update outbox set attempts = attempts + 1, next_attempt_at = ?, last_error = ? where id = ?')
      .run(nextAttemptAt, error, id);
  }

  pendingCount(): number {
    return (
      this.db.prepare('select count(*) as n from outbox where delivered_at is null').get() as { n: number }
    ).n;
  }
}
