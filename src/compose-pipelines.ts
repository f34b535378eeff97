/**
 * The pipeline feature's part of the composition root (main.ts stays short): its store, service,
 * Slack thread delivery, `/job pipeline` subcommand and modal, and API routes. The dispatch
 * notifications wrapper is made by main.ts before the DispatchService, and handed in here, because
 * the two services need each other.
 */
import type { App, webApi } from '@slack/bolt';
import type { Config } from './config.js';
import type { AuditTrail } from './domain/actor.js';
import { pipelineRoutes } from './http/api/pipelines.js';
import type { Logger } from './logger.js';
import type { AccessGate } from './services/access.js';
import type { DispatchService } from './services/dispatches.js';
import { PipelineService } from './services/pipelines.js';
import type { TokenService } from './services/tokens.js';
import { createNotifierClient, NOTIFIER_TIMEOUT_MS } from './slack/app.js';
import type { SlackPacer } from './slack/pacing.js';
import {
  type PipelineAwareNotifications,
  PipelineNotifier,
  SlackPipelineNotifications,
} from './slack/pipeline-notifications.js';
import { pipelineSubcommand, registerPipelineListeners } from './slack/subcommands/pipeline.js';
import type { UserDirectory } from './slack/users.js';
import type { Db } from './store/db.js';
import { PipelineRepository } from './store/pipelines.js';

export function composePipelines(
  base: {
    db: Db;
    log: Logger;
    config: Config;
    audit: AuditTrail;
    app: App;
  },
  services: {
    dispatches: DispatchService;
    hook: PipelineAwareNotifications;
    users: UserDirectory;
    tokens: Pick<TokenService, 'allows'>;
    /** The job definitions a pipeline stage may pick from in the form. */
    jobNames: () => string[];
    gate: AccessGate;
    prepare(userId: string): Promise<void>;
    /** Meters Slack calls (see http/metrics.ts). */
    slackFetch?: webApi.FetchFunction;
    /** Shared with the dispatch outbox: Slack's limits count per app and workspace. */
    slackPacer?: SlackPacer;
  },
) {
  const deps = { ...base, ...services };
  const log = deps.log.child({ component: 'pipelines' });
  const store = new PipelineRepository(deps.db);
  // The notifier's client: retrying is the outbox's job, not the client's.
  const client = createNotifierClient(deps.config, deps.log, undefined, deps.slackFetch, deps.slackPacer);
  const notifier = new PipelineNotifier(store, client, log, {
    ...(deps.slackPacer ? { pacer: deps.slackPacer } : {}),
    settleMs: NOTIFIER_TIMEOUT_MS,
  });
  const service = new PipelineService(
    store,
    deps.dispatches,
    new SlackPipelineNotifications(store, () => notifier.wake(), deps.config.command),
    log,
    deps.audit,
    undefined,
    deps.gate,
  );
  deps.hook.listener = service;
  const modal = {
    service,
    users: deps.users,
    log,
    jobNames: deps.jobNames,
    requireManage: (id: string) =>
      deps.gate.require({ kind: 'slack', id, name: id }, { kind: 'pipeline.manage' }),
  };
  registerPipelineListeners(deps.app, { ...modal, command: deps.config.command });
  return {
    service,
    subcommand: pipelineSubcommand(modal),
    routes: pipelineRoutes({
      tokens: deps.tokens,
      pipelines: service,
      resolveUser: (ref) => deps.users.resolve(ref),
      prepare: (user) => deps.prepare(user),
    }),
    /** After the dispatches resumed: runs whose stage finished while Jobbot was down move on. */
    start(): void {
      service.resume();
      notifier.wake();
    },
    stop: () => notifier.stop(),
    /** For the hourly retention: see PipelineRepository.pruneDelivered. */
    pruneDelivered: (before: string, limit: number) => store.pruneDelivered(before, limit),
  };
}
