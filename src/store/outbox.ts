/**
 * The Slack outbox: every notification about a dispatch is written here first and delivered later,
 * in order per dispatch, so a Slack outage or a restart delays messages but never loses or reorders
 * them. Glossary:
 * - post: the dispatch's top-level status message (its ts is kept on the dispatch);
 * - update: a new content for that message. Only the latest is ever sent: an update queued while the
 *   message's post or an update is still pending with nothing queued after it takes that entry's
 *   place (the post then carries it), and it supersedes any earlier pending update of the thread.
 * - reply: a message in the dispatch's thread;
 * - upload: a log file posted into the thread.
 * - passer: the first reply or upload after a pending update of the status message (never another
 *   update: that one would overwrite the newer status if the older went after it). It may go before
 *   the update when the update must wait (chat.update's allowance is spent for the workspace): an edit of
 *   the top message and the messages below it do not depend on each other once the message exists,
 *   and a verdict should not wait seconds behind a status edit. The thread itself stays in order.
 * - in doubt: a call for the entry was started and its outcome is unknown (see the notifier); set
 *   before every call, cleared when Slack's answer says whether the message exists.
 */
import type { Db } from './db.js';
import { pruneDeliveredRows } from './prune-delivered.js';

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
  /** Where the thread goes (the dispatch's channel, else its dispatcher), as `heads` reads it. */
  channel?: string;
  /** For a head that is an update: the next entry of the thread, which may go first (see passer). */
  passer?: OutboxEntry;
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

  /**
   * `join` (replies only): given the payload of the thread's last reply when it is still waiting (and
   * not in doubt), returns that reply's new content with this one's in it, or undefined to queue this
   * one on its own. Slack takes about a message a second per channel: joined, a fast Job's "pods
   * created" and "running" cost one of them, and its verdict comes a second sooner.
   */
  enqueue(
    dispatchNumber: number,
    kind: OutboxKind,
    payload: Record<string, unknown>,
    at: string,
    join?: (pending: Record<string, unknown>) => Record<string, unknown> | undefined,
  ): number {
    return this.db.transaction(() => {
      if (kind === 'reply' && join) {
        const joined = this.joinLastReply(dispatchNumber, join);
        if (joined !== undefined) return joined;
      }
      if (kind !== 'update') return this.insert(dispatchNumber, kind, payload, at);
      const id =
        this.replaceLatest(dispatchNumber, payload) ?? this.insert(dispatchNumber, kind, payload, at);
      this.supersede(dispatchNumber, id, at);
      return id;
    })();
  }

  /**
   * Gives the status message's latest pending version (its post, or an update) the new content when
   * nothing was queued after it, so the message goes out once with what is true by then. Not an entry
   * being sent (in doubt): its call carries the old content and would be marked delivered with the new
   * content unsent. Delivered rows older than the last reply may be pruned; the look-up needs none.
   */
  private replaceLatest(dispatchNumber: number, payload: Record<string, unknown>): number | undefined {
    const latest = this.db
      .prepare(
        `select id from outbox where dispatch_number = ? and kind in ('post', 'update')
         and delivered_at is null and in_doubt = 0
         and id > coalesce((select max(id) from outbox where dispatch_number = ? and kind in ('reply', 'upload')), 0)
         order by id desc limit 1`,
      )
      .get(dispatchNumber, dispatchNumber) as { id: number } | undefined;
    if (!latest) return undefined;
    this.db.prepare('update outbox set payload = ? where id = ?').run(JSON.stringify(payload), latest.id);
    return latest.id;
  }

  /**
   * The thread's last reply or upload, if it is a reply not sent yet and no call for it has started,
   * takes the content `join` makes of it. Nothing after it can have been sent: only updates are passed.
   */
  private joinLastReply(
    dispatchNumber: number,
    join: (pending: Record<string, unknown>) => Record<string, unknown> | undefined,
  ): number | undefined {
    const last = this.db
      .prepare(
        `select id, kind, payload, delivered_at, in_doubt from outbox
         where dispatch_number = ? and kind in ('reply', 'upload') order by id desc limit 1`,
      )
      .get(dispatchNumber) as Row | undefined;
    if (last?.kind !== 'reply' || last.delivered_at !== null || last.in_doubt !== 0) return undefined;
    const content = join(JSON.parse(String(last.payload)) as Record<string, unknown>);
    if (!content) return undefined;
    this.db.prepare('update outbox set payload = ? where id = ?').run(JSON.stringify(content), last.id);
    return Number(last.id);
  }

  private insert(
    dispatchNumber: number,
    kind: OutboxKind,
    payload: Record<string, unknown>,
    at: string,
  ): number {
    const { lastInsertRowid } = this.db
      .prepare(
        'insert into outbox (dispatch_number, kind, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
      )
      .run(dispatchNumber, kind, JSON.stringify(payload), at, at);
    return Number(lastInsertRowid);
  }

  /**
   * Earlier pending updates of the thread will be overwritten by `latest` anyway: they are marked
   * delivered unsent, so a backlog costs one chat.update per thread (Tier 3: 50 a minute for the whole
   * workspace) instead of one per change. The thread keeps its order: nothing is sent early.
   */
  private supersede(dispatchNumber: number, latest: number, at: string): void {
    this.db
      .prepare(
        `update outbox set delivered_at = ?, last_error = 'superseded by a later update'
         where dispatch_number = ? and kind = 'update' and delivered_at is null and in_doubt = 0 and id < ?`,
      )
      .run(at, dispatchNumber, latest);
  }

  /**
   * The next entry of each dispatch that has one pending, oldest dispatch first. Only the head of a
   * dispatch's queue is offered (and, behind an update, its passer), which keeps its thread in order.
   */
  heads(limit: number): OutboxEntry[] {
    const rows = this.db
      .prepare(
        `select o.*, coalesce(d.channel, d.actor_id) as channel from outbox o
         join (select dispatch_number, min(id) as id from outbox where delivered_at is null group by dispatch_number) h
           on h.id = o.id
         join dispatches d on d.number = o.dispatch_number
         order by o.id limit ?`,
      )
      .all(limit) as Row[];
    // Never another update: an older edit sent after a newer one would put the old status back.
    const next = this.db.prepare(
      `select * from outbox where dispatch_number = ? and id > ? and delivered_at is null
       and kind in ('reply', 'upload') order by id limit 1`,
    );
    return rows.map((r) => {
      const channel = String(r.channel);
      const head: OutboxEntry = { ...entryFrom(r), channel };
      if (head.kind !== 'update') return head;
      const passer = next.get(head.dispatchNumber, head.id) as Row | undefined;
      return passer ? { ...head, passer: { ...entryFrom(passer), channel } } : head;
    });
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

  /** Deletes up to `limit` rows delivered before `before` (see prune-delivered.ts); returns how many. */
  pruneDelivered(before: string, limit: number): number {
    return pruneDeliveredRows(this.db, 'outbox', before, limit);
  }

  /**
   * The dispatch is reported by its channel's batch from now on: its pending posts, replies and
   * uploads are marked delivered unsent. Status updates stay (they only edit a message that exists).
   */
  divertThread(dispatchNumber: number, at: string): void {
    this.db
      .prepare(
        `update outbox set delivered_at = ?, last_error = 'reported in the channel''s batch'
         where dispatch_number = ? and kind != 'update' and delivered_at is null and in_doubt = 0`,
      )
      .run(at, dispatchNumber);
  }

  pendingCount(): number {
    return (
      this.db.prepare('select count(*) as n from outbox where delivered_at is null').get() as { n: number }
    ).n;
  }
}
