/**
 * Retention, run hourly. Gathered logs are removed when their dispatch finished too long ago, and the
 * oldest go first while all logs together take more than the configured size. Delivered Slack outbox
 * rows are removed after OUTBOX_KEEP_DAYS. Dispatch records and the audit log are never pruned; a
 * pruned dispatch says when its logs went.
 */
import type { Logger } from '../logger.js';

export interface RetentionStore {
  pruneLogs(limits: { olderThan: string; maxBytes: number }, at: string): number[];
  /**
   * Deletes up to `limit` outbox rows (of each outbox) delivered before `before`, never one pending
   * or in doubt; returns how many went.
   */
  pruneDelivered?(before: string, limit: number): number;
}

/**
 * How long delivered outbox rows are kept: 69 % of the database per dispatch (BENCHMARKS.md) that
 * delivery never reads again. An entry in doubt or an update to merge is pending, and a thread's
 * order needs only its pending rows, so a row is of use after delivery only to someone asking what
 * a thread was sent (with notes such as "posted to the dispatcher instead"). Three days cover a
 * weekend: Friday evening's rows are still there on Monday morning.
 */
export const OUTBOX_KEEP_DAYS = 3;
/** Rows deleted per statement; the event loop serves requests between batches. */
const OUTBOX_BATCH = 1_000;

export interface RetentionSettings {
  logDays: number;
  logBytes: number;
}

const HOUR = 60 * 60 * 1000;

export class LogRetention {
  #timer: NodeJS.Timeout | undefined;
  #pruningOutbox = false;
  #stopped = false;

  constructor(
    private readonly store: RetentionStore,
    private readonly settings: RetentionSettings,
    private readonly log: Logger,
    private readonly onPruned: (numbers: number[]) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Prunes now and then every hour. */
  start(intervalMs = HOUR): void {
    const run = () => {
      this.runOnce();
      void this.pruneOutbox();
    };
    run();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref();
  }

  /** Also ends an outbox pruning under way after its current batch (the database closes next). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  /**
   * Deletes delivered outbox rows older than OUTBOX_KEEP_DAYS, a batch at a time: the first run
   * after an upgrade may find hundreds of thousands. Resolves with how many went.
   */
  async pruneOutbox(): Promise<number> {
    if (!this.store.pruneDelivered || this.#pruningOutbox) return 0;
    this.#pruningOutbox = true;
    const before = new Date(this.now().getTime() - OUTBOX_KEEP_DAYS * 24 * HOUR).toISOString();
    let total = 0;
    try {
      while (!this.#stopped) {
        const n = this.store.pruneDelivered(before, OUTBOX_BATCH);
        total += n;
        if (n === 0) break;
        await new Promise((r) => setImmediate(r));
      }
      if (total > 0)
        this.log.info({ rows: total, before }, 'pruned delivered Slack messages from the outbox');
    } catch (err) {
      this.log.error({ err }, 'outbox retention failed; will try again');
    } finally {
      this.#pruningOutbox = false;
    }
    return total;
  }

  runOnce(): number[] {
    const now = this.now();
    const olderThan = new Date(now.getTime() - this.settings.logDays * 24 * HOUR).toISOString();
    try {
      const pruned = this.store.pruneLogs({ olderThan, maxBytes: this.settings.logBytes }, now.toISOString());
      if (pruned.length > 0) {
        this.log.info(
          { dispatches: pruned.length, first: pruned[0], last: pruned.at(-1) },
          'pruned dispatch logs',
        );
        this.onPruned(pruned);
      }
      return pruned;
    } catch (err) {
      this.log.error({ err }, 'log retention failed; will try again');
      return [];
    }
  }
}
