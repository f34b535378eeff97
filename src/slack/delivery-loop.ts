/**
 * The delivery loop shared by Slack outboxes (dispatch threads, pipeline threads). Each thread's
 * queue is delivered head first, one entry at a time, so a thread reads in order; heads of different
 * threads go several at a time, oldest thread first. Glossary:
 * - passer: an entry a queue offers with its head, which may go first while the head waits (the
 *   dispatch outbox's message below a status edit that waits for chat.update, see store/outbox.ts).
 * - ready: an entry is due (not waiting for a retry) and its first Slack call has an allowance now
 *   (`readyIn`, from the pacer that keeps calls within Slack's published limits, see pacing.ts). Only
 *   ready entries are started, so a slot is never held waiting while another thread could go: a busy
 *   channel or method waits, the others go on.
 * - transient failure: Slack or the network may recover (5xx, timeouts): retried with backoff;
 * - rate limited (429): retried after Retry-After; the paced client blocks the method (and channel)
 *   that drew it for that long, so entries needing it wait and every other thread goes on.
 * - permanent failure: retrying cannot help (invalid_blocks, channel_not_found, …): recorded on the
 *   entry and skipped, so one bad message never blocks a thread.
 * - in doubt: the call may have reached Slack though no answer said so (timeout, cut connection,
 *   5xx, or the process died during it). A queue that records `started` before each call keeps that
 *   mark, and the sender looks for the message before sending it again. An answer from Slack that
 *   it refused (429, ok:false) clears the doubt.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface QueuedEntry {
  id: number;
  attempts: number;
  nextAttemptAt: string;
  inDoubt?: boolean;
  /** The entry after this head that may be sent before it while this one waits (same type). */
  passer?: QueuedEntry;
}

/** The outbox operations the loop needs. */
export interface DeliveryQueue<E extends QueuedEntry> {
  /** The head (oldest pending entry) of each thread, oldest first, each with its passer if any. */
  heads(limit: number): E[];
  delivered(id: number, at: string, note: string | null): void;
  /**
   * Called before the entry's first call; returns the entry as stored now (its content may have been
   * replaced since `heads`), undefined if it is gone or delivered (superseded). A queue that tracks
   * doubt also counts the attempt and marks the entry in doubt until an answer says otherwise.
   */
  started?(id: number): E | undefined;
  retryLater(id: number, nextAttemptAt: string, error: string, inDoubt?: boolean): void;
}

export interface DeliveryOptions {
  now?: () => Date;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /**
   * After a call whose outcome is unknown (a timeout above all), the next attempt waits at least this
   * long: Slack may still be carrying out the abandoned call, and the next attempt first looks for
   * its message, which must have landed by then or it is posted twice. The client's timeout.
   */
  settleMs?: number;
  /** Threads delivered at once (default 4): HTTP calls in flight, since only ready entries start. */
  concurrency?: number;
}

const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Threads looked at per read of the queue: enough that a few busy channels do not hide the rest. */
const HEADS = 200;
/** While waiting, a burst of wakes (one per message queued) re-reads the queue at most this often. */
const WAKE_GAP_MS = 25;
const MAX_WAIT_MS = 60_000;

export type Failure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'transient'; reason: string; maybeSent: boolean }
  | { kind: 'permanent'; reason: string };

type InFlight = Map<number, Promise<void>>;

export class DeliveryLoop<E extends QueuedEntry> {
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** Ends the loop's current wait early (a wake, a stop). */
  #nudge: (() => void) | undefined;
  readonly #now: () => Date;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #settleMs: number;
  readonly #concurrency: number;

  /**
   * @param send delivers one entry; resolves with a note when it was delivered differently than asked.
   * @param describe the log fields that identify an entry.
   * @param readyIn ms until the entry's first Slack call has an allowance (0: now).
   */
  constructor(
    private readonly queue: DeliveryQueue<E>,
    private readonly send: (entry: E) => Promise<string | undefined>,
    private readonly describe: (entry: E) => Record<string, unknown>,
    private readonly log: Logger,
    options: DeliveryOptions = {},
    private readonly readyIn: (entry: E) => number = () => 0,
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#firstRetryMs = options.firstRetryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#settleMs = options.settleMs ?? 0;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Asks for delivery soon; calls while the loop runs make it read the queue again. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      this.#nudge?.();
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

  /** Lets the deliveries in progress finish; what is left stays queued for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#nudge?.();
    await this.#running;
  }

  /** Resolves when the loop has nothing left to deliver (or was stopped). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Runs while anything is queued: starts what is ready, else waits for what comes first. */
  private async drain(): Promise<void> {
    const inFlight: InFlight = new Map();
    let failure: { err: unknown } | undefined;
    const start = (entry: E) => {
      const p = this.deliverOne(entry)
        .catch((err: unknown) => {
          failure ??= { err };
        })
        .finally(() => inFlight.delete(entry.id));
      inFlight.set(entry.id, p);
    };
    try {
      while (!this.#stopped && !failure) {
        this.#again = false;
        const readAt = this.#now().getTime();
        // A thread whose head is in flight offers nothing else: its next entry waits for that one.
        const heads = this.queue.heads(HEADS).filter((e) => !inFlight.has(e.id));
        if (heads.length === 0 && inFlight.size === 0) return;
        const { started, waitMs } = await this.startReady(heads, inFlight, start);
        if (started === 0 && !this.#stopped) await this.pause(waitMs, inFlight, readAt);
      }
    } finally {
      await Promise.all(inFlight.values());
    }
    // As before the loop ran deliveries side by side: a store failure is not swallowed.
    if (failure) throw failure.err;
  }

  /** Starts the ready entries of `heads`, oldest first, as slots free up; says how long the rest wait. */
  private async startReady(
    heads: E[],
    inFlight: InFlight,
    start: (entry: E) => void,
  ): Promise<{ started: number; waitMs: number }> {
    const left = [...heads];
    let started = 0;
    for (;;) {
      const now = this.#now().getTime();
      const waitOf = (e: E) => {
        const due = Date.parse(e.nextAttemptAt) - now;
        return due > 0 ? due : this.readyIn(e);
      };
      let waitMs = Number.POSITIVE_INFINITY;
      let pick: { at: number; entry: E } | undefined;
      for (const [at, head] of left.entries()) {
        // queue.heads() hands out passers of the heads' own type.
        const passer = head.passer as E | undefined;
        const ready = [head, ...(passer && !inFlight.has(passer.id) ? [passer] : [])].find((e) => {
          const wait = waitOf(e);
          waitMs = Math.min(waitMs, wait);
          return wait <= 0;
        });
        if (ready) {
          pick = { at, entry: ready };
          break;
        }
      }
      if (!pick || this.#stopped) return { started, waitMs };
      if (inFlight.size >= this.#concurrency) {
        await Promise.race(inFlight.values());
        continue;
      }
      left.splice(pick.at, 1);
      start(pick.entry);
      started++;
    }
  }

  /**
   * Waits for whichever comes first: a delivery ends, `ms` pass (a retry or an allowance is due), or
   * a wake (no sooner than WAKE_GAP_MS after the last read of the queue).
   */
  private pause(ms: number, inFlight: InFlight, readAt: number): Promise<void> {
    return new Promise((resolve) => {
      const deadline = this.#now().getTime() + Math.min(ms, MAX_WAIT_MS);
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.#nudge === nudge) this.#nudge = undefined;
        resolve();
      };
      const until = (at: number) => {
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, Math.min(at, deadline) - this.#now().getTime()));
        timer.unref();
      };
      const nudge = () => (this.#stopped ? done() : until(readAt + WAKE_GAP_MS));
      this.#nudge = nudge;
      until(deadline);
      for (const p of inFlight.values()) void p.then(done);
    });
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
      const backoff = limited
        ? failure.retryAfterMs
        : Math.min(this.#maxRetryMs, this.#firstRetryMs * 2 ** Math.min(entry.attempts, 10));
      const unknown = failure.kind === 'transient' && failure.maybeSent;
      const delay = unknown ? Math.max(backoff, this.#settleMs) : backoff;
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

export function classify(err: unknown): Failure {
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
