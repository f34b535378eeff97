/**
 * Starts Jobbot exactly as `npm start` composes it (loadConfig from an environment, then `start`),
 * against the local Slack emulator and either the Kubernetes emulator or, when JOBBOT_E2E_KUBECONFIG
 * names one, a real cluster. Each harness has its own temp folder, database, ports and kubeconfig,
 * so test files run in parallel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Running, type StartOptions, start } from '../../src/main.js';
import { type KubeEmulator, startKubeEmulator } from './kube/index.js';
import { SlackDriver, type SlackEmulator, startSlackEmulator, type Transport } from './slack/index.js';

export interface Harness {
  /** The running app; replaced by `restart()`. */
  app: Running;
  slack: SlackEmulator;
  /** Undefined when the suite runs against a real cluster. */
  kube: KubeEmulator | undefined;
  driver: SlackDriver;
  dir: string;
  env: Record<string, string>;
  url: string;
  command: string;
  /** Stops the app as SIGTERM would and starts a new one on the same database and emulators. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  transport?: Transport;
  env?: Record<string, string>;
  kube?: Parameters<typeof startKubeEmulator>[0];
  /** Jobbot's timeouts and retries (e.g. `scaledTiming(speed)` to match the emulator's speed). */
  timing?: StartOptions['timing'];
}

/** A real cluster for the same suite: JOBBOT_E2E_KUBECONFIG=/path/to/kubeconfig npm test. */
export const REAL_KUBECONFIG = process.env.JOBBOT_E2E_KUBECONFIG;

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const transport = opts.transport ?? 'http';
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-e2e-'));
  const slack = await startSlackEmulator();
  const kube = REAL_KUBECONFIG
    ? undefined
    : await startKubeEmulator({ speed: 20, namespaces: ['jobs'], ...opts.kube });
  const kubeconfig = REAL_KUBECONFIG ?? (await kube!.writeKubeconfig(path.join(dir, 'kubeconfig')));
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.config.botToken,
    ...(transport === 'socket'
      ? { SLACK_APP_TOKEN: slack.config.appToken }
      : { SLACK_SIGNING_SECRET: slack.config.signingSecret }),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    KUBECONFIG: kubeconfig,
    JOBBOT_DB: path.join(dir, 'jobbot.db'),
    LOG_LEVEL: process.env.JOBBOT_TEST_LOG_LEVEL ?? 'silent',
    // The emulator enforces no rate limits unless a test asks (enforceRateLimits), so Jobbot need not
    // pace its Slack calls to them either; test/slack/notifier-pacing.test.ts covers the pacing.
    JOBBOT_SLACK_PACING: 'false',
    // One thread per dispatch, however many a test sends into one channel: most tests follow a
    // dispatch's thread. test/e2e/batches.test.ts and test/slack/batch-notifier.test.ts cover batches.
    JOBBOT_SLACK_BATCH_AFTER: '0',
    ...opts.env,
  };
  const config = loadConfig({ env, cwd: dir, home: dir, inCluster: false });
  const boot = async () => {
    const app = await start(config, {
      logger: createLogger(config.logLevel),
      ...(opts.timing ? { timing: opts.timing } : {}),
    });
    if (transport === 'socket') await slack.socket.waitForConnection();
    return app;
  };
  const first = await boot();
  const driverFor = (port: number) =>
    new SlackDriver({
      emulator: slack,
      transport,
      appUrl: `http://127.0.0.1:${port}`,
      signingSecret: slack.config.signingSecret,
    });
  const h: Harness = {
    app: first,
    slack,
    kube,
    driver: driverFor(first.port),
    dir,
    env,
    url: `http://127.0.0.1:${first.port}`,
    command: config.command,
    restart: async () => {
      await h.app.stop();
      h.app = await boot();
      h.driver = driverFor(h.app.port);
      h.url = `http://127.0.0.1:${h.app.port}`;
    },
    stop: async () => {
      await h.app.stop();
      await Promise.all([slack.close(), kube?.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
