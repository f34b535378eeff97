/**
 * Channel batches (see store/migrations/batches.ts): their store, their notifier and the wrapper that
 * routes a busy channel's dispatches to them. Off when JOBBOT_SLACK_BATCH_AFTER is 0.
 */

import type { webApi } from '@slack/bolt';
import { type Config, SLACK_BATCH_DEFAULTS } from './config.js';
import type { Logger } from './logger.js';
import type { DispatchNotifications } from './services/dispatches.js';
import { createNotifierClient } from './slack/app.js';
import { BatchAwareNotifications } from './slack/batch-notifications.js';
import { BatchNotifier } from './slack/batch-notifier.js';
import type { SlackPacer } from './slack/pacing.js';
import { BatchRepository } from './store/batches.js';
import type { Db } from './store/db.js';
import { type DispatchRecord, DispatchRepository } from './store/dispatches.js';
import type { Timing } from './timing.js';

export interface Batches {
  notifications: DispatchNotifications;
  divert(d: DispatchRecord): boolean;
  start(): void;
  stop(): Promise<void>;
}

export function composeBatches(
  deps: {
    db: Db;
    config: Config;
    log: Logger;
    timing: Timing;
    slackFetch?: webApi.FetchFunction;
    slackPacer: SlackPacer;
  },
  inner: DispatchNotifications,
  statusChanged: () => void,
): Batches {
  const rules = deps.config.slack.batch ?? SLACK_BATCH_DEFAULTS;
  if (rules.after === 0)
    return { notifications: inner, divert: () => false, start: () => undefined, stop: async () => undefined };
  const store = new BatchRepository(deps.db);
  const dispatches = new DispatchRepository(deps.db);
  const log = deps.log.child({ component: 'batches' });
  const notifier = new BatchNotifier(
    store,
    createNotifierClient(deps.config, deps.log, deps.timing.slackTimeoutMs, deps.slackFetch, deps.slackPacer),
    log,
    {
      command: deps.config.command,
      pacer: deps.slackPacer,
      firstRetryMs: deps.timing.slackFirstRetryMs,
      maxRetryMs: deps.timing.slackMaxRetryMs,
      settleMs: deps.timing.slackTimeoutMs,
      released: (numbers) => {
        for (const n of numbers) {
          const d = dispatches.get(n);
          if (d) wrapper.release(d, dispatches.logs(n));
        }
      },
    },
  );
  const wrapper = new BatchAwareNotifications(
    inner,
    store,
    { threshold: rules.after, windowMs: rules.windowSeconds * 1000 },
    () => notifier.wake(),
    log,
    statusChanged,
  );
  return {
    notifications: wrapper,
    divert: (d) => wrapper.divert(d),
    start: () => notifier.wake(),
    stop: () => notifier.stop(),
  };
}
