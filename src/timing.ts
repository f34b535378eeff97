/**
 * Every delay Jobbot waits on its own: timeouts, retry backoffs, watchdogs. Production uses
 * DEFAULT_TIMING; tests that run the emulators fast pass `scaledTiming(speed)` to `start()`, so that
 * an emulated minute of outage meets Jobbot's retries at the same proportions as a real one would.
 *
 * Glossary:
 * - interactive: a cluster call made while a person waits inside Slack's 3-second window.
 * - background: a cluster call made after the person was answered (create, delete, logs).
 * - watch silence: no event, bookmark or end of stream on an open watch; past `watchSilenceMs` the
 *   connection is presumed dead (a half-open TCP connection never reports an error) and re-listed.
 * - lost contact: a dispatch's namespace has had no working watch for `lostContactMs`; the dispatch
 *   then ends with that reason instead of showing "running" for ever.
 */
export interface Timing {
  kubeInteractiveMs: number;
  kubeBackgroundMs: number;
  /** First wait before retrying a failed create; doubled per attempt. */
  createRetryMs: number;
  createAttempts: number;
  /** First wait before retrying a failed delete; doubled per attempt up to deleteRetryMaxMs. */
  deleteRetryMs: number;
  deleteRetryMaxMs: number;
  /** First wait before retrying a failed log read; doubled per attempt (capped at 8×). */
  logRetryMs: number;
  logRetries: number;
  watchInitialBackoffMs: number;
  watchMaxBackoffMs: number;
  watchListTimeoutMs: number;
  /** Asked of the API server: it ends each watch after this long, and the informer re-watches. */
  watchTimeoutSeconds: number;
  watchSilenceMs: number;
  lostContactMs: number;
  /** How often dispatches are checked for lost contact. */
  contactCheckMs: number;
  clusterCheckTimeoutMs: number;
  clusterRecheckMs: number;
  slackFirstRetryMs: number;
  slackMaxRetryMs: number;
  /** Bound of one Slack Web API call made by the outbox. */
  slackTimeoutMs: number;
  /**
   * The minute Slack's rate limits count in ("50 calls a minute"): the outboxes pace their calls to
   * them (src/slack/pacing.ts). Emulated time shortens it like every other delay.
   */
  slackRateMinuteMs: number;
  /** How long a person's command waits for their display name before using the payload's. */
  userLookupMs: number;
}

export const DEFAULT_TIMING: Timing = {
  kubeInteractiveMs: 1_200,
  kubeBackgroundMs: 30_000,
  createRetryMs: 1_000,
  createAttempts: 3,
  deleteRetryMs: 5_000,
  deleteRetryMaxMs: 60_000,
  logRetryMs: 250,
  logRetries: 3,
  watchInitialBackoffMs: 1_000,
  watchMaxBackoffMs: 30_000,
  watchListTimeoutMs: 30_000,
  watchTimeoutSeconds: 300,
  // Longer than watchTimeoutSeconds: a healthy but quiet watch is ended by the server first.
  watchSilenceMs: 360_000,
  lostContactMs: 15 * 60_000,
  contactCheckMs: 30_000,
  clusterCheckTimeoutMs: 5_000,
  clusterRecheckMs: 30_000,
  slackFirstRetryMs: 1_000,
  slackMaxRetryMs: 60_000,
  slackTimeoutMs: 10_000,
  slackRateMinuteMs: 60_000,
  userLookupMs: 1_000,
};

/**
 * DEFAULT_TIMING with every duration divided by `speed` (emulated ms per real ms), never below
 * `floorMs`. The watch timeout is left in emulated seconds: the emulated API server counts it.
 */
export function scaledTiming(speed: number, overrides: Partial<Timing> = {}, floorMs = 20): Timing {
  const scaled = { ...DEFAULT_TIMING };
  for (const key of Object.keys(scaled) as (keyof Timing)[]) {
    if (key === 'createAttempts' || key === 'logRetries' || key === 'watchTimeoutSeconds') continue;
    scaled[key] = Math.max(floorMs, Math.round(DEFAULT_TIMING[key] / speed));
  }
  return { ...scaled, ...overrides };
}
