/**
 * The outboxes' Web API client (PacedWebClient) aimed at a Slack emulator, with Slack's minute
 * `speed` times shorter on Jobbot's side; pair it with `fasterLimits` on the emulator's side. And the
 * same client without pacing (outboxClient).
 */
import { webApi } from '@slack/bolt';
import { PacedWebClient } from '../../src/slack/paced-client.js';
import { SLACK_PUBLISHED_LIMITS, SlackPacer } from '../../src/slack/pacing.js';
import { type SlackEmulator, silentLogger } from './slack/index.js';

export function pacedClient(
  slack: SlackEmulator,
  speed: number,
): { client: PacedWebClient; pacer: SlackPacer } {
  const pacer = new SlackPacer(SLACK_PUBLISHED_LIMITS, 60_000 / speed);
  const client = new PacedWebClient(
    slack.config.botToken,
    {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: silentLogger(),
    },
    pacer,
  );
  return { client, pacer };
}

/**
 * An outbox's client without pacing, as the outboxes' own client is set (no retries, 429s handed
 * back); `timeout` makes Slack's late answers look lost.
 */
export function outboxClient(slack: SlackEmulator, opts: { timeout?: number } = {}): webApi.WebClient {
  return new webApi.WebClient(slack.config.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silentLogger(),
    ...opts,
  });
}
