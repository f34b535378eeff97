/**
 * Log retention: gathered logs are removed when their dispatch finished too long ago, and the oldest
 * go first while all logs together take more than the configured size. Dispatch records and the
 * audit log are never pruned; a pruned dispatch says when its logs went.
 */
import type { Logger } from '../logger.js';

export interface RetentionStore {
  pruneLogs(limits: { olderThan: string; maxBytes: number }, at: string): number[];
}

export interface RetentionSettings {
  logDays: number;
  logBytes: number;
}

const HOUR = 60 * 60 * 1000;

export class LogRetention {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RetentionStore,
    private readonly settings: RetentionSettings,
    private readonly log: Logger,
    private readonly onPruned: (numbers: number[]) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Prunes now and then every hour. */
  start(intervalMs = HOUR): void {
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
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
