/**
 * Slash commands acknowledged already, waiting for their listener. They start one per event-loop
 * turn (a setImmediate chain that schedules the next only once the previous one's handler has
 * returned control), so Node polls for I/O between two commands and a request arriving meanwhile is
 * acknowledged without waiting behind a burst of command work (one `/job run --yes` costs ~5 ms of CPU;
 * 200 back to back held the last acknowledgement for over a second, see BENCHMARKS.md section 1).
 *
 * And they wait while requests are still arriving: Node accepts only one new connection per loop
 * turn while other work is queued for the next turn, so with a command in every turn a burst of 200
 * requests on new connections took 200 commands' time to be accepted at all (p99 ~1 s for `/job help`
 * in the benchmark). So commands start once no request has arrived for `quietMs` and none is still
 * being read, or once the oldest has waited `maxDeferMs`, which bounds their delay under a steady
 * stream of requests (and behind a client that never finishes sending its body). Without the "being
 * read" part, a sender pausing 5 ms mid-burst let commands start while half the burst was still
 * unacknowledged, and those acknowledgements then took turns with the commands (+30 ms at 200).
 */

export interface CommandQueueTiming {
  /** Commands start once no request has arrived for this long... */
  quietMs: number;
  /** ...or once the oldest has waited this long. */
  maxDeferMs: number;
}

export const COMMAND_QUEUE_TIMING: CommandQueueTiming = { quietMs: 5, maxDeferMs: 250 };

export class CommandQueue<T> {
  /** Urgent commands first, then the others; each part oldest first. */
  readonly #waiting: { item: T; at: number; urgent: boolean }[] = [];
  readonly #running = new Set<Promise<void>>();
  #scheduled = false;
  #lastArrival = Number.NEGATIVE_INFINITY;
  #reading = 0;

  /** `run` must not reject: it handles its own failures. */
  constructor(
    private readonly run: (item: T) => Promise<void>,
    private readonly timing: CommandQueueTiming = COMMAND_QUEUE_TIMING,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * A request has arrived (any kind): commands hold back while they keep coming. Call the function
   * returned once its body has been read and checked (or has failed to be); calling it again does nothing.
   */
  arrived(): () => void {
    this.#lastArrival = this.now();
    this.#reading++;
    let read = false;
    return () => {
      if (read) return;
      read = true;
      this.#reading--;
      this.#lastArrival = this.now();
    };
  }

  /**
   * `urgent` commands start before those waiting that are not (in order among themselves): a command
   * that opens a form must call views.open within 3 s of being sent, the others have no such deadline.
   */
  push(item: T, urgent = false): void {
    const entry = { item, at: this.now(), urgent };
    const firstNormal = urgent ? this.#waiting.findIndex((e) => !e.urgent) : -1;
    if (firstNormal < 0) this.#waiting.push(entry);
    else this.#waiting.splice(firstNormal, 0, entry);
    this.#schedule();
  }

  /** Commands not finished yet: waiting for their turn, or started and still working. */
  get pending(): number {
    return this.#waiting.length + this.#running.size;
  }

  /**
   * Resolves once every command taken so far has finished, or after `graceMs`; returns how many
   * were left unfinished. Polls with a timer, so the queue's own turns keep running.
   */
  async drain(graceMs: number): Promise<number> {
    const deadline = Date.now() + graceMs;
    while (this.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.pending;
  }

  /** How long the next command should still wait, in ms (0: it may start). */
  #holdFor(): number {
    const head = this.#waiting[0];
    if (!head) return 0;
    // maxDeferMs counts from the oldest: the head, or the first non-urgent one behind urgent ones.
    const oldest = Math.min(head.at, this.#waiting.find((e) => !e.urgent)?.at ?? head.at);
    const t = this.now();
    // While a request is being read, look again after quietMs: it may be read by then.
    const quiet = this.#reading > 0 ? this.timing.quietMs : this.#lastArrival + this.timing.quietMs - t;
    const due = oldest + this.timing.maxDeferMs - t;
    return Math.max(0, Math.min(quiet, due));
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    const hold = this.#holdFor();
    if (hold > 0) {
      setTimeout(() => {
        this.#scheduled = false;
        this.#schedule();
      }, hold);
    } else setImmediate(() => this.#next());
  }

  #next(): void {
    this.#scheduled = false;
    // A request may have arrived in the poll phase just before this turn.
    const entry = this.#holdFor() > 0 ? undefined : this.#waiting.shift();
    if (entry) {
      const started = this.run(entry.item).finally(() => this.#running.delete(started));
      this.#running.add(started);
    }
    // Scheduled from inside a check-phase callback, the next one runs on the next loop iteration.
    this.#schedule();
  }
}
