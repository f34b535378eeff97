/**
 * Fault injection and the request log of one emulated cluster.
 *
 * Glossary: a fault rule answers the next `count` matching requests with an error status
 * (after `delayMs` real milliseconds), or holds them open forever (`hang`), or only delays them
 * (no `status`, no `hang`) before normal handling.
 */

export interface FaultOptions {
  method?: string;
  path?: RegExp;
  /** HTTP status to answer with; default 500 unless `hang` or delay-only. */
  status?: number;
  /** Real milliseconds to wait before answering. */
  delayMs?: number;
  /** Never answer (the client's timeout fires); the socket closes when the emulator stops. */
  hang?: boolean;
  /** Only delay the request, then serve it normally. */
  delayOnly?: boolean;
  message?: string;
}

interface FaultRule extends FaultOptions {
  remaining: number;
}

export interface RecordedRequest {
  cluster: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  accept: string | undefined;
  userAgent: string | undefined;
  /** Parsed JSON body when there was one. */
  body?: unknown;
  /** Filled in when the response starts (200 for watches and followed logs). */
  status?: number;
  /** Real time the request arrived (Date.now()). */
  receivedAt: number;
  fault?: string;
}

const LOG_LIMIT = 5000;

export class FaultInjector {
  private rules: FaultRule[] = [];

  failNext(count: number, opts: FaultOptions = {}): void {
    this.rules.push({ ...opts, remaining: count });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Consumes and returns the first rule matching this request, if any. */
  take(method: string, path: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 && (!r.method || r.method.toUpperCase() === method) && (!r.path || r.path.test(path)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
  }
}

/** Requests of every cluster of an emulator, in arrival order (bounded). */
export class RequestLog {
  readonly entries: RecordedRequest[] = [];
  // `entries` is bounded; benchmarks that count every request of a long run listen here instead.
  private readonly observers = new Set<(entry: RecordedRequest) => void>();

  /** Calls `observer` with every request as it arrives; returns the unsubscribe. */
  observe(observer: (entry: RecordedRequest) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  record(entry: RecordedRequest): RecordedRequest {
    this.entries.push(entry);
    for (const o of this.observers) o(entry);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    return entry;
  }

  clear(cluster?: string): void {
    const keep = cluster === undefined ? [] : this.entries.filter((e) => e.cluster !== cluster);
    this.entries.splice(0, this.entries.length, ...keep);
  }
}
