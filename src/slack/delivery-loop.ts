/**
 * The delivery loop shared by Slack outboxes (dispatch threads, pipeline threads). One delivery runs
 * at a time over the head of each thread's queue, so a thread reads in order. Glossary:
 * - transient failure: Slack or the network may recover (5xx, timeouts): retried with backoff;
 * - rate limited (429): retried after Retry-After, which pauses every delivery (limits are shared);
 * - permanent failure: retrying cannot help (invalid_blocks, channel_not_found, …): recorded on the
 *   entry and skipped, so one bad message never blocks a thread.
 * - in doubt: the call may have reached Slack though no answer said so (timeout, cut connection,
 *   5xx, or the process died during it). A queue that records `started` before each call keeps that
 *   mark, and the sender looks for the message before sending it again. An answer from Slack that
 *   it refused (429, ok:false) clears the doubt.
 * Heads of different threads are delivered a few at a time; one thread's entries never overlap.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface QueuedEntry {
  id: number;
  attempts: number;
  nextAttemptAt: string;
  inDoubt?: boolean;
}

/** The outbox operations the loop needs. */
export interface DeliveryQueue<E extends QueuedEntry> {
  heads(limit: number): E[];
  delivered(id: number, at: string, note: string | null): void;
  /**
   * Counts the attempt and marks the entry in doubt until an answer says otherwise; returns the entry
   * as stored now (its content may have been replaced since `heads`), undefined if it is gone.
   */
  started?(id: number): E | undefined;
  retryLater(id: number, nextAttemptAt: string, error: string, inDoubt?: boolean): void;
}

export interface DeliveryOptions {
  now?: () => Date;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Threads delivered at once (default 4). */
  concurrency?: number;
}

const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

type Failure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'transient'; reason: string; maybeSent: boolean }
  | { kind: 'permanent'; reason: string };

export class DeliveryLoop<E extends QueuedEntry> {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #pausedUntil = 0;
  readonly #now: () => Date;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #concurrency: number;

  /**
   * @param send delivers one entry; resolves with a note when it was delivered differently than asked.
   * @param describe the log fields that identify an entry.
   */
  constructor(
    private readonly queue: DeliveryQueue<E>,
    private readonly send: (entry: E) => Promise<string | undefined>,
    private readonly describe: (entry: E) => Record<string, unknown>,
    private readonly log: Logger,
    options: DeliveryOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#firstRetryMs = options.firstRetryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Asks for a delivery round soon; calls while one runs make it go round once more. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    // Started on a later microtask: a caller inside a database transaction commits before any send.
    this.#running = Promise.resolve()
      .then(() => this.drain())
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Lets the delivery in progress finish; what is left stays queued for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves when no delivery round is running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const now = this.#now().getTime();
      if (now < this.#pausedUntil) return this.schedule(this.#pausedUntil - now);
      const heads = this.queue.heads(50);
      const due = heads.filter((e) => Date.parse(e.nextAttemptAt) <= now);
      if (due.length === 0) {
        const next = Math.min(...heads.map((e) => Date.parse(e.nextAttemptAt)));
        if (Number.isFinite(next)) this.schedule(next - now);
        return;
      }
      let cursor = 0;
      const worker = async () => {
        while (cursor < due.length) {
          if (this.#stopped || this.#now().getTime() < this.#pausedUntil) return;
          await this.deliverOne(due[cursor++]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, due.length) }, worker));
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), Math.max(10, ms));
    this.#timer.unref();
  }

  private async deliverOne(queued: E): Promise<void> {
    const at = () => this.#now().toISOString();
    // Sent as stored now: a pending update may have taken newer content while others were sent.
    const entry = this.queue.started ? this.queue.started(queued.id) : queued;
    if (!entry) return;
    try {
      this.queue.delivered(entry.id, at(), (await this.send(entry)) ?? null);
    } catch (err) {
      const failure = classify(err);
      const log = this.log.child({ ...this.describe(entry), attempt: entry.attempts + 1 });
      if (failure.kind === 'permanent') {
        log.error({ reason: failure.reason }, 'Slack refused a notification; skipping it');
        this.queue.delivered(entry.id, at(), `not delivered: ${failure.reason}`);
        return;
      }
      const limited = failure.kind === 'rate_limited';
      const delay = limited
        ? failure.retryAfterMs
        : Math.min(this.#maxRetryMs, this.#firstRetryMs * 2 ** Math.min(entry.attempts, 10));
      if (limited) this.#pausedUntil = this.#now().getTime() + delay;
      const reason = limited ? 'ratelimited' : failure.reason;
      // Once in doubt, an entry stays so until delivered: this failure may come from the look-up itself.
      const maybeSent = Boolean(entry.inDoubt) || (failure.kind === 'transient' && failure.maybeSent);
      log.warn({ reason, retryInMs: delay, maybeSent }, 'Slack notification delayed');
      this.queue.retryLater(
        entry.id,
        new Date(this.#now().getTime() + delay).toISOString(),
        reason,
        maybeSent,
      );
    }
  }
}

export function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

function classify(err: unknown): Failure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; message?: string };
  if (e.code === webApi.ErrorCode.RateLimitedError) {
    return { kind: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  if (e.code === webApi.ErrorCode.PlatformError) {
    const code = slackError(err) ?? 'unknown_error';
    // Slack answered: it says the call failed, so nothing was posted.
    return TRANSIENT_ERRORS.has(code)
      ? { kind: 'transient', reason: code, maybeSent: false }
      : { kind: 'permanent', reason: code };
  }
  if (
    e.code === webApi.ErrorCode.HTTPError &&
    e.statusCode !== undefined &&
    e.statusCode < 500 &&
    e.statusCode !== 408
  ) {
    return { kind: 'permanent', reason: `HTTP ${e.statusCode}` };
  }
  // A 5xx from Slack's edge, a timeout or a cut connection: the message may have been posted.
  return { kind: 'transient', reason: e.message ?? String(err), maybeSent: true };
}
