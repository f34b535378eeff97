/**
 * Per-token rate limiting with a token bucket: each key holds up to `perMinute` requests and refills
 * continuously at `perMinute` per minute, so a pipeline may burst but not sustain more than that.
 */
export interface RateDecision {
  ok: boolean;
  /** Whole seconds until one more request would be allowed (for Retry-After). */
  retryAfter: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    const prev = this.#buckets.get(key) ?? { tokens: this.perMinute, at: now };
    const tokens = Math.min(this.perMinute, prev.tokens + (now - prev.at) * perMs);
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return { ok: true, retryAfter: 0 };
    }
    this.#buckets.set(key, { tokens, at: now });
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }
}
