/**
 * Paces Jobbot's Slack calls to Slack's published rate limits, per method and, for posting, per
 * channel, so a backlog goes out as fast as Slack allows without drawing 429s, and one busy method or
 * channel never holds up the others. Glossary:
 * - bucket: one limit's allowance (a token bucket): `perMinute` calls come back evenly over a minute
 *   and at most `burst - 1` are saved up. One call's allowance stays in hand because Slack counts a
 *   call when it arrives, and calls arrive later than they leave, by an uneven delay: without it, a
 *   call sent on time can arrive early relative to the one before and draw a 429.
 * - key: what a bucket counts: a method (`chat.update`), or a method in a channel (`chat.postMessage
 *   C123`) for the per-channel limit.
 * - blocked: Slack answered 429 for a key; nothing more goes for that key until its Retry-After.
 *
 * Slack's limits (https://docs.slack.dev/apis/web-api/rate-limits): tiers apply "per API method per
 * workspace/team per app": Tier 2 "20+ per minute", Tier 3 "50+ per minute", Tier 4 "100+ per
 * minute"; "chat.postMessage generally allows posting one message per second per channel" ("Posting
 * messages: 1 per second; short bursts >1 allowed"), beside an unpublished workspace-wide limit. Each
 * method's tier is on its reference page (https://docs.slack.dev/reference/methods/<method>):
 * chat.update Tier 3; files.getUploadURLExternal, files.completeUploadExternal and files.info Tier 4;
 * conversations.history, conversations.replies and conversations.open Tier 3 (the 2025 limits for
 * commercially distributed non-Marketplace apps do not apply to a self-hosted app like Jobbot). Slack
 * publishes floors ("N+"), so these are what an app can count on. Burst sizes are not published: a
 * tier's minute may be spent at once, and posts in one channel three at once ("short bursts"), as the
 * Slack emulator assumes too (test/support/slack/rate-limits.ts). Whatever Slack really does, a 429
 * blocks its key for the Retry-After it gives.
 */

export interface Rate {
  perMinute: number;
  burst: number;
}

export interface PacingPolicy {
  /** Per method, for the whole workspace. */
  perMethod: Record<string, Rate>;
  /** Per method and channel (the call's `channel`). */
  perChannel: Record<string, Rate>;
}

const tier = (perMinute: number): Rate => ({ perMinute, burst: perMinute });
const TIER_3 = tier(50);
const TIER_4 = tier(100);

/** The methods the outboxes call (directly, or to look for a message in doubt). */
export const SLACK_PUBLISHED_LIMITS: PacingPolicy = {
  perMethod: {
    'chat.update': TIER_3,
    'files.getUploadURLExternal': TIER_4,
    'files.completeUploadExternal': TIER_4,
    'files.info': TIER_4,
    'conversations.history': TIER_3,
    'conversations.replies': TIER_3,
    'conversations.open': TIER_3,
  },
  perChannel: { 'chat.postMessage': { perMinute: 60, burst: 3 } },
};

/** No pacing: only Retry-After is honoured (a Slack stand-in without limits, in tests). */
export const NO_LIMITS: PacingPolicy = { perMethod: {}, perChannel: {} };

/** Calls that may be saved up: Slack's burst less the one kept in hand (see "bucket" above). */
const capacity = (rate: Rate) => Math.max(1, rate.burst - 1);

interface Bucket {
  /** Undefined for a key without a published limit, kept only to remember a Retry-After. */
  rate: Rate | undefined;
  tokens: number;
  at: number;
  blockedUntil: number;
}

export class SlackPacer {
  readonly #buckets = new Map<string, Bucket>();

  /**
   * @param minuteMs the minute the rates count in; tests running emulated time shorten it.
   */
  constructor(
    private readonly policy: PacingPolicy = SLACK_PUBLISHED_LIMITS,
    private readonly minuteMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until a call of `method` (in `channel`) may go; 0 when it may go now. */
  waitMs(method: string, channel?: string): number {
    const now = this.now();
    return Math.max(0, ...this.bucketsFor(method, channel).map((b) => this.wait(b, now)));
  }

  /**
   * Calls of `method` (in `channel`) that may go now without waiting: the allowance in hand, for the
   * one who spends it on something that can wait (Infinity without a published limit).
   */
  tokens(method: string, channel?: string): number {
    const now = this.now();
    let least = Number.POSITIVE_INFINITY;
    for (const b of this.bucketsFor(method, channel)) {
      this.wait(b, now); // brings b.tokens up to date
      if (b.blockedUntil > now) return 0;
      if (b.rate) least = Math.min(least, Math.floor(b.tokens));
    }
    return least;
  }

  /** The steady gap between calls of `method` in one channel (its per-channel limit; 0 without one). */
  intervalMs(method: string): number {
    const rate = this.policy.perChannel[method];
    return rate ? this.minuteMs / rate.perMinute : 0;
  }

  /** Takes the call's allowance when it may go now (returns 0), else returns the wait and takes nothing. */
  tryTake(method: string, channel?: string): number {
    const buckets = this.bucketsFor(method, channel);
    const now = this.now();
    const wait = Math.max(0, ...buckets.map((b) => this.wait(b, now)));
    if (wait === 0) for (const b of buckets) b.tokens -= 1;
    return wait;
  }

  /** Waits until the call may go, then takes its allowance. */
  async take(method: string, channel?: string): Promise<void> {
    for (let wait = this.tryTake(method, channel); wait > 0; wait = this.tryTake(method, channel))
      await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * Slack answered 429: nothing more of this method before Retry-After, or, for a per-channel method,
   * of this method in this channel (other channels have their own allowance).
   */
  limited(method: string, channel: string | undefined, retryAfterMs: number): void {
    const key = channel && this.policy.perChannel[method] ? `${method} ${channel}` : method;
    const b = this.bucket(key, undefined);
    b.blockedUntil = Math.max(b.blockedUntil, this.now() + retryAfterMs);
  }

  /** The buckets a call counts against: its method's and, for per-channel methods, its channel's. */
  private bucketsFor(method: string, channel: string | undefined): Bucket[] {
    const keys: [string, Rate | undefined][] = [[method, this.policy.perMethod[method]]];
    if (channel) keys.push([`${method} ${channel}`, this.policy.perChannel[method]]);
    const buckets: Bucket[] = [];
    for (const [key, rate] of keys) {
      // A key without a limit has a bucket only once a 429 blocked it.
      const b = rate ? this.bucket(key, rate) : this.#buckets.get(key);
      if (b) buckets.push(b);
    }
    return buckets;
  }

  private bucket(key: string, rate: Rate | undefined): Bucket {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { rate, tokens: rate ? capacity(rate) : 0, at: this.now(), blockedUntil: 0 };
      this.#buckets.set(key, b);
    }
    return b;
  }

  private wait(b: Bucket, now: number): number {
    const blocked = Math.max(0, b.blockedUntil - now);
    if (!b.rate) return blocked;
    const { perMinute } = b.rate;
    b.tokens = Math.min(capacity(b.rate), b.tokens + ((now - b.at) * perMinute) / this.minuteMs);
    b.at = now;
    // Rounded up to whole ms, less float noise (0.999 tokens must not read as 2 ms away).
    const refill = b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * this.minuteMs) / perMinute - 1e-6);
    return Math.max(blocked, refill);
  }
}
