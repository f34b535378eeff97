/**
 * Routes dispatch notifications to a channel's batch when many dispatches report there at once (see
 * store/migrations/batches.ts). Glossary:
 * - join: at creation, a dispatch joins the channel's batch when the channel is busy (BatchRules);
 *   it then gets no thread of its own.
 * - divert: a dispatch created just before the batch opened still has its thread's messages queued;
 *   when the notifier is about to post them and the channel's batch is active, the dispatch is taken
 *   into the batch instead (its status message, if already posted, keeps being updated, up to its
 *   outcome and then its verdict). So nothing
 *   waits behind Slack's one-post-a-second while a batch could say it at once.
 */
import type { DispatchObservation, TimelineEvent } from '../domain/dispatch/index.js';
import { isTerminal, observationVerdict } from '../domain/dispatch/index.js';
import type { DispatchStateName } from '../domain/dispatch/state.js';
import type { Logger } from '../logger.js';
import type { DispatchNotifications } from '../services/dispatches.js';
import type { BatchRepository, BatchRules } from '../store/batches.js';
import type { DispatchRecord, StoredLog } from '../store/dispatches.js';

export class BatchAwareNotifications implements DispatchNotifications {
  constructor(
    private readonly inner: DispatchNotifications,
    private readonly batches: BatchRepository,
    private readonly rules: BatchRules,
    private readonly wake: () => void,
    private readonly log: Logger,
    /** A member's status changed: App Home shows every dispatch. */
    private readonly statusChanged: () => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  created(d: DispatchRecord): void {
    const batch = d.channel
      ? this.guard(d, () => this.batches.join(d.number, d.channel ?? '', this.at(), this.rules))
      : undefined;
    if (batch === undefined) {
      this.inner.created(d);
      return;
    }
    this.wake();
    this.statusChanged();
  }

  changed(d: DispatchRecord): void {
    if (!this.isMember(d)) {
      this.inner.changed(d);
      return;
    }
    this.recordState(d);
    // A status message posted before the dispatch joined keeps showing the truth, less the clean-up
    // steps between its outcome and its verdict: chat.update is 50 a minute for the whole workspace,
    // and in a burst the batch's replies need it more.
    if (d.messageTs && d.state !== 'finishing' && d.state !== 'cleaning') this.inner.changed(d);
    // The summary's counts change with every state (starting → running) even when no change is told.
    this.wake();
    this.statusChanged();
  }

  timeline(d: DispatchRecord, events: TimelineEvent[]): void {
    if (!this.isMember(d)) {
      this.inner.timeline(d, events);
      return;
    }
    if (events.some((e) => e.kind === 'running')) this.record(d, 'running', null);
  }

  finished(d: DispatchRecord, logs: StoredLog[]): void {
    if (!this.isMember(d)) {
      this.inner.finished(d, logs);
      return;
    }
    this.recordState(d);
    if (d.messageTs) this.inner.changed(d);
    this.statusChanged();
  }

  /**
   * A member of a batch Slack refused for good, told in its own thread from now on: a status message
   * if it has none (the notifier sends it to the dispatcher's DM when the channel refuses it too),
   * and its verdict if it has ended. Its later changes reach the thread: it is no member any more.
   */
  release(d: DispatchRecord, logs: StoredLog[]): void {
    if (!d.messageTs) this.inner.created(d);
    if (isTerminal(d.state as DispatchStateName)) this.inner.finished(d, logs);
  }

  /**
   * Called by the notifier before it posts a dispatch's message: true when the dispatch is (now) a
   * member of its channel's active batch, so the message is not needed.
   */
  divert(d: DispatchRecord): boolean {
    if (!d.channel) return false;
    const joined = this.guard(d, () => this.batches.adopt(d.number, d.channel ?? '')) !== undefined;
    if (joined) {
      // What the thread would have said so far, said by the batch.
      this.recordState(d);
      this.wake();
    }
    return joined;
  }

  /**
   * The verdict is told as soon as it is known: when Kubernetes has finished the Job (outcome set,
   * logs still being gathered), not after the clean-up, which for a burst takes seconds.
   */
  private recordState(d: DispatchRecord): void {
    const o = (d.observation ?? undefined) as DispatchObservation | undefined;
    if (isTerminal(d.state as DispatchStateName))
      this.record(d, d.state, d.state === 'succeeded' ? null : (d.verdict ?? d.error));
    else if (d.outcome === 'failed') this.record(d, 'failed', o ? observationVerdict(o) : null);
    else if (d.outcome === 'succeeded') this.record(d, 'succeeded', null);
    else if (runningNow(d)) this.record(d, 'running', null);
  }

  private record(d: DispatchRecord, state: string, detail: string | null): void {
    if (this.guard(d, () => this.batches.record(d.number, state, detail, this.at()))) this.wake();
  }

  private isMember(d: DispatchRecord): boolean {
    return this.guard(d, () => this.batches.batchOf(d.number)) !== undefined;
  }

  /** A batch's bookkeeping failing must not break the dispatch it reports. */
  private guard<T>(d: DispatchRecord, work: () => T): T | undefined {
    try {
      return work();
    } catch (err) {
      this.log.error({ err, dispatch: d.number }, 'recording a dispatch in its Slack batch failed');
      return undefined;
    }
  }

  private at(): string {
    return this.now().toISOString();
  }
}

function runningNow(d: DispatchRecord): boolean {
  return (d.observation as DispatchObservation | null)?.phase === 'running';
}
