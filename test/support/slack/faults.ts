// On-demand faults for Web API methods: rate limiting (HTTP 429 + Retry-After, as Slack does when a
// method's tier is exceeded) and failures (5xx pages, slow answers, or an `ok:false` error code).
// A fault applies to the next `times` calls of a method ('*' matches every method).

export interface RateLimitOptions {
  /** How many calls get a 429 (default 1). */
  times?: number;
  retryAfterSeconds?: number;
}

export interface FailOptions {
  /** How many calls fail (default 1). */
  times?: number;
  /** Answer with this HTTP status and an HTML error page, as Slack's edge does. */
  status?: 500 | 502 | 503 | 504;
  /** Answer HTTP 200 {ok: false, error}. */
  error?: string;
  /** Wait before answering (combine with a client timeout to emulate a hung request). */
  delayMs?: number;
}

export type Fault =
  | { kind: 'ratelimit'; retryAfterSeconds: number }
  | { kind: 'fail'; status?: number; error?: string; delayMs?: number };

interface Armed {
  method: string;
  remaining: number;
  fault: Fault;
}

export class FaultPlan {
  private readonly armed: Armed[] = [];

  rateLimit(method: string, opts: RateLimitOptions = {}): void {
    this.armed.push({
      method,
      remaining: opts.times ?? 1,
      fault: { kind: 'ratelimit', retryAfterSeconds: opts.retryAfterSeconds ?? 1 },
    });
  }

  fail(method: string, opts: FailOptions = {}): void {
    const fault: Fault = { kind: 'fail' };
    if (opts.status !== undefined) fault.status = opts.status;
    if (opts.error !== undefined) fault.error = opts.error;
    if (opts.delayMs !== undefined) fault.delayMs = opts.delayMs;
    if (opts.status === undefined && opts.error === undefined && opts.delayMs === undefined)
      fault.status = 500;
    this.armed.push({ method, remaining: opts.times ?? 1, fault });
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** Takes the first armed fault for this method, counting it down. */
  take(method: string): Fault | undefined {
    const entry = this.armed.find((a) => a.remaining > 0 && (a.method === method || a.method === '*'));
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) this.armed.splice(this.armed.indexOf(entry), 1);
    return entry.fault;
  }
}

/** What Slack's edge serves on a 5xx: an HTML page, not JSON. */
export const SERVER_ERROR_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server Error | Slack</title></head>' +
  '<body><h1>Server Error</h1><p>It seems like there’s a problem connecting to our servers.</p></body></html>';
