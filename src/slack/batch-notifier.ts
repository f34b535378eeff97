/**
 * Delivers channel batches (see store/migrations/batches.ts) to Slack. Unlike a thread's outbox, a
 * batch's messages are made when they can be sent, not when things happen: each reply covers every
 * change since the previous one, and the summary shows the members as they are. So a burst costs
 * one post a second per channel at most (Slack's limit), and each change is in Slack within about a
 * second of happening, however many dispatches there are.
 *
 * - reply: posted as soon as the channel's posting allowance has room; it lists the changes after
 *   `replied_seq`. The range is recorded before the call (in doubt), so after a crash the same range
 *   is looked for in Slack by its marker and sent only if absent (exactly once, as the outbox).
 * - summary: the first post, then chat.update (Tier 3, shared by the workspace) at most every
 *   `summaryGapMs` and only when its content changed.
 * - done: every member finished, every change replied and the summary current; a new member or
 *   change makes the batch active again.
 */
import { createHash } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { isTerminal } from '../domain/dispatch/index.js';
import type { DispatchStateName } from '../domain/dispatch/state.js';
import type { Logger } from '../logger.js';
import type { BatchRecord, BatchRepository } from '../store/batches.js';
import { classify } from './delivery-loop.js';
import type { SlackPacer } from './pacing.js';
import { postMarked, SentCheck } from './sent-check.js';
import { batchChangesReply, batchSummaryMessage, changesForOneReply, replyFits } from './views/batch.js';
import type { MessageBody } from './views/blocks.js';

export interface BatchNotifierOptions {
  command: string;
  pacer?: SlackPacer;
  now?: () => Date;
  /** Least time between two updates of a batch's summary (chat.update is 50 a minute workspace-wide). */
  summaryGapMs?: number;
  /** Least time between two edits of a batch's latest reply (see reply()). */
  editGapMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Least wait after a call whose outcome is unknown (see DeliveryOptions.settleMs). */
  settleMs?: number;
  /** Slack refused a batch for good: these members are to be told in their own threads. */
  released?: (numbers: number[]) => void;
}

/** A burst of wakes (one per change) runs a pass at most this often. */
const WAKE_GAP_MS = 20;
const MAX_WAIT_MS = 60_000;
/**
 * chat.update's allowance (50 a minute for the workspace) is shared by the threads' status messages,
 * the replies' edits and the summaries, in that order of need: edits spend only what is above
 * EDIT_RESERVE, and a summary waits while replies are being sent, for SUMMARY_STRETCH gaps at most.
 */
const EDIT_RESERVE = 5;
const SUMMARY_STRETCH = 5;

export class BatchNotifier {
  readonly #check: SentCheck;
  readonly #now: () => Date;
  readonly #summaryGapMs: number;
  readonly #editGapMs: number;
  /** When each batch's latest reply was last edited (ms). */
  readonly #edited = new Map<number, number>();
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  /** Batches whose last call failed: when to try again, and the delay that led there. */
  readonly #backoff = new Map<number, { at: number; delayMs: number }>();
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #nudge: (() => void) | undefined;

  constructor(
    private readonly store: BatchRepository,
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly options: BatchNotifierOptions,
  ) {
    this.#check = new SentCheck(client, log);
    this.#now = options.now ?? (() => new Date());
    this.#summaryGapMs = options.summaryGapMs ?? 2_000;
    this.#editGapMs = options.editGapMs ?? 500;
    this.#firstRetryMs = options.firstRetryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
  }

  wake(): void {
    if (this.#stopped) return;
    this.#again = true;
    this.#nudge?.();
    this.#running ??= this.run().finally(() => {
      this.#running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#nudge?.();
    await this.#running;
  }

  private async run(): Promise<void> {
    while (!this.#stopped) {
      this.#again = false;
      let wait: number;
      try {
        wait = await this.pass();
      } catch (err) {
        // The database itself failed: nothing else to do but try again later.
        this.log.error({ err }, 'reading the Slack batches failed');
        wait = this.#firstRetryMs;
      }
      if (this.#stopped || (wait === Number.POSITIVE_INFINITY && !this.#again)) return;
      await this.sleep(this.#again ? WAKE_GAP_MS : Math.max(WAKE_GAP_MS, Math.min(wait, MAX_WAIT_MS)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      // A wake during a long wait cuts it short, but passes stay WAKE_GAP_MS apart.
      this.#nudge = () => {
        clearTimeout(timer);
        this.#nudge = undefined;
        setTimeout(done, WAKE_GAP_MS);
      };
      function done() {
        resolve();
      }
    }).finally(() => {
      this.#nudge = undefined;
    });
  }

  /** One look at every active batch; returns the ms until one of them has more to do. */
  private async pass(): Promise<number> {
    const now = this.#now().getTime();
    const waits = await Promise.all(
      this.store.active().map(async (b) => {
        const backoff = this.#backoff.get(b.id);
        if (backoff && backoff.at > now) return backoff.at - now;
        try {
          const wait = await this.step(b, now);
          this.#backoff.delete(b.id);
          return wait;
        } catch (err) {
          return this.failed(b, err, now);
        }
      }),
    );
    return Math.min(Number.POSITIVE_INFINITY, ...waits);
  }

  private async step(b: BatchRecord, now: number): Promise<number> {
    if (!b.messageTs) return this.postSummary(b, now);
    const channel = b.messageChannel ?? b.channel;
    const next = await this.reply(b, channel, now);
    const since = b.summaryAt ? now - Date.parse(b.summaryAt) : Number.POSITIVE_INFINITY;
    if (since < this.#summaryGapMs) return Math.min(next, this.#summaryGapMs - since);
    // While changes keep coming, the counts wait (a while at most): the replies name each dispatch
    // and need chat.update for their edits; the summary only counts them.
    const longest = this.#summaryGapMs * SUMMARY_STRETCH;
    if (next !== Number.POSITIVE_INFINITY && since < longest) return Math.min(next, longest - since);
    // Only when an update could go: building the summary reads every member.
    const wait = this.waitMs('chat.update');
    if (wait > 0) return Math.min(next, wait);
    const members = this.store.members(b.id);
    const summary = batchSummaryMessage({ batchId: b.id, members, command: this.options.command });
    const hash = hashOf(summary);
    if (hash !== b.summaryHash) {
      await this.client.chat.update({ channel, ts: b.messageTs, ...summary } as never);
      this.store.summarySent(b.id, hash, new Date(now).toISOString());
      return Math.min(next, this.#summaryGapMs);
    }
    if (next === Number.POSITIVE_INFINITY && members.every((m) => isTerminal(m.state as DispatchStateName))) {
      this.store.done(b.id, new Date(now).toISOString());
      // Nothing more to edit unless another member joins: its last edit time can go.
      this.#edited.delete(b.id);
    }
    // Unchanged: looked at again a gap from now, not at every pass.
    else this.store.summarySent(b.id, hash, new Date(now).toISOString());
    return next;
  }

  /**
   * Tells the changes after replied_seq. An edit in doubt is made again first. A new reply goes once
   * the channel's post interval has passed since the latest; until then the latest reply is edited
   * to take them in. Returns the ms until there is more to do.
   */
  private async reply(b: BatchRecord, channel: string, now: number): Promise<number> {
    if (b.extendSeq !== null && b.reply) return this.extend(b, b.reply, channel, now);
    const pending = this.store.changes(b.id, b.repliedSeq, b.sendingSeq ?? undefined);
    if (pending.length === 0) return Number.POSITIVE_INFINITY;
    // Replies go half a post interval apart at least, as Slack's "short bursts" allowance lets them
    // while it lasts; until the next one may go, the latest takes the changes in.
    const interval = this.options.pacer?.intervalMs('chat.postMessage') ?? 0;
    const sincePost = b.reply ? now - Date.parse(b.reply.at) : Number.POSITIVE_INFINITY;
    const postWait = this.waitMs('chat.postMessage', channel);
    if (
      b.sendingSeq === null &&
      b.reply &&
      (sincePost < interval / 2 || (sincePost < interval && postWait > 0))
    )
      return Math.min(
        Math.max(interval / 2 - sincePost, postWait),
        await this.extend(b, b.reply, channel, now),
      );
    const wait = b.sendingSeq !== null ? this.waitMs('conversations.replies') : postWait;
    if (wait > 0) return wait;
    // In doubt, the range is the one sent before; else as many as one reply names in full.
    const changes = b.sendingSeq !== null ? pending : changesForOneReply(pending);
    const last = changes.at(-1)!;
    const key = `batch:${b.id}:reply:${last.seq}@${b.openedAt}`;
    const found =
      b.sendingSeq !== null &&
      (await this.#check.findMessage(channel, b.messageTs ?? undefined, key, changes[0]?.at ?? b.openedAt));
    if (found) {
      this.store.replied(b.id, last.seq);
      return 0;
    }
    this.store.sending(b.id, last.seq);
    const where = await this.call(
      () => this.send(channel, b.messageTs ?? undefined, batchChangesReply(changes), key),
      () => this.store.notReplied(b.id),
    );
    this.store.replied(b.id, last.seq, { ts: where.ts, at: new Date(now).toISOString() });
    return 0;
  }

  /**
   * Edits the latest reply to tell every change since it was posted, when it still names them all,
   * the last edit is `editGapMs` old and chat.update's allowance stays above a reserve (the summaries
   * and the threads' status messages need it too). An edit in doubt is made regardless.
   */
  private async extend(
    b: BatchRecord,
    reply: NonNullable<BatchRecord['reply']>,
    channel: string,
    now: number,
  ): Promise<number> {
    const inDoubt = b.extendSeq;
    let changes = this.store.changes(b.id, reply.fromSeq);
    if (inDoubt === null) {
      const sinceEdit = now - (this.#edited.get(b.id) ?? Number.NEGATIVE_INFINITY);
      if (sinceEdit < this.#editGapMs) return this.#editGapMs - sinceEdit;
      if (!replyFits(changes)) return Number.POSITIVE_INFINITY;
      if (this.updatesLeft() <= EDIT_RESERVE) return Number.POSITIVE_INFINITY;
    } else if (!replyFits(changes)) changes = changes.filter((c) => c.seq <= inDoubt);
    const wait = this.waitMs('chat.update');
    if (wait > 0) return wait;
    const last = changes.at(-1)!;
    this.store.extending(b.id, last.seq);
    try {
      await this.client.chat.update({ channel, ts: reply.ts, ...batchChangesReply(changes) } as never);
    } catch (err) {
      const failure = classify(err);
      if (failure.kind === 'permanent') {
        this.log.warn(
          { batch: b.id, error: failure.reason },
          'Slack refused an edit of a batch reply; posting anew',
        );
        this.store.unextendable(b.id);
        return 0;
      }
      // Nothing reached Slack this time: what was in doubt before still is, and nothing else.
      if (failure.kind === 'rate_limited' || !failure.maybeSent) this.store.extending(b.id, inDoubt);
      throw err;
    }
    this.store.extended(b.id, last.seq);
    this.#edited.set(b.id, now);
    return 0;
  }

  /** The summary message, once; later contents go by chat.update. */
  private async postSummary(b: BatchRecord, now: number): Promise<number> {
    const wait = b.postInDoubt
      ? this.waitMs('conversations.history')
      : this.waitMs('chat.postMessage', b.channel);
    if (wait > 0) return wait;
    const summary = batchSummaryMessage({
      batchId: b.id,
      members: this.store.members(b.id),
      command: this.options.command,
    });
    const key = `batch:${b.id}:summary@${b.openedAt}`;
    let where = b.postInDoubt
      ? await this.#check.findMessage(b.channel, undefined, key, b.openedAt)
      : undefined;
    if (where) {
      // Slack has the summary from before, with older content: the next update refreshes it.
      this.store.posted(b.id, where.channel, where.ts, null, new Date(now).toISOString());
      return 0;
    }
    this.store.posting(b.id);
    where = await this.call(
      () => this.send(b.channel, undefined, summary, key),
      () => this.store.notPosted(b.id),
    );
    this.store.posted(b.id, where.channel, where.ts, hashOf(summary), new Date(now).toISOString());
    return 0;
  }

  private async send(
    channel: string,
    threadTs: string | undefined,
    content: MessageBody,
    key: string,
  ): Promise<{ channel: string; ts: string }> {
    const where = await postMarked(this.client, channel, threadTs, content, key);
    if (!where.ts) throw new Error('chat.postMessage answered without a ts');
    return { channel: where.channel, ts: where.ts };
  }

  /** Runs a post; when Slack's answer says nothing was posted, `refused` clears the doubt. */
  private async call<T>(post: () => Promise<T>, refused: () => void): Promise<T> {
    try {
      return await post();
    } catch (err) {
      const failure = classify(err);
      if (failure.kind !== 'transient' || !failure.maybeSent) refused();
      throw err;
    }
  }

  private failed(b: BatchRecord, err: unknown, now: number): number {
    const failure = classify(err);
    if (failure.kind === 'permanent') {
      // Nothing retrying can fix (the channel is gone, Jobbot was removed from it): the members go
      // back to threads of their own, whose status messages go to their dispatchers' DMs instead.
      this.log.error(
        { batch: b.id, channel: b.channel, error: failure.reason },
        'Slack refused a batch message for good; its dispatches are told in threads of their own',
      );
      const numbers = this.store.refuse(b.id, failure.reason, new Date(now).toISOString());
      this.options.released?.(numbers);
      return Number.POSITIVE_INFINITY;
    }
    const previous = this.#backoff.get(b.id)?.delayMs;
    const backoff =
      failure.kind === 'rate_limited'
        ? failure.retryAfterMs
        : Math.min(this.#maxRetryMs, previous ? previous * 2 : this.#firstRetryMs);
    const unknown = failure.kind === 'transient' && failure.maybeSent;
    const delayMs = unknown ? Math.max(backoff, this.options.settleMs ?? 0) : backoff;
    this.#backoff.set(b.id, { at: now + delayMs, delayMs });
    this.log.warn({ batch: b.id, err, retryInMs: delayMs }, 'a batch message to Slack failed; trying again');
    return delayMs;
  }

  private updatesLeft(): number {
    return this.options.pacer?.tokens('chat.update') ?? Number.POSITIVE_INFINITY;
  }

  private waitMs(method: string, channel?: string): number {
    return this.options.pacer?.waitMs(method, channel) ?? 0;
  }
}

function hashOf(content: MessageBody): string {
  return createHash('sha1').update(JSON.stringify(content)).digest('hex');
}
