/**
 * Jobbot as a process, started the way `npm start` starts it (node dist/main.js, built by the global
 * setup): exit codes and messages for bad settings, .env, readiness while a cluster or Slack is down,
 * and graceful shutdown on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { StartupError, start } from '../../src/main.js';
import { startKubeEmulator } from '../support/kube/index.js';
import { startSlackEmulator } from '../support/slack/index.js';

const MAIN = path.resolve(import.meta.dirname, '../../dist/main.js');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'jobbot-proc-'));
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  env: Record<string, string>,
  cwd: string,
): { child: ChildProcess; exited: Promise<Exit>; output: () => string } {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => stdout };
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobbot process', () => {
  it('exits 1 with one message naming every missing setting, and no stack trace', async () => {
    const { exited } = run({}, tempDir());
    const { code, stderr, stdout } = await exited;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('SLACK_BOT_TOKEN is missing');
    expect(stderr).toContain('SLACK_SIGNING_SECRET is missing');
    expect(stderr).toContain('slack-manifest.yml');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reads .env, serves, and shuts down gracefully on SIGTERM', async () => {
    const slack = await startSlackEmulator();
    cleanups.push(() => slack.close());
    const dir = tempDir();
    writeFileSync(
      path.join(dir, '.env'),
      [
        `SLACK_BOT_TOKEN=${slack.config.botToken}`,
        `SLACK_SIGNING_SECRET=${slack.config.signingSecret}`,
        `SLACK_API_URL=${slack.apiUrl}`,
        'PORT=0',
        'LOG_LEVEL=info',
      ].join('\n'),
    );
    const proc = run({}, dir);
    const line = await until(() =>
      proc
        .output()
        .split('\n')
        .find((l) => l.includes('"Jobbot started"')),
    );
    const { port } = JSON.parse(line) as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    proc.child.kill('SIGTERM');
    const { code, stdout } = await proc.exited;
    expect(code).toBe(0);
    expect(stdout).toContain('"Jobbot stopped"');
    expect(stdout).not.toContain(slack.config.botToken);
  });

  it('exits 1 with advice when Slack refuses the token', async () => {
    const slack = await startSlackEmulator();
    cleanups.push(() => slack.close());
    const dir = tempDir();
    const proc = run(
      {
        SLACK_BOT_TOKEN: 'xoxb-not-a-real-token',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        LOG_LEVEL: 'silent',
      },
      dir,
    );
    const { code, stderr } = await proc.exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\. Copy the Bot User OAuth Token/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('start-up with parts of the world down', () => {
  function config(env: Record<string, string>) {
    const dir = tempDir();
    return loadConfig({
      env: { PORT: '0', JOBBOT_DB: path.join(dir, 'db.sqlite'), LOG_LEVEL: 'silent', ...env },
      cwd: dir,
      home: dir,
      inCluster: false,
    });
  }

  it('serves with one cluster unreachable and reports it in /readyz', async () => {
    const slack = await startSlackEmulator();
    const kube = await startKubeEmulator();
    cleanups.push(
      () => slack.close(),
      () => kube.close(),
    );
    await kube.cluster('beta').setUnreachable('refuse');
    const kubeconfig = await kube.writeKubeconfig(path.join(tempDir(), 'kubeconfig'));
    const app = await start(
      config({
        SLACK_BOT_TOKEN: slack.config.botToken,
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: slack.apiUrl,
        KUBECONFIG: kubeconfig,
      }),
      { logger: createLogger('silent') },
    );
    cleanups.push(() => app.stop());
    const body = await until(async () => {
      const b = (await (await fetch(`http://127.0.0.1:${app.port}/readyz`)).json()) as {
        ready: boolean;
        clusters: {
          cluster: string;
          reachable: boolean;
          checkedAt?: string;
          error?: string;
          version?: string;
        }[];
      };
      return b.clusters.every((c) => c.checkedAt) ? b : undefined;
    });
    expect(body.ready).toBe(true);
    const byName = Object.fromEntries(body.clusters.map((c) => [c.cluster, c]));
    expect(byName.alpha).toMatchObject({ reachable: true, version: 'v1.32.0' });
    expect(byName.beta).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/cannot connect to http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/),
    });
  });

  it('starts while Slack is unreachable and is not ready until it answers', async () => {
    const app = await start(
      config({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      }),
      {
        logger: createLogger('silent'),
      },
    );
    cleanups.push(() => app.stop());
    const res = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, database: { ok: true }, slack: { ok: false } });
    expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
  });

  it('refuses a token Slack rejects with a StartupError', async () => {
    const slack = await startSlackEmulator();
    cleanups.push(() => slack.close());
    await expect(
      start(
        config({ SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl }),
        { logger: createLogger('silent') },
      ),
    ).rejects.toBeInstanceOf(StartupError);
  });
});
