/**
 * At most `limit` calls at once, the rest started in the order they came. Creating Jobs, reading
 * logs and deleting Jobs for many dispatches at once would otherwise all be in flight together, and
 * handling their answers would keep Jobbot's one thread from the watch events that say what happened
 * (a verdict waits behind a thousand log reads). Bounded, each event is seen within a few calls'
 * worth of work, and the cluster work still goes as fast as the API server answers.
 */
export class WorkLimit {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((start) => this.#waiting.push(start));
    else this.#running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next caller, so the count stays right.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Calls started and not finished, and calls waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }
}
