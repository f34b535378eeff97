/**
 * Composition root: config -> logger -> database -> adapters (Kubernetes, Slack) -> services ->
 * transports (HTTP server, Slack). `start` is exactly what `npm start` runs, and what the end-to-end
 * tests start, so they test the real wiring. Shutdown runs the other way round.
 */
import { pathToFileURL } from 'node:url';
import type { webApi } from '@slack/bolt';
import { composeAccess, composeApprovals, reloadPolicy } from './compose-access.js';
import { composeBatches } from './compose-batches.js';
import { composePipelines } from './compose-pipelines.js';
import { type Config, ConfigError, loadConfig, SLACK_BATCH_DEFAULTS } from './config.js';
import type { AuditTrail } from './domain/actor.js';
import type { AuditAction } from './domain/audit.js';
import { createMasker } from './domain/policy/index.js';
import { apiHandlers } from './http/api/handlers.js';
import { createApi } from './http/api/router.js';
import { meteredNotifications } from './http/metered-notifications.js';
import { createMetrics, meteredSlackFetch, registerStoreGauges } from './http/metrics.js';
import { createHttpServer, type Readiness } from './http/server.js';
import { ClusterRegistry, clustersFrom, loadKubeConfig, policyClusters } from './kube/clusters.js';
import { KubeDispatchAdapter } from './kube/dispatch-kube.js';
import { KubeJobs } from './kube/jobs.js';
import { meterKubeConfig } from './kube/metering.js';
import { JobWatcher } from './kube/watcher.js';
import { createLogger, type Logger, type LogMasking } from './logger.js';
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
import { opensForm, registerSlashCommand } from './slack/listeners/slash-command.js';
import { registerYamlShortcut } from './slack/listeners/yaml-shortcut.js';
import { LogDelivery } from './slack/log-delivery.js';
import { SlackNotifier } from './slack/notifier.js';
import { NO_LIMITS, SLACK_PUBLISHED_LIMITS, SlackPacer } from './slack/pacing.js';
import { PipelineAwareNotifications } from './slack/pipeline-notifications.js';
import { ignoreRedeliveries } from './slack/redelivery.js';
import { auditSubcommand } from './slack/subcommands/audit.js';
import { definitionSubcommands } from './slack/subcommands/definitions.js';
import { dispatchSubcommands } from './slack/subcommands/dispatches.js';
import { helpSubcommand } from './slack/subcommands/help.js';
import { detailsOf, historySubcommands } from './slack/subcommands/history.js';
import { tokenSubcommand } from './slack/subcommands/tokens.js';
import { UserDirectory } from './slack/users.js';
import { AuditRepository } from './store/audit.js';
import { installationUid, isDatabaseOpen, openDatabase } from './store/db.js';
import { DefinitionRepository } from './store/definitions.js';
import { DispatchRepository } from './store/dispatches.js';
import { DraftRepository } from './store/drafts.js';
import { StoreGauges } from './store/gauges.js';
import { OutboxRepository } from './store/outbox.js';
import { SlackRequestRepository } from './store/slack-requests.js';
import { TokenRepository } from './store/tokens.js';
import { DEFAULT_TIMING, type Timing } from './timing.js';

/**
 * How long a new status message in a channel waits before it is posted while batches are on: the
 * start of a burst goes to the channel's batch instead of spending its posts on threads.
 */
const POST_HOLD_MS = 250;

export interface Running {
  port: number;
  mode: 'http' | 'socket';
  log: Logger;
  readiness(): Readiness;
  stop(): Promise<void>;
  /** Reads JOBBOT_CONFIG again (SIGHUP); an invalid file keeps the policy in force. */
  reloadPolicy(): { ok: boolean; message: string };
}

export interface StartOptions {
  logger?: Logger;
  /** Timeouts, retries and watchdogs; tests running emulated time pass scaled ones. */
  timing?: Partial<Timing>;
}

/** Thrown when start-up cannot go on for a reason the operator must fix; main prints it and exits 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export async function start(config: Config, options: StartOptions = {}): Promise<Running> {
  // The access service is made after the logger; until then the policy's own masks are used.
  const startMasker = createMasker(config.policy.maskPatterns);
  let masker = (): LogMasking => startMasker;
  const log = options.logger ?? createLogger(config.logLevel, undefined, () => masker());
  const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
  if (!config.filePath) {
    log.warn(
      'No JOBBOT_CONFIG file: every workspace member may create, change and dispatch any job. See README.md, "Access control".',
    );
  }
  const db = openDatabase(config.dbPath);
  const metrics = createMetrics();
  registerStoreGauges(metrics, new StoreGauges(db));

  const kubeConfig = loadKubeConfig(config.kube);
  const chosen = policyClusters(clustersFrom(kubeConfig, config.kube), config.policy);
  if (chosen.problems.length > 0) {
    db.close();
    throw new StartupError(chosen.problems.join(' '));
  }
  for (const c of chosen.clusters)
    meterKubeConfig(c.kubeConfig, {
      request: (verb, resource) => metrics.kubeRequests.inc({ verb, resource }),
      error: (verb, resource, status) => metrics.kubeErrors.inc({ verb, resource, status }),
    });
  const clusters = new ClusterRegistry(chosen.clusters, log.child({ component: 'clusters' }), {
    checkTimeoutMs: timing.clusterCheckTimeoutMs,
    recheckIntervalMs: timing.clusterRecheckMs,
    recheckSpacingMs: Math.min(1_000, timing.clusterRecheckMs),
  });
  if (config.kube.kind === 'none') {
    log.warn(
      { looked: config.kube.looked },
      'No Kubernetes configuration found: no cluster is available. Set KUBECONFIG.',
    );
  }

  const slackFetch = meteredSlackFetch(metrics) as webApi.FetchFunction;
  const web = createWebClient(config, log, slackFetch);
  const identity = new SlackIdentity(web, log.child({ component: 'slack' }));
  try {
    await identity.start();
  } catch (err) {
    db.close();
    if (err instanceof SlackTokenRejected) throw new StartupError(err.message);
    throw err;
  }
  const slack = createSlackApp(config, identity, log, slackFetch);
  // First of the global middleware: a redelivered request must not reach any listener.
  ignoreRedeliveries(slack.app, new SlackRequestRepository(db), log.child({ component: 'slack' }));
  const access = composeAccess({ policy: config.policy, web, app: slack.app, log });
  masker = () => access.mask;
  const requireManage = (id: string) =>
    access.require({ kind: 'slack', id, name: id }, { kind: 'definition.manage' });
  const offersFor = (id: string) => ({
    dispatch: (d: { name: string; cluster: string; namespace: string }) => access.mayDispatch(id, d),
    manage: access.allows(id, { kind: 'definition.manage' }),
    mask: <T>(value: T): T => access.maskObject(value),
  });

  // Interactive calls answer a person inside Slack's 3-second window, so cluster calls are kept short.
  const kube = new KubeJobs(clusters, {
    interactiveMs: timing.kubeInteractiveMs,
    backgroundMs: timing.kubeBackgroundMs,
  });
  const audit = new AuditService(new AuditRepository(db), log.child({ component: 'audit' }));
  const auditTrail: AuditTrail = {
    // Secret-looking values are masked before the entry is hashed and stored: the log is append-only.
    record: (actor, action, target, details) =>
      audit.record(actor, action as AuditAction, target, access.mask.object(details)),
  };
  const definitions = new DefinitionService(
    new DefinitionRepository(db),
    kube,
    new DraftRepository(db),
    auditTrail,
    undefined,
    access,
  );
  const users = new UserDirectory(web, Date.now, timing.userLookupMs);
  const tokens = new TokenService(new TokenRepository(db), auditTrail);

  const subcommands: Subcommand[] = [];
  const notes = () =>
    config.filePath
      ? []
      : ['No access policy is configured: everyone in this workspace may use every command.'];
  // Put on every Job, so that two installations dispatching into one namespace keep to their own.
  const installation = installationUid(db);
  const watcher = new JobWatcher(clusters, log.child({ component: 'watch' }), {
    installation,
    initialBackoffMs: timing.watchInitialBackoffMs,
    maxBackoffMs: timing.watchMaxBackoffMs,
    listTimeoutMs: timing.watchListTimeoutMs,
    silenceMs: timing.watchSilenceMs,
    onRestart: (cluster, namespace, reason) => metrics.watchRestarts.inc({ cluster, namespace, reason }),
    watchTimeoutSeconds: timing.watchTimeoutSeconds,
  });
  const dispatchStore = new DispatchRepository(db);
  const outbox = new OutboxRepository(db);
  // One pacer for both outboxes: Slack counts its limits per app and workspace.
  const slackPacer = new SlackPacer(
    config.slack.pacing === false ? NO_LIMITS : SLACK_PUBLISHED_LIMITS,
    timing.slackRateMinuteMs,
  );
  const notifier = new SlackNotifier(
    outbox,
    dispatchStore,
    createNotifierClient(config, log, timing.slackTimeoutMs, slackFetch, slackPacer),
    log.child({ component: 'notifier' }),
    {
      firstRetryMs: timing.slackFirstRetryMs,
      maxRetryMs: timing.slackMaxRetryMs,
      uploadTimeoutMs: timing.slackTimeoutMs,
      settleMs: timing.slackTimeoutMs,
      pacer: slackPacer,
      divert: (d) => batches.divert(d),
      postHoldMs: (config.slack.batch ?? SLACK_BATCH_DEFAULTS).after === 0 ? 0 : POST_HOLD_MS,
    },
  );
  // A busy channel's dispatches are summed up in one batch message instead of a thread each.
  const batches = composeBatches(
    { db, config, log, timing, slackFetch, slackPacer },
    new SlackDispatchNotifications(
      outbox,
      () => notifier.wake(),
      () => home.dispatchChanged(),
    ),
    () => home.dispatchChanged(),
  );
  // A pipeline's dispatches tell their story in the run's thread, not in threads of their own.
  const dispatchNotifications = new PipelineAwareNotifications(
    batches.notifications,
    log.child({ component: 'pipelines' }),
    () => home.dispatchChanged(),
  );
  const dispatches = new DispatchService(
    definitions,
    dispatchStore,
    new KubeDispatchAdapter(kube, watcher, {
      logCapBytes: config.dispatch.logCapBytes,
      logRetries: timing.logRetries,
      logRetryMs: timing.logRetryMs,
    }),
    meteredNotifications(dispatchNotifications, metrics),
    log.child({ component: 'dispatch' }),
    {
      ...config.dispatch,
      createAttempts: timing.createAttempts,
      createRetryMs: timing.createRetryMs,
      deleteRetryMs: timing.deleteRetryMs,
      deleteRetryMaxMs: timing.deleteRetryMaxMs,
      lostContactMs: timing.lostContactMs,
      contactCheckMs: timing.contactCheckMs,
      installation,
    },
    auditTrail,
    undefined,
    access,
  );
  watcher.onChange((ref) => void dispatches.changed(ref.dispatch, ref));
  watcher.onSync((where) => dispatches.resync(where));
  const logDelivery = new LogDelivery(dispatches, web, log.child({ component: 'logs' }));
  const home = new AppHome(
    web,
    definitions,
    dispatches,
    config.command,
    () => notes()[0],
    log.child({ component: 'home' }),
    Date.now,
    (user, def) => access.mayDispatch(user, def),
  );
  const pipelines = composePipelines(
    { db, log, config, audit: auditTrail, app: slack.app },
    {
      dispatches,
      hook: dispatchNotifications,
      users,
      tokens,
      jobNames: () => definitions.list({ offset: 0, limit: 1000 }).items.map((d) => d.name),
      gate: access,
      prepare: (user) => access.prepare(user),
      slackFetch,
      slackPacer,
    },
  );
  const retention = new LogRetention(
    {
      pruneLogs: (limits, at) => dispatchStore.pruneLogs(limits, at),
      pruneDelivered: (before, limit) =>
        outbox.pruneDelivered(before, limit) + pipelines.pruneDelivered(before, limit),
    },
    config.retention,
    log.child({ component: 'retention' }),
  );
  const approvals = composeApprovals({
    db,
    web,
    app: slack.app,
    access,
    dispatches,
    users,
    audit: auditTrail,
    log,
  });
  subcommands.push(
    helpSubcommand(
      () => subcommands,
      notes,
      (user, sub) => access.offers(user, sub),
    ),
    ...definitionSubcommands(definitions, (n, command) => detailsOf(dispatches, n, command), offersFor),
    ...dispatchSubcommands(dispatches, approvals.service, users),
    ...approvals.subcommands,
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
    approvals: approvals.service,
    users,
    log: log.child({ component: 'dispatch' }),
  });
  registerYamlShortcut(slack.app, {
    service: definitions,
    log: log.child({ component: 'definitions' }),
    requireManage,
  });
  registerDefinitionListeners(slack.app, {
    service: definitions,
    users,
    command: config.command,
    log: log.child({ component: 'definitions' }),
    offersFor,
    requireManage,
  });
  registerSlashCommand(slack.app, {
    command: config.command,
    subcommands: () => subcommands,
    fallback: 'help',
    log: log.child({ component: 'commands' }),
    metrics,
    access,
  });
  slack.prioritizeCommands(
    (command, text) => command === config.command && opensForm(subcommands, 'help', text),
  );

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
      handlers: apiHandlers({
        tokens,
        dispatches,
        definitions,
        approvals: approvals.service,
        access,
        resolveUser: (ref) => users.resolve(ref),
      }),
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
  approvals.start();
  notifier.wake();
  batches.start();
  retention.start();
  log.info({ port, mode: slack.mode, clusters: clusters.names(), command: config.command }, 'Jobbot started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('Jobbot stopping');
      await http.close();
      await slack.stop();
      watcher.close();
      dispatches.close();
      retention.stop();
      approvals.stop();
      home.stop();
      await Promise.race([dispatches.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await notifier.stop();
      await batches.stop();
      await pipelines.stop();
      identity.stop();
      clusters.stop();
      db.close();
      log.info('Jobbot stopped');
    })();
    return stopping;
  };
  return {
    port,
    mode: slack.mode,
    log,
    readiness,
    stop,
    reloadPolicy: () => reloadPolicy(config.filePath, access, auditTrail, log),
  };
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
  process.on('SIGHUP', () => {
    running.log.info({ signal: 'SIGHUP' }, 'signal received: reloading the policy');
    running.reloadPolicy();
  });
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
