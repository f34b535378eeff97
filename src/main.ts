/**
 * Composition root: config -> logger -> database -> adapters (Kubernetes, Slack) -> services ->
 * transports (HTTP server, Slack). `start` is exactly what `npm start` runs, and what the end-to-end
 * tests start, so they test the real wiring. Shutdown runs the other way round.
 */
import { pathToFileURL } from 'node:url';
import { composePipelines } from './compose-pipelines.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { AuditTrail } from './domain/actor.js';
import type { AuditAction } from './domain/audit.js';
import { apiHandlers } from './http/api/handlers.js';
import { createApi } from './http/api/router.js';
import { createMetrics } from './http/metrics.js';
import { createHttpServer, type Readiness } from './http/server.js';
import { ClusterRegistry, clustersFrom, loadKubeConfig } from './kube/clusters.js';
import { KubeDispatchAdapter } from './kube/dispatch-kube.js';
import { KubeJobs } from './kube/jobs.js';
import { JobWatcher } from './kube/watcher.js';
import { createLogger, type Logger } from './logger.js';
import { AuditService } from './services/audit.js';
import { DefinitionService } from './services/definitions.js';
import { DispatchService } from './services/dispatches.js';
import { LogRetention } from './services/retention.js';
import { TokenService } from './services/tokens.js';
import { createNotifierClient, createSlackApp, createWebClient } from './slack/app.js';
import { AppHome } from './slack/app-home.js';
import type { Subcommand } from './slack/commands.js';
import { SlackDispatchNotifications } from './slack/dispatch-notifications.js';
import { SlackIdentity, SlackTokenRejected } from './slack/identity.js';
import { registerDefinitionListeners } from './slack/listeners/definitions.js';
import { registerDispatchListeners } from './slack/listeners/dispatches.js';
import { registerHistoryListeners } from './slack/listeners/history.js';
import { registerSlashCommand } from './slack/listeners/slash-command.js';
import { registerYamlShortcut } from './slack/listeners/yaml-shortcut.js';
import { LogDelivery } from './slack/log-delivery.js';
import { SlackNotifier } from './slack/notifier.js';
import { PipelineAwareNotifications } from './slack/pipeline-notifications.js';
import { auditSubcommand } from './slack/subcommands/audit.js';
import { definitionSubcommands } from './slack/subcommands/definitions.js';
import { dispatchSubcommands } from './slack/subcommands/dispatches.js';
import { helpSubcommand } from './slack/subcommands/help.js';
import { detailsOf, historySubcommands } from './slack/subcommands/history.js';
import { tokenSubcommand } from './slack/subcommands/tokens.js';
import { UserDirectory } from './slack/users.js';
import { AuditRepository } from './store/audit.js';
import { isDatabaseOpen, openDatabase } from './store/db.js';
import { DefinitionRepository } from './store/definitions.js';
import { DispatchRepository } from './store/dispatches.js';
import { DraftRepository } from './store/drafts.js';
import { OutboxRepository } from './store/outbox.js';
import { TokenRepository } from './store/tokens.js';

export interface Running {
  port: number;
  mode: 'http' | 'socket';
  log: Logger;
  readiness(): Readiness;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
}

/** Thrown when start-up cannot go on for a reason the operator must fix; main prints it and exits 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export async function start(config: Config, options: StartOptions = {}): Promise<Running> {
  const log = options.logger ?? createLogger(config.logLevel);
  if (!config.filePath) {
    log.warn(
      'No JOBBOT_CONFIG file: every workspace member may create, change and dispatch any job. See README.md, "Access control".',
    );
  }
  const db = openDatabase(config.dbPath);
  const metrics = createMetrics();

  const kubeConfig = loadKubeConfig(config.kube);
  const clusters = new ClusterRegistry(
    clustersFrom(kubeConfig, config.kube),
    log.child({ component: 'clusters' }),
  );
  if (config.kube.kind === 'none') {
    log.warn(
      { looked: config.kube.looked },
      'No Kubernetes configuration found: no cluster is available. Set KUBECONFIG.',
    );
  }

  const web = createWebClient(config, log);
  const identity = new SlackIdentity(web, log.child({ component: 'slack' }));
  try {
    await identity.start();
  } catch (err) {
    db.close();
    if (err instanceof SlackTokenRejected) throw new StartupError(err.message);
    throw err;
  }
  const slack = createSlackApp(config, identity, log);

  // Interactive calls answer a person inside Slack's 3-second window, so cluster calls are kept short.
  const kube = new KubeJobs(clusters, { interactiveMs: 1_200, backgroundMs: 30_000 });
  const audit = new AuditService(new AuditRepository(db), log.child({ component: 'audit' }));
  const auditTrail: AuditTrail = {
    record: (actor, action, target, details) => audit.record(actor, action as AuditAction, target, details),
  };
  const definitions = new DefinitionService(
    new DefinitionRepository(db),
    kube,
    new DraftRepository(db),
    auditTrail,
  );
  const users = new UserDirectory(web);
  const tokens = new TokenService(new TokenRepository(db), auditTrail);

  const subcommands: Subcommand[] = [];
  const notes = () =>
    config.filePath
      ? []
      : ['No access policy is configured: everyone in this workspace may use every command.'];
  const watcher = new JobWatcher(clusters, log.child({ component: 'watch' }));
  const dispatchStore = new DispatchRepository(db);
  const outbox = new OutboxRepository(db);
  const notifier = new SlackNotifier(
    outbox,
    dispatchStore,
    createNotifierClient(config, log),
    log.child({ component: 'notifier' }),
  );
  // A pipeline's dispatches tell their story in the run's thread, not in threads of their own.
  const dispatchNotifications = new PipelineAwareNotifications(
    new SlackDispatchNotifications(
      outbox,
      () => notifier.wake(),
      () => home.dispatchChanged(),
    ),
    log.child({ component: 'pipelines' }),
    () => home.dispatchChanged(),
  );
  const dispatches = new DispatchService(
    definitions,
    dispatchStore,
    new KubeDispatchAdapter(kube, watcher),
    dispatchNotifications,
    log.child({ component: 'dispatch' }),
    config.dispatch,
    auditTrail,
  );
  watcher.onChange((ref) => void dispatches.changed(ref.dispatch, ref));
  const logDelivery = new LogDelivery(dispatches, web, log.child({ component: 'logs' }));
  const home = new AppHome(
    web,
    definitions,
    dispatches,
    config.command,
    () => notes()[0],
    log.child({ component: 'home' }),
  );
  const retention = new LogRetention(dispatchStore, config.retention, log.child({ component: 'retention' }));

  const pipelines = composePipelines(
    { db, log, config, audit: auditTrail, app: slack.app },
    {
      dispatches,
      hook: dispatchNotifications,
      users,
      tokens,
      jobNames: () => definitions.list({ offset: 0, limit: 1000 }).items.map((d) => d.name),
    },
  );
  subcommands.push(
    helpSubcommand(() => subcommands, notes),
    ...definitionSubcommands(definitions, (n, command) => detailsOf(dispatches, n, command)),
    ...dispatchSubcommands(dispatches, users),
    ...historySubcommands(dispatches, logDelivery),
    auditSubcommand(audit),
    tokenSubcommand(tokens, users),
    pipelines.subcommand,
  );
  registerHistoryListeners(slack.app, {
    service: dispatches,
    delivery: logDelivery,
    command: config.command,
    log,
  });
  slack.app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') await home.opened(event.user);
  });
  registerDispatchListeners(slack.app, {
    service: dispatches,
    users,
    log: log.child({ component: 'dispatch' }),
  });
  registerYamlShortcut(slack.app, { service: definitions, log: log.child({ component: 'definitions' }) });
  registerDefinitionListeners(slack.app, {
    service: definitions,
    users,
    command: config.command,
    log: log.child({ component: 'definitions' }),
  });
  registerSlashCommand(slack.app, {
    command: config.command,
    subcommands: () => subcommands,
    fallback: 'help',
    log: log.child({ component: 'commands' }),
    metrics,
  });

  const readiness = (): Readiness => {
    const database = { ok: isDatabaseOpen(db) };
    const slackStatus = identity.status();
    return {
      ready: database.ok && slackStatus.ok,
      database,
      slack: { ...slackStatus, mode: slack.mode },
      clusters: clusters.checks(),
    };
  };
  const api = createApi(
    {
      tokens,
      handlers: apiHandlers({ tokens, dispatches, definitions, resolveUser: (ref) => users.resolve(ref) }),
      log: log.child({ component: 'api' }),
    },
    { perMinute: config.api?.perMinute ?? 60 },
    pipelines.routes,
  );
  const http = createHttpServer({ log, metrics, readiness, slackEvents: slack.requestListener, api });

  // Cluster checks run in the background: a slow or unreachable cluster must not delay start-up.
  void clusters.start();
  const port = await http.listen(config.port);
  await slack.start();
  dispatches.resume();
  pipelines.start();
  notifier.wake();
  retention.start();
  log.info({ port, mode: slack.mode, clusters: clusters.names(), command: config.command }, 'Jobbot started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('Jobbot stopping');
      await http.close();
      await slack.stop();
      watcher.close();
      retention.stop();
      home.stop();
      await Promise.race([dispatches.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await notifier.stop();
      await pipelines.stop();
      identity.stop();
      clusters.stop();
      db.close();
      log.info('Jobbot stopped');
    })();
    return stopping;
  };
  return { port, mode: slack.mode, log, readiness, stop };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let running: Running;
  try {
    running = await start(config);
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`Jobbot cannot start: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.log.info({ signal }, 'signal received');
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          running.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `Jobbot stopped on an unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
