/**
 * Slack batches (see migration 11 for the glossary): which dispatches a channel's batch reports, what
 * changed for them, and how far Slack has been told.
 */
import type { Db } from './db.js';

export interface BatchRecord {
  id: number;
  channel: string;
  openedAt: string;
  lastJoinedAt: string;
  /** Where the summary message went (Slack's channel id) and its ts, once posted. */
  messageChannel: string | null;
  messageTs: string | null;
  postInDoubt: boolean;
  repliedSeq: number;
  sendingSeq: number | null;
  summaryHash: string | null;
  summaryAt: string | null;
  doneAt: string | null;
  /** The latest reply while it may be edited: its ts, the seq it tells changes after, when posted. */
  reply: { ts: string; fromSeq: number; at: string } | null;
  /** An edit of `reply` telling changes up to this seq is in doubt. */
  extendSeq: number | null;
}

export interface BatchChange {
  seq: number;
  dispatchNumber: number;
  definitionName: string;
  state: string;
  detail: string | null;
  at: string;
}

export interface BatchMemberRow {
  number: number;
  definitionName: string;
  state: string;
  verdict: string | null;
  error: string | null;
  actorName: string;
}

export interface BatchRules {
  /** Dispatches in one channel within `windowMs` from which the next ones join a batch. */
  threshold: number;
  windowMs: number;
}

/** Joining looks at this many of the newest dispatches at most: enough for any sensible threshold. */
const RECENT = 200;

type Row = Record<string, unknown>;

function batchFrom(r: Row): BatchRecord {
  return {
    id: Number(r.id),
    channel: String(r.channel),
    openedAt: String(r.opened_at),
    lastJoinedAt: String(r.last_joined_at),
    messageChannel: (r.message_channel as string | null) ?? null,
    messageTs: (r.message_ts as string | null) ?? null,
    postInDoubt: r.post_in_doubt === 1,
    repliedSeq: Number(r.replied_seq),
    sendingSeq: r.sending_seq === null ? null : Number(r.sending_seq),
    summaryHash: (r.summary_hash as string | null) ?? null,
    summaryAt: (r.summary_at as string | null) ?? null,
    doneAt: (r.done_at as string | null) ?? null,
    reply:
      r.reply_ts === null || r.reply_ts === undefined
        ? null
        : { ts: String(r.reply_ts), fromSeq: Number(r.reply_from_seq), at: String(r.reply_at) },
    extendSeq: r.extend_seq === null || r.extend_seq === undefined ? null : Number(r.extend_seq),
  };
}

export class BatchRepository {
  constructor(private readonly db: Db) {}

  /**
   * Decides how dispatch `number` (just recorded, reporting in `channel`) is told about: returns the
   * batch it joins, or undefined for a thread of its own. It joins the channel's latest batch while
   * that one is still being joined (within the window), else opens one when the channel already had
   * `threshold` dispatches within the window. The dispatches before that keep their threads.
   */
  join(number: number, channel: string, at: string, rules: BatchRules): number | undefined {
    const since = new Date(Date.parse(at) - rules.windowMs).toISOString();
    return this.db.transaction(() => {
      const latest = this.db
        .prepare(
          'select id, last_joined_at, refused from slack_batches where channel = ? order by id desc limit 1',
        )
        .get(channel) as { id: number; last_joined_at: string; refused: string | null } | undefined;
      if (latest?.refused && latest.last_joined_at >= since) {
        // Slack refused the channel's batch: threads of their own (their dispatchers' DMs) meanwhile.
        this.db.prepare('update slack_batches set last_joined_at = ? where id = ?').run(at, latest.id);
        return undefined;
      }
      let batch = latest && latest.last_joined_at >= since ? latest.id : undefined;
      if (batch === undefined) {
        const { n } = this.db
          .prepare(
            `select count(*) as n from (select channel, created_at from dispatches where number < ?
               order by number desc limit ?) where channel = ? and created_at >= ?`,
          )
          .get(number, RECENT, channel, since) as { n: number };
        if (n < rules.threshold) return undefined;
        batch = Number(
          this.db
            .prepare('insert into slack_batches (channel, opened_at, last_joined_at) values (?, ?, ?)')
            .run(channel, at, at).lastInsertRowid,
        );
      }
      this.db
        .prepare('update slack_batches set last_joined_at = ?, done_at = null where id = ?')
        .run(at, batch);
      this.db
        .prepare('insert into batch_members (dispatch_number, batch_id) values (?, ?)')
        .run(number, batch);
      return batch;
    })();
  }

  /**
   * Takes dispatch `number` into its channel's active batch, if there is one (see divert in
   * slack/batch-notifications.ts); returns the batch, also when it was a member already.
   */
  adopt(number: number, channel: string): number | undefined {
    return this.db.transaction(() => {
      const member = this.batchOf(number);
      if (member !== undefined) return member;
      const active = this.db
        .prepare(
          'select id from slack_batches where channel = ? and done_at is null order by id desc limit 1',
        )
        .get(channel) as { id: number } | undefined;
      if (!active) return undefined;
      this.db
        .prepare('insert into batch_members (dispatch_number, batch_id) values (?, ?)')
        .run(number, active.id);
      return active.id;
    })();
  }

  /** The batch reporting dispatch `number`, if any. */
  batchOf(number: number): number | undefined {
    const row = this.db.prepare('select batch_id from batch_members where dispatch_number = ?').get(number) as
      | { batch_id: number }
      | undefined;
    return row?.batch_id;
  }

  /**
   * Records that member `number` reached `state`, unless that was its last change already. Returns
   * whether anything was recorded.
   */
  record(number: number, state: string, detail: string | null, at: string): boolean {
    return this.db.transaction(() => {
      const member = this.db
        .prepare('select batch_id, reported from batch_members where dispatch_number = ?')
        .get(number) as { batch_id: number; reported: string | null } | undefined;
      if (!member || member.reported === state) return false;
      this.db
        .prepare(
          'insert into batch_changes (batch_id, dispatch_number, state, detail, at) values (?, ?, ?, ?, ?)',
        )
        .run(member.batch_id, number, state, detail, at);
      this.db.prepare('update batch_members set reported = ? where dispatch_number = ?').run(state, number);
      this.db.prepare('update slack_batches set done_at = null where id = ?').run(member.batch_id);
      return true;
    })();
  }

  get(id: number): BatchRecord | undefined {
    const row = this.db.prepare('select * from slack_batches where id = ?').get(id) as Row | undefined;
    return row ? batchFrom(row) : undefined;
  }

  /** Batches Slack has not been told everything about yet. */
  active(): BatchRecord[] {
    return (
      this.db.prepare('select * from slack_batches where done_at is null order by id').all() as Row[]
    ).map(batchFrom);
  }

  /** Changes after `afterSeq`, up to `uptoSeq` when given, oldest first. */
  changes(batchId: number, afterSeq: number, uptoSeq?: number): BatchChange[] {
    const rows = this.db
      .prepare(
        `select c.*, d.definition_name from batch_changes c join dispatches d on d.number = c.dispatch_number
         where c.batch_id = ? and c.seq > ? and c.seq <= ? order by c.seq`,
      )
      .all(batchId, afterSeq, uptoSeq ?? Number.MAX_SAFE_INTEGER) as Row[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      dispatchNumber: Number(r.dispatch_number),
      definitionName: String(r.definition_name),
      state: String(r.state),
      detail: (r.detail as string | null) ?? null,
      at: String(r.at),
    }));
  }

  /** Every member as it is now, by number. */
  members(batchId: number): BatchMemberRow[] {
    const rows = this.db
      .prepare(
        `select d.number, d.definition_name, d.state, d.verdict, d.error, d.actor_name from batch_members m
         join dispatches d on d.number = m.dispatch_number where m.batch_id = ? order by d.number`,
      )
      .all(batchId) as Row[];
    return rows.map((r) => ({
      number: Number(r.number),
      definitionName: String(r.definition_name),
      state: String(r.state),
      verdict: (r.verdict as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      actorName: String(r.actor_name),
    }));
  }

  /** Before the summary message's post: if the process dies during it, the post is in doubt. */
  posting(id: number): void {
    this.db.prepare('update slack_batches set post_in_doubt = 1 where id = ?').run(id);
  }

  posted(id: number, channel: string, ts: string, summaryHash: string | null, at: string): void {
    this.db
      .prepare(
        `update slack_batches set message_channel = ?, message_ts = ?, post_in_doubt = 0, summary_hash = ?,
         summary_at = ? where id = ?`,
      )
      .run(channel, ts, summaryHash, at, id);
  }

  /** The post failed and Slack's answer says no message exists. */
  notPosted(id: number): void {
    this.db.prepare('update slack_batches set post_in_doubt = 0 where id = ?').run(id);
  }

  /** Before a reply covering changes up to `seq`: in doubt until `replied` or `notReplied`. */
  sending(id: number, seq: number): void {
    this.db.prepare('update slack_batches set sending_seq = ? where id = ?').run(seq, id);
  }

  /**
   * A reply telling the changes after replied_seq up to `seq` is in Slack; `reply` is that message when
   * it may be edited later (a reply found after a doubt is not: its ts is known, its age is not).
   */
  replied(id: number, seq: number, reply?: { ts: string; at: string }): void {
    this.db
      .prepare(
        `update slack_batches set reply_ts = ?, reply_from_seq = replied_seq, reply_at = ?, replied_seq = ?,
         sending_seq = null where id = ?`,
      )
      .run(reply?.ts ?? null, reply?.at ?? null, seq, id);
  }

  /** Before an edit of the latest reply telling changes up to `seq`: in doubt until `extended`. */
  extending(id: number, seq: number | null): void {
    this.db.prepare('update slack_batches set extend_seq = ? where id = ?').run(seq, id);
  }

  /** The latest reply now tells the changes up to `seq`. */
  extended(id: number, seq: number): void {
    this.db.prepare('update slack_batches set replied_seq = ?, extend_seq = null where id = ?').run(seq, id);
  }

  /**
   * Slack will not take edits of the latest reply (deleted, say): later changes go in a new reply.
   * One in doubt is told again there: twice is better than never.
   */
  unextendable(id: number): void {
    this.db
      .prepare(
        'update slack_batches set reply_ts = null, reply_from_seq = null, reply_at = null, extend_seq = null where id = ?',
      )
      .run(id);
  }

  notReplied(id: number): void {
    this.db.prepare('update slack_batches set sending_seq = null where id = ?').run(id);
  }

  summarySent(id: number, hash: string, at: string): void {
    this.db
      .prepare('update slack_batches set summary_hash = ?, summary_at = ? where id = ?')
      .run(hash, at, id);
  }

  done(id: number, at: string): void {
    this.db.prepare('update slack_batches set done_at = ? where id = ?').run(at, id);
  }

  /**
   * Slack refused the batch for good: it is done, and its members leave it (returned, by number) to
   * be told in their own threads.
   */
  refuse(id: number, reason: string, at: string): number[] {
    return this.db.transaction(() => {
      this.db.prepare('update slack_batches set done_at = ?, refused = ? where id = ?').run(at, reason, id);
      const numbers = (
        this.db
          .prepare('select dispatch_number as n from batch_members where batch_id = ? order by n')
          .all(id) as { n: number }[]
      ).map((r) => r.n);
      this.db.prepare('delete from batch_members where batch_id = ?').run(id);
      return numbers;
    })();
  }
}
