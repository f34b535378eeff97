/**
 * One benchmark scenario's world: a Slack emulator and a Kubernetes emulator in this process, job
 * definitions saved in a fresh database, and Jobbot started on that database as a child process.
 * Every section builds its own world, so no backlog or cache of one measurement leaks into the next.
 */

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shellJobYaml } from '../../test/support/fixtures.js';
import {
  type KubeEmulator,
  type KubeEmulatorOptions,
  startKubeEmulator,
} from '../../test/support/kube/index.js';
import { defineJob } from '../../test/support/seed.js';
import { slashCommandPayload } from '../../test/support/slack/driver-payloads.js';
import { type SlackEmulator, signSlackRequest, startSlackEmulator } from '../../test/support/slack/index.js';
import type { SlackRateLimiter } from '../../test/support/slack/rate-limits.js';
import type { BurstRequest } from './burst.js';
import { type JobbotProcess, startJobbot } from './jobbot.js';

export const ADMIN = { kind: 'slack' as const, id: 'U0ALICE001', name: 'alice' };

export interface WorldOptions {
  kube?: KubeEmulatorOptions;
  /** Slack's published rate limits enforced by the emulator (default true). */
  slackLimits?: boolean;
  /** Job definitions: YAML with where it goes. */
  jobs: { yaml: string; cluster: string; namespace: string }[];
  env?: Record<string, string>;
}

export interface SlashResult {
  ms: number;
  status: number;
  body: string;
  /** A slash command's response_url, where Jobbot posts its answer after the (empty) ack. */
  responseUrl?: string;
}

export class World {
  constructor(
    readonly dir: string,
    readonly slack: SlackEmulator,
    readonly kube: KubeEmulator,
    readonly kubeconfig: string,
    readonly jobbot: JobbotProcess,
    readonly limits: SlackRateLimiter | undefined,
  ) {}

  /** A signed slash command as Slack sends it; `ms` is the time to Jobbot's acknowledgement. */
  async slash(text: string, user = ADMIN.id, channel = 'C0JOBS0001', command = '/job'): Promise<SlashResult> {
    const { request: req, responseUrl } = this.slashRequest(text, user, channel, command);
    const res = await request(`${this.jobbot.url}${req.path}`, req.method, req);
    return { ...res, responseUrl };
  }

  /** The same slash command, signed but not sent (for the burst client, bench/lib/burst.ts). */
  slashRequest(
    text: string,
    user = ADMIN.id,
    channel = 'C0JOBS0001',
    command = '/job',
  ): { request: BurstRequest; responseUrl: string } {
    const responseUrl = this.slack.issueResponseUrl({ user, channel });
    const payload = slashCommandPayload(this.slack.state, {
      command,
      text,
      user,
      channel,
      triggerId: this.slack.issueTriggerId({ user }),
      responseUrl,
    });
    const body = new URLSearchParams(payload).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(this.slack.config.signingSecret, timestamp, body),
    };
    return { request: { method: 'POST', path: '/slack/events', headers, body }, responseUrl };
  }

  /**
   * What Jobbot answered slash commands with: the text of the first post to each one's response_url
   * (Jobbot acknowledges commands empty and answers there), '' for a post without text. One poller
   * for them all, reading only posts it has not seen, so a burst's answers cost the load generator
   * little; rejects if some are missing after `ms`.
   */
  async answers(slashes: readonly { responseUrl?: string }[], ms = 30_000): Promise<string[]> {
    const wanted = new Map(slashes.map((s, i) => [s.responseUrl, i]));
    wanted.delete(undefined);
    const texts: (string | undefined)[] = slashes.map(() => undefined);
    let missing = wanted.size;
    let seen = 0;
    await until(
      () => {
        const posts = this.slack.state.responses;
        for (; seen < posts.length; seen++) {
          const post = posts[seen]!;
          const i = wanted.get(post.url);
          if (i === undefined || texts[i] !== undefined) continue;
          const text = (post.body as { text?: unknown } | undefined)?.text;
          texts[i] = typeof text === 'string' ? text : '';
          missing--;
        }
        return missing === 0;
      },
      ms,
      `${missing} of ${wanted.size} answers posted to response_urls`,
    );
    return texts.map((t) => t ?? '');
  }

  /** An API token made with `/job token create`, as a CI admin would. */
  async token(label: string): Promise<string> {
    const res = await this.slash(`token create ${label}`);
    const [text = ''] = await this.answers([res], 10_000);
    const m = /(jbt_[A-Za-z0-9_-]{43})/.exec(text);
    if (!m) throw new Error(`no token in: ${text}`);
    return m[1]!;
  }

  async api(
    method: string,
    route: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; text: string; ms: number }> {
    const res = await request(`${this.jobbot.url}${route}`, method, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: res.body, ms: res.ms };
  }

  /** Jobbot's own event-loop delay (prom-client's default metrics), in ms, since the last call. */
  async eventLoopLag(): Promise<{ p50: number; p99: number; max: number }> {
    const text = await (await fetch(`${this.jobbot.url}/metrics`)).text();
    const read = (name: string) =>
      Number(
        new RegExp(`^jobbot_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN,
      ) * 1000;
    return { p50: read('p50'), p99: read('p99'), max: read('max') };
  }

  async close(): Promise<void> {
    await this.jobbot.stop();
    await Promise.all([this.slack.close(), this.kube.close()]);
    // BENCH_KEEP_LOGS=DIR keeps each run's Jobbot log there (JOBBOT_BENCH_LOG_LEVEL sets its level).
    const keep = process.env.BENCH_KEEP_LOGS;
    if (keep) cpSync(path.join(this.dir, 'jobbot.log'), path.join(keep, `${path.basename(this.dir)}.log`));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// node:http with kept-alive connections costs the load generator about half of what fetch does, and
// in a burst of 200 every request the generator is slow to send is latency charged to Jobbot.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** One HTTP exchange; `ms` runs from sending the request to the end of the answer. */
export function request(
  url: string,
  method: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<SlashResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, agent, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          ms: performance.now() - started,
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export async function startWorld(opts: WorldOptions): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-bench-'));
  const slack = await startSlackEmulator();
  const limits = opts.slackLimits === false ? undefined : slack.enforceRateLimits();
  const kube = await startKubeEmulator({ speed: 20, namespaces: ['jobs'], ...opts.kube });
  const kubeconfig = await kube.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const dbPath = path.join(dir, 'jobbot.db');
  for (const j of opts.jobs) defineJob(dbPath, j.yaml, { cluster: j.cluster, namespace: j.namespace }, ADMIN);
  try {
    const jobbot = await startJobbot({
      dir,
      slack: {
        apiUrl: slack.apiUrl,
        botToken: slack.config.botToken,
        signingSecret: slack.config.signingSecret,
      },
      kubeconfig,
      ...(opts.env ? { env: opts.env } : {}),
    });
    return new World(dir, slack, kube, kubeconfig, jobbot, limits);
  } catch (err) {
    await Promise.all([slack.close(), kube.close()]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A Job that prints one line and exits: its run costs nearly nothing, so a cycle measures the tools. */
export function echoJob(name: string, command = 'echo hello'): string {
  return shellJobYaml(name, command);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value, or rejects after `ms`. */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
  what: string,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
