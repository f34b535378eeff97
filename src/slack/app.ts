/**
 * Builds the Bolt App on the transport the settings choose: Socket Mode when SLACK_APP_TOKEN is set
 * (no public URL needed), otherwise HTTP, where our own HTTP server hands /slack/events to our
 * receiver (receiver.ts: Bolt's HTTP handling, but slash commands acknowledged at once).
 * Authorization uses the identity learnt from auth.test instead of letting Bolt call it in its
 * constructor, because Bolt caches a failed call forever and a Slack outage at start-up would
 * otherwise break every later request.
 */
import type { RequestListener } from 'node:http';
import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackIdentity } from './identity.js';
import { PacedWebClient } from './paced-client.js';
import { SlackPacer } from './pacing.js';
import { SlackReceiver } from './receiver.js';

/**
 * Few, quick retries: a person is waiting on most calls, and 429s are still honoured through
 * Retry-After by the client. Durable delivery is the notifier's job, not the client's.
 */
export const CLIENT_RETRIES = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 } as const;

export function slackClientOptions(
  config: Config,
  log: Logger,
  /** A fetch that meters each call (see http/metrics.ts); the global fetch when left out. */
  fetch?: webApi.FetchFunction,
): webApi.WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(log),
    retryConfig: CLIENT_RETRIES,
    ...(fetch ? { fetch } : {}),
  };
}

export function createWebClient(config: Config, log: Logger, fetch?: webApi.FetchFunction): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken, slackClientOptions(config, log, fetch));
}

/** The background clients' timeout when none is given: a call in doubt settles within it. */
export const NOTIFIER_TIMEOUT_MS = 10_000;

/**
 * The notifier's client: no retries and rate limits handed back at once, because the outbox retries
 * with its own backoff and keeps the order of a thread while it waits. Both outboxes share `pacer`
 * (Slack counts limits per app and workspace), which keeps their calls within Slack's limits.
 */
export function createNotifierClient(
  config: Config,
  log: Logger,
  timeoutMs = NOTIFIER_TIMEOUT_MS,
  fetch?: webApi.FetchFunction,
  pacer: SlackPacer = new SlackPacer(),
): webApi.WebClient {
  return new PacedWebClient(
    config.slack.botToken,
    {
      ...slackClientOptions(config, log, fetch),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
    },
    pacer,
  );
}

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** Present in HTTP mode: mount it on POST /slack/events. */
  requestListener: RequestListener | undefined;
  /**
   * Which slash commands start ahead of those waiting (HTTP mode queues commands after their ack;
   * in Socket Mode each runs as it comes, so there is nothing to reorder).
   */
  prioritizeCommands(urgent: (command: string, text: string | undefined) => boolean): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackApp(
  config: Config,
  identity: SlackIdentity,
  log: Logger,
  fetch?: webApi.FetchFunction,
): SlackApp {
  const logger = boltLogger(log);
  const clientOptions: webApi.WebClientOptions = {
    ...slackClientOptions(config, log, fetch),
    // The listeners' client: a person is waiting, so a 429 is answered at once with a sentence
    // (interaction.ts) instead of after Slack's Retry-After, by when a form's trigger (3 s) is gone.
    rejectRateLimitedCalls: true,
  };
  const authorize = async () => {
    const me = await identity.require();
    return { botToken: config.slack.botToken, botId: me.botId, botUserId: me.botUserId, teamId: me.teamId };
  };
  if (config.slack.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger,
      installerOptions: { clientOptions },
    });
    const app = new App({ receiver, authorize, logger, clientOptions });
    let started = false;
    return {
      app,
      mode: 'socket',
      requestListener: undefined,
      prioritizeCommands: () => {},
      start: async () => {
        await app.start();
        started = true;
      },
      stop: async () => {
        if (started) await app.stop();
        started = false;
      },
    };
  }
  const receiver = new SlackReceiver({
    // config.ts guarantees a signing secret whenever no app token is set.
    signingSecret: config.slack.signingSecret ?? '',
    log,
    ...(fetch ? { fetch } : {}),
  });
  const app = new App({ receiver, authorize, logger, clientOptions });
  return {
    app,
    mode: 'http',
    requestListener: receiver.requestListener,
    prioritizeCommands: (urgent) => receiver.prioritize(urgent),
    start: async () => {},
    // Slash commands acknowledged before the HTTP server closed still run to their end.
    stop: () => receiver.stop(),
  };
}
