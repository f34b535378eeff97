/**
 * Slack delivers a request again when it thinks the first delivery went unanswered (x-slack-retry-num
 * over HTTP, retry_attempt in Socket Mode), and a slow network can make both arrive. Every request
 * Jobbot takes is remembered in the database (surviving a restart) by the id Slack keeps across
 * deliveries; one seen before is acknowledged empty and dropped, so nothing is dispatched twice.
 * Requests without such an id (option loads, closing a modal) change nothing and pass.
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { SlackRequestRepository } from '../store/slack-requests.js';

export function requestKey(body: unknown): string | undefined {
  const b = body as { trigger_id?: unknown; event_id?: unknown; type?: unknown };
  if (typeof b.event_id === 'string' && b.event_id) return `event:${b.event_id}`;
  if (typeof b.trigger_id === 'string' && b.trigger_id) return `trigger:${b.trigger_id}`;
  return undefined;
}

export function ignoreRedeliveries(
  app: App,
  requests: SlackRequestRepository,
  log: Logger,
  now: () => Date = () => new Date(),
): void {
  app.use(async (args) => {
    const key = requestKey(args.body);
    if (key === undefined || requests.firstTime(key, now())) {
      await args.next();
      return;
    }
    const { retryNum, retryReason } = args.context as { retryNum?: number; retryReason?: string };
    log.info({ key, retryNum, retryReason }, 'Slack delivered a request already taken; ignored');
    // Events were acknowledged by Bolt already; the rest wait for this empty ack.
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
  });
}
