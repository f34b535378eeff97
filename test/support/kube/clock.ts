/**
 * Emulated wall clock shared by the API server, job controller and kubelet of the Kubernetes emulator.
 *
 * Glossary:
 * - emulated ms: milliseconds on the emulated clock; `now()` starts at the real time of creation.
 * - speed: emulated ms per real ms (100 = a 10 s sleep takes 100 ms). 0 freezes time: only
 *   `advance()` moves it, which makes a test fully deterministic.
 * - timer: a callback due at an emulated instant. Timers fire in (due, creation order) order, and
 *   while one fires `now()` reads its due instant, so what the controller and kubelet write does not
 *   depend on how late the host ran the callback.
 */

export interface ClockTimer {
  readonly due: number;
  cancel(): void;
}

interface Entry {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface ClockOptions {
  /** Emulated ms per real ms; default 1. 0 = paused until `advance()`. */
  speed?: number;
  /** Emulated start instant; default the real current time. */
  start?: Date | number;
}

/** Real ms of due timers fired per turn of the event loop (see fire()). */
const FIRING_SLICE_MS = 10;

export class EmulatedClock {
  private anchorEmu: number;
  private anchorReal: number;
  private speedValue: number;
  private last: number;
  private firing: number | undefined;
  private seq = 0;
  private readonly queue: Entry[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** A run of due timers goes on in the next turn (see fire()). */
  private slicing = false;

  constructor(opts: ClockOptions = {}) {
    const start = opts.start === undefined ? Date.now() : new Date(opts.start).getTime();
    this.anchorEmu = start;
    this.anchorReal = performance.now();
    this.speedValue = opts.speed ?? 1;
    this.last = start;
  }

  get speed(): number {
    return this.speedValue;
  }

  setSpeed(speed: number): void {
    this.reanchor();
    this.speedValue = speed;
    this.arm();
  }

  now(): number {
    if (this.firing !== undefined) return Math.max(this.last, this.firing);
    const t = this.anchorEmu + (performance.now() - this.anchorReal) * this.speedValue;
    this.last = Math.max(this.last, Math.floor(t));
    return this.last;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** RFC 3339 with second precision, as metav1.Time serialises. */
  iso(at = this.now()): string {
    return `${new Date(at).toISOString().slice(0, 19)}Z`;
  }

  setTimeout(fn: () => void, delayMs: number): ClockTimer {
    const entry: Entry = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.insert(entry);
    this.arm();
    return {
      due: entry.due,
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Resolves after `ms` emulated milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves emulated time forward by `ms`, firing every timer due on the way in order. */
  advance(ms: number): void {
    const target = this.now() + ms;
    this.runUntil(target);
    this.reanchor();
    this.anchorEmu = Math.max(this.anchorEmu, target);
    this.last = Math.max(this.last, target);
    this.arm();
  }

  dispose(): void {
    this.disposed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.queue.length = 0;
  }

  private reanchor(): void {
    const t = this.now();
    this.anchorEmu = t;
    this.anchorReal = performance.now();
  }

  private insert(entry: Entry): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.queue[mid]!;
      if (other.due < entry.due || (other.due === entry.due && other.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, entry);
  }

  /** Fires the timers due by `target`; returns false when it stopped at `deadline` (real ms) first. */
  private runUntil(target: number, deadline = Number.POSITIVE_INFINITY): boolean {
    while (!this.disposed) {
      const head = this.queue[0];
      if (!head || head.due > target) break;
      if (performance.now() > deadline) return false;
      this.queue.shift();
      if (head.cancelled) continue;
      this.firing = head.due;
      try {
        head.fn();
      } catch (err) {
        console.error('kube emulator timer failed', err);
      } finally {
        this.last = Math.max(this.last, head.due);
        this.firing = undefined;
      }
    }
    return true;
  }

  private arm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    // Re-entrant calls from a firing timer are re-armed once the run loop finishes.
    if (this.disposed || this.slicing || this.firing !== undefined || this.speedValue <= 0) return;
    while (this.queue[0]?.cancelled) this.queue.shift();
    const head = this.queue[0];
    if (!head) return;
    const delay = Math.max(0, (head.due - this.now()) / this.speedValue);
    this.realTimer = setTimeout(() => this.fire(), delay);
    this.realTimer.unref();
  }

  /**
   * Fires what is due, a slice of real time per turn: a sped-up clock can have a thousand Jobs end at
   * once, and a real cluster's controllers and kubelets do not stop its API server while they work.
   */
  private fire(): void {
    this.realTimer = undefined;
    this.slicing = false;
    if (this.runUntil(this.now(), performance.now() + FIRING_SLICE_MS)) this.arm();
    else {
      // Timers set meanwhile wait for this run to go on (arm() does nothing while slicing).
      this.slicing = true;
      setImmediate(() => this.fire()).unref();
    }
  }
}
