/**
 * The Slack outbox: every notification about a dispatch is written here first and delivered later,
 * in order per dispatch, so a Slack outage or a restart delays messages but never loses or reorders
 * them. Glossary:
 * - post: the dispatch's top-level status message (its ts is kept on the dispatch);
 * - update: a new content for that message; a pending update is overwritten rather than queued twice;
 * - reply: a message in the dispatch's thread;
 * - upload: a log file posted into the thread.
 * - in doubt: a call for the entry was started and its outcome is unknown (see the notifier); set
 *   before every call, cleared when Slack's answer says whether the message exists.
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
  createdAt: string;
  /** An earlier call may have reached Slack: look for its message before sending again. */
  inDoubt: boolean;
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
    createdAt: String(r.created_at),
    inDoubt: r.in_doubt === 1,
  };
}

export class OutboxRepository {
  constructor(private readonly db: Db) {}

  enqueue(dispatchNumber: number, kind: OutboxKind, payload: Record<string, unknown>, at: string): number {
    return this.db.transaction(() => {
      if (kind === 'update') {
        const pending = this.db
          .prepare(
            // Not one being sent (in doubt): its call carries the old content, and would be marked
            // delivered with the new content unsent.
            `select id from outbox where dispatch_number = ? and kind = 'update' and delivered_at is null
             and in_doubt = 0
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
    this.db
      .prepare('update outbox set delivered_at = ?, last_error = ?, in_doubt = 0 where id = ?')
      .run(at, note, id);
  }

  /**
   * Written before each call to Slack: if the process dies during it, the entry stays in doubt (and an
   * update in doubt takes no new content, see enqueue). Returns the entry as it is now, since its
   * payload may have changed since the loop read it; `inDoubt` tells of earlier attempts.
   */
  started(id: number): OutboxEntry | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare('select * from outbox where id = ? and delivered_at is null').get(id) as
        | Row
        | undefined;
      if (!row) return undefined;
      this.db.prepare('update outbox set attempts = attempts + 1, in_doubt = 1 where id = ?').run(id);
      return entryFrom(row);
    })();
  }

  /** `inDoubt`: the failed call may still have reached Slack (a timeout, a 5xx, a cut connection). */
  retryLater(id: number, nextAttemptAt: string, error: string, inDoubt = true): void {
    this.db
      .prepare('update outbox set next_attempt_at = ?, last_error = ?, in_doubt = ? where id = ?')
      .run(nextAttemptAt, error, inDoubt ? 1 : 0, id);
  }

  /** Merges `fields` into the entry's payload (e.g. the file id of an upload under way). */
  remember(id: number, fields: Record<string, unknown>): void {
    this.db
      .prepare('update outbox set payload = json_patch(payload, ?) where id = ?')
      .run(JSON.stringify(fields), id);
  }

  pendingCount(): number {
    return (
      this.db.prepare('select count(*) as n from outbox where delivered_at is null').get() as { n: number }
    ).n;
  }
}
