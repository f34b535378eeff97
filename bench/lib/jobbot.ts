/**
 * Jobbot as its own process, started the way `npm start` starts it (`node dist/main.js`, built by the
 * bench's global setup), so its resident memory is measured apart from the emulators and the load
 * generator, which all live in the benchmark process. Memory comes from /proc/PID/status: VmRSS now,
 * and VmHWM, the kernel's high-water mark, which catches a peak between two samples.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

// JOBBOT_BENCH_MAIN measures another build (e.g. a copy of the tree with a proposed change).
export const MAIN = process.env.JOBBOT_BENCH_MAIN ?? path.resolve(import.meta.dirname, '../../dist/main.js');

export interface JobbotOptions {
  dir: string;
  slack: { apiUrl: string; botToken: string; signingSecret: string };
  kubeconfig: string;
  env?: Record<string, string>;
}

export interface Memory {
  rssBytes: number;
  peakRssBytes: number;
}

export class JobbotProcess {
  constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly dbPath: string,
    readonly logPath: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  memory(): Memory {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
  }

  /**
   * CPU time Jobbot has used so far (user + system), in seconds: fields 14 and 15 of /proc/PID/stat,
   * in clock ticks (USER_HZ, 100 on Linux). Read after the command name, which may contain spaces.
   */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** Starts the high-water mark afresh from the current RSS (Linux: "5" > clear_refs). */
  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  /** SIGTERM, as an orchestrator stops it; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts Jobbot and resolves once /readyz says ready and every cluster has been reached. */
export async function startJobbot(opts: JobbotOptions): Promise<JobbotProcess> {
  const port = await freePort();
  const dbPath = path.join(opts.dir, 'jobbot.db');
  const logPath = path.join(opts.dir, 'jobbot.log');
  const out = openSync(logPath, 'a');
  // JOBBOT_BENCH_PROFILE=DIR: a V8 CPU profile of each Jobbot process, written there when it stops.
  const profile = process.env.JOBBOT_BENCH_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : [];
  // JOBBOT_BENCH_NODE_FLAGS: more flags for Jobbot's node (e.g. --trace-gc, read with BENCH_KEEP_LOGS).
  flags.push(...(process.env.JOBBOT_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean));
  const child = spawn(process.execPath, [...flags, MAIN], {
    // Its own folder as cwd and HOME: no .env or ~/.kube/config of the machine leaks in.
    cwd: opts.dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: opts.dir,
      SLACK_BOT_TOKEN: opts.slack.botToken,
      SLACK_SIGNING_SECRET: opts.slack.signingSecret,
      SLACK_API_URL: opts.slack.apiUrl,
      PORT: String(port),
      KUBECONFIG: opts.kubeconfig,
      JOBBOT_DB: dbPath,
      LOG_LEVEL: process.env.JOBBOT_BENCH_LOG_LEVEL ?? 'warn',
      ...opts.env,
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const proc = new JobbotProcess(child, `http://127.0.0.1:${port}`, dbPath, logPath);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Jobbot exited with ${child.exitCode}: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${proc.url}/readyz`);
      const body = (await res.json()) as { ready: boolean; clusters: { reachable: boolean }[] };
      if (res.status === 200 && body.clusters.every((c) => c.reachable)) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`Jobbot did not become ready: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
