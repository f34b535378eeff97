// Slack's published Web API rate limits, enforced by the emulator when a test or benchmark asks for it
// (`emulator.enforceRateLimits()`; off by default, so ordinary tests are never slowed). A call over a
// limit gets what Slack sends: HTTP 429, `{ok: false, error: 'ratelimited'}` and Retry-After in whole
// seconds. Limits are token buckets: `perMinute` tokens come back evenly over a minute and at most
// `burst` are saved up, which is how Slack describes tiers ("N+ per minute", bursts tolerated).
//
// Sources: https://docs.slack.dev/apis/web-api/rate-limits (tiers, "chat.postMessage generally allows
// posting one message per second per channel") and each method's reference page for its tier. Slack
// publishes floors ("50+ per minute"), so these are the least an app can count on, not Slack's exact
// (unpublished) thresholds; the workspace-wide posting limit has no published figure and is left out.

import type { Args } from './http-util.js';

export interface Bucket {
  perMinute: number;
  burst: number;
}

export interface RateLimitPolicy {
  /** Per method, per app and workspace (how Slack applies tiers). */
  perMethod: Record<string, Bucket>;
  /** Per method and channel (the `channel` argument), e.g. chat.postMessage. */
  perChannel: Record<string, Bucket>;
}

const tier = (perMinute: number): Bucket => ({ perMinute, burst: perMinute });

export const SLACK_TIERS = { 1: tier(1), 2: tier(20), 3: tier(50), 4: tier(100) } as const;

export const SLACK_RATE_LIMITS: RateLimitPolicy = {
  perMethod: {
    'chat.update': SLACK_TIERS[3],
    'chat.delete': SLACK_TIERS[3],
    'chat.postEphemeral': SLACK_TIERS[4],
    'chat.getPermalink': SLACK_TIERS[4],
    'conversations.open': SLACK_TIERS[3],
    'conversations.info': SLACK_TIERS[3],
    'conversations.history': SLACK_TIERS[3],
    'conversations.replies': SLACK_TIERS[3],
    'files.getUploadURLExternal': SLACK_TIERS[4],
    'files.completeUploadExternal': SLACK_TIERS[4],
    'files.info': SLACK_TIERS[4],
    'users.info': SLACK_TIERS[4],
    'users.lookupByEmail': SLACK_TIERS[3],
    'users.list': SLACK_TIERS[2],
    'usergroups.list': SLACK_TIERS[2],
    'usergroups.users.list': SLACK_TIERS[2],
    'views.open': SLACK_TIERS[4],
    'views.push': SLACK_TIERS[4],
    'views.update': SLACK_TIERS[4],
    'views.publish': SLACK_TIERS[4],
  },
  // "Short bursts >1 allowed": a few messages at once, then one a second.
  perChannel: { 'chat.postMessage': { perMinute: 60, burst: 3 } },
};

interface State {
  tokens: number;
  at: number;
}

export class SlackRateLimiter {
  /** Calls answered 429, by method. */
  readonly limited = new Map<string, number>();
  private readonly buckets = new Map<string, State>();

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes a token from each bucket the call falls under. Returns undefined when the call may go
   * ahead, else the Retry-After seconds (and takes nothing).
   */
  take(method: string, args: Args): number | undefined {
    const checks: [string, Bucket][] = [];
    const m = this.policy.perMethod[method];
    if (m) checks.push([method, m]);
    const c = this.policy.perChannel[method];
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    if (c && channel) checks.push([`${method} ${channel}`, c]);
    const now = this.now();
    let waitMs = 0;
    const states = checks.map(([key, bucket]) => {
      const s = this.refill(key, bucket, now);
      if (s.tokens < 1) waitMs = Math.max(waitMs, ((1 - s.tokens) * 60_000) / bucket.perMinute);
      return s;
    });
    if (waitMs > 0) {
      this.limited.set(method, (this.limited.get(method) ?? 0) + 1);
      return Math.max(1, Math.ceil(waitMs / 1000));
    }
    for (const s of states) s.tokens -= 1;
    return undefined;
  }

  private refill(key: string, bucket: Bucket, now: number): State {
    let s = this.buckets.get(key);
    if (!s) {
      s = { tokens: bucket.burst, at: now };
      this.buckets.set(key, s);
    }
    s.tokens = Math.min(bucket.burst, s.tokens + ((now - s.at) * bucket.perMinute) / 60_000);
    s.at = now;
    return s;
  }
}

/** Slack's limits with its minute `speed` times shorter, for tests whose pacer counts that minute too. */
export function fasterLimits(policy: RateLimitPolicy, speed: number): RateLimitPolicy {
  const scale = (table: RateLimitPolicy['perMethod']) =>
    Object.fromEntries(Object.entries(table).map(([m, b]) => [m, { ...b, perMinute: b.perMinute * speed }]));
  return { perMethod: scale(policy.perMethod), perChannel: scale(policy.perChannel) };
}
