/**
 * Jobbot as a real child process, started as `npm start` starts it (node dist/main.js, built by the
 * global setup), against emulators running in the test process. Process-level faults (SIGKILL,
 * SIGTERM) need it: only a real process dies between two instructions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type KubeEmulator, startKubeEmulator } from '../../support/kube/index.js';
import { defineJob } from '../../support/seed.js';
import { SlackDriver, type SlackEmulator, startSlackEmulator } from '../../support/slack/index.js';
import { waitFor } from '../../support/wait.js';
import { NAMESPACE } from './world.js';

const MAIN = path.resolve(import.meta.dirname, '../../../dist/main.js');

export interface JobbotProcess {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

export interface ChildWorld {
  slack: SlackEmulator;
  kube: KubeEmulator;
  dir: string;
  db: string;
  env: Record<string, string>;
  jobbot: JobbotProcess;
  driver: SlackDriver;
  /** Starts Jobbot again on the same database and emulators (after it exited). */
  start(): Promise<JobbotProcess>;
  define(yaml: string, cluster?: string): void;
  close(): Promise<void>;
}

export async function startChildWorld(opts: { speed: number }): Promise<ChildWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-rel-'));
  const slack = await startSlackEmulator();
  const kube = await startKubeEmulator({ speed: opts.speed, namespaces: [NAMESPACE] });
  const kubeconfig = await kube.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const db = path.join(dir, 'jobbot.db');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    SLACK_BOT_TOKEN: slack.config.botToken,
    SLACK_SIGNING_SECRET: slack.config.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    KUBECONFIG: kubeconfig,
    JOBBOT_DB: db,
    LOG_LEVEL: 'info',
    // As in the harness: the emulator enforces no Slack rate limits here, so Jobbot does not pace.
    JOBBOT_SLACK_PACING: 'false',
    // Threads, as the reliability checks read them; batches have their own tests.
    JOBBOT_SLACK_BATCH_AFTER: '0',
  };
  const processes: JobbotProcess[] = [];
  const world: ChildWorld = {
    slack,
    kube,
    dir,
    db,
    env,
    jobbot: undefined as unknown as JobbotProcess,
    driver: undefined as unknown as SlackDriver,
    start: async () => {
      const p = await spawnJobbot(env, dir);
      processes.push(p);
      world.jobbot = p;
      world.driver = new SlackDriver({
        emulator: slack,
        transport: 'http',
        appUrl: `http://127.0.0.1:${p.port}`,
        signingSecret: slack.config.signingSecret,
      });
      return p;
    },
    define: (yaml, cluster = 'alpha') =>
      defineJob(
        db,
        yaml,
        { cluster, namespace: NAMESPACE },
        { kind: 'slack', id: slack.defaultUser, name: 'tester' },
      ),
    close: async () => {
      for (const p of processes)
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      await Promise.all([slack.close(), kube.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

async function spawnJobbot(env: Record<string, string>, cwd: string): Promise<JobbotProcess> {
  // JOBBOT_CHILD_NODE_ARGS, e.g. "--cpu-prof": to see where a slow test spends Jobbot's time.
  const args = process.env.JOBBOT_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...args, MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`Jobbot exited at start:\n${out}`);
      return out.split('\n').find((l) => l.includes('"Jobbot started"'));
    },
    15_000,
    'Jobbot to start',
  );
  const { port } = JSON.parse(line) as { port: number };
  return { child, port, exited, output: () => out };
}
