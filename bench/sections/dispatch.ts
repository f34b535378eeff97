/**
 * 2. Dispatch overhead and the kubectl baseline, on one emulator and one Job (`sh -c "echo hello"`,
 * which runs in ~10 ms of real time at emulator speed 100, so what is measured is the tools).
 *
 * - Overhead: from the Job's Complete condition to the verdict reply in its Slack thread and to the
 *   log file shared there, with the steps in between. Each dispatch starts once the previous one's
 *   thread is complete in Slack, so it waits for no earlier backlog; all post to one channel, as a CI
 *   pipeline's dispatches would. Measured with Slack's rate limits enforced, then again without them,
 *   which leaves Jobbot's own part.
 * - Cycle: what a CI step does. Jobbot: POST /api/v1/jobs/hello/dispatches {"wait": 60}, then GET its
 *   logs. kubectl: `create -f`, `wait --for=condition=complete`, `logs`, `delete`. Runs alternate
 *   (Jobbot, kubectl, Jobbot, …) so drift hits both alike; one warm-up run each is left out.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { KubeTimeline } from '../lib/kube-events.js';
import { ms, type Row, type SectionResult } from '../lib/report.js';
import { type DispatchMessages, finalUpdate, indexDeliveries, verdictReply } from '../lib/slack-index.js';
import { round, type Summary, summarize } from '../lib/stats.js';
import { echoJob, startWorld, until, type World } from '../lib/world.js';

const run = promisify(execFile);
export const KUBECTL = '/usr/bin/kubectl';
const CYCLES = 10;

interface JobbotCycle {
  total: number;
  dispatchWait: number;
  logs: number;
  number: number;
}

/** Dispatch-and-wait then logs, over the API; a cycle without its log is recorded in `failures`. */
function jobbotCycles(world: World, token: string, failures: unknown[]) {
  return async (): Promise<JobbotCycle> => {
    const t = performance.now();
    const d = await world.api('POST', '/api/v1/jobs/hello/dispatches', token, {
      wait: 60,
      channel: 'C0JOBS0001',
    });
    const out = JSON.parse(d.text) as { number: number; status: string };
    const logs = await world.api('GET', `/api/v1/dispatches/${out.number}/logs`, token);
    const total = performance.now() - t;
    // A cycle that did not bring the log back is reported, not hidden; the run goes on.
    if (out.status !== 'succeeded' || !logs.text.includes('hello')) {
      const db = new Database(world.jobbot.dbPath, { readonly: true });
      const stored = db.prepare('select error from dispatch_logs where dispatch_number = ?').all(out.number);
      db.close();
      failures.push({ number: out.number, status: out.status, logs: logs.text, stored });
    }
    return { total, dispatchWait: d.ms, logs: logs.ms, number: out.number };
  };
}

/** The thread of dispatch `n` complete in Slack: status showing the verdict, verdict reply, log file. */
function threadDone(world: World, n: number): Promise<DispatchMessages> {
  return until(
    () => {
      const d = indexDeliveries(world.slack).get(n);
      return d && verdictReply(d) && d.files.length > 0 && finalUpdate(d) ? d : undefined;
    },
    30_000,
    `dispatch #${n}'s verdict and log file in Slack`,
    20,
  );
}

function overheadOf(
  timeline: KubeTimeline,
  delivered: Map<number, DispatchMessages>,
): Record<string, Summary> {
  const steps: Record<string, number[]> = {
    'Complete → logs read': [],
    'Complete → Job deletion sent': [],
    'Complete → status message shows verdict': [],
    'Complete → verdict reply': [],
    'Complete → log file posted': [],
  };
  for (const [n, d] of delivered) {
    const k = KubeTimeline.key('alpha', 'jobs', `hello-${n}`);
    const done = timeline.jobFinished.get(k)!;
    steps['Complete → logs read']!.push(timeline.logRead.get(k)! - done);
    steps['Complete → Job deletion sent']!.push(timeline.jobDeleteRequested.get(k)! - done);
    steps['Complete → status message shows verdict']!.push(finalUpdate(d)!.at - done);
    steps['Complete → verdict reply']!.push(verdictReply(d)!.at - done);
    steps['Complete → log file posted']!.push(d.files[0]!.at - done);
  }
  return Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarize(v)]));
}

const dispatchWorld = (slackLimits: boolean) =>
  startWorld({
    slackLimits,
    kube: { speed: 100, namespaces: ['jobs'] },
    jobs: [{ yaml: echoJob('hello'), cluster: 'alpha', namespace: 'jobs' }],
    // This section follows each dispatch's own thread (verdict reply, log file): a dozen cycles in a
    // minute would otherwise be summed up in the channel's batch (README, "Busy channels").
    // Without Slack's limits Jobbot need not pace its calls to them: that run measures Jobbot alone.
    env: { JOBBOT_SLACK_BATCH_AFTER: '0', ...(slackLimits ? {} : { JOBBOT_SLACK_PACING: 'false' }) },
  });

/** Jobbot's own part of the overhead: the same dispatches with Slack answering at once. */
async function overheadWithoutSlackLimits(): Promise<Record<string, Summary>> {
  const world = await dispatchWorld(false);
  const timeline = new KubeTimeline(world.kube);
  try {
    const cycle = jobbotCycles(world, await world.token('bench-ci'), []);
    await threadDone(world, (await cycle()).number);
    const delivered = new Map<number, DispatchMessages>();
    for (let i = 0; i < CYCLES; i++) {
      const { number } = await cycle();
      delivered.set(number, await threadDone(world, number));
    }
    return overheadOf(timeline, delivered);
  } finally {
    timeline.stop();
    await world.close();
  }
}

export async function dispatchSection(): Promise<SectionResult> {
  const world = await dispatchWorld(true);
  const timeline = new KubeTimeline(world.kube);
  const failures: unknown[] = [];
  let result: SectionResult;
  try {
    const jobbotCycle = jobbotCycles(world, await world.token('bench-ci'), failures);
    const kubectl = async (...args: string[]) => {
      const t = performance.now();
      const out = await run(
        KUBECTL,
        [
          '--kubeconfig',
          world.kubeconfig,
          '--context',
          'alpha',
          '-n',
          'jobs',
          '--cache-dir',
          path.join(world.dir, 'kube-cache'),
          ...args,
        ],
        { env: { PATH: process.env.PATH ?? '', HOME: world.dir }, timeout: 60_000 },
      );
      return { ms: performance.now() - t, stdout: out.stdout };
    };
    const kubectlCycle = async (i: number) => {
      const name = `hello-k${i}`;
      const file = path.join(world.dir, `${name}.yaml`);
      writeFileSync(file, echoJob(name));
      const t = performance.now();
      const create = await kubectl('create', '-f', file);
      const wait = await kubectl('wait', '--for=condition=complete', `job/${name}`, '--timeout=60s');
      const logs = await kubectl('logs', `job/${name}`);
      const del = await kubectl('delete', 'job', name);
      if (!logs.stdout.includes('hello')) throw new Error(`kubectl logs printed: ${logs.stdout}`);
      return {
        total: performance.now() - t,
        create: create.ms,
        wait: wait.ms,
        logs: logs.ms,
        delete: del.ms,
      };
    };

    await threadDone(world, (await jobbotCycle()).number);
    await kubectlCycle(0);
    const jobbot: JobbotCycle[] = [];
    const baseline: Awaited<ReturnType<typeof kubectlCycle>>[] = [];
    const delivered = new Map<number, DispatchMessages>();
    for (let i = 1; i <= CYCLES; i++) {
      const j = await jobbotCycle();
      jobbot.push(j);
      // Each dispatch meets a quiet Slack: its overhead is its own, not a queue of earlier ones.
      delivered.set(j.number, await threadDone(world, j.number));
      baseline.push(await kubectlCycle(i));
    }
    const overhead = overheadOf(timeline, delivered);
    const j = summarize(jobbot.map((c) => c.total));
    const k = summarize(baseline.map((c) => c.total));
    const ratio = k.p50 / j.p50;
    const limited = Object.fromEntries(world.limits?.limited ?? []);
    const step = (o: Record<string, Summary>, name: string) =>
      `p50 ${ms(o[name]!.p50)} · max ${ms(o[name]!.max)}`;
    const rows: Row[] = [
      {
        section: '2 dispatch',
        measure: `Job Complete → verdict reply in Slack (n=${CYCLES})`,
        result: `${step(overhead, 'Complete → verdict reply')} (${Object.values(limited).reduce((a, b) => a + b, 0)} calls got 429)`,
      },
      {
        section: '2 dispatch',
        measure: 'Job Complete → log file posted in Slack',
        result: step(overhead, 'Complete → log file posted'),
      },
      {
        section: '2 dispatch',
        measure: 'Job Complete → logs read, → Job deletion sent',
        result: `${step(overhead, 'Complete → logs read')}; ${step(overhead, 'Complete → Job deletion sent')}`,
      },
      {
        section: '2 dispatch',
        measure: `cycle via Jobbot API (dispatch+wait, logs), n=${CYCLES}`,
        result: `p50 ${ms(j.p50)} · max ${ms(j.max)}`,
      },
      ...(failures.length > 0
        ? [
            {
              section: '2 dispatch',
              measure: 'Jobbot cycles that returned no log',
              result: `${failures.length} of ${CYCLES + 1}: ${JSON.stringify(failures[0]).slice(0, 200)}`,
            },
          ]
        : []),
      {
        section: '2 dispatch',
        measure: 'cycle via kubectl (create, wait, logs, delete)',
        result: `p50 ${ms(k.p50)} · max ${ms(k.max)}`,
      },
      {
        section: '2 dispatch',
        measure: 'kubectl time ÷ Jobbot time (p50)',
        result: `${round(ratio, 2)}× (${ratio > 1 ? 'Jobbot faster' : 'kubectl faster'})`,
        target: 'Jobbot faster (> 1×)',
        met: ratio > 1,
      },
    ];
    result = {
      name: 'dispatch',
      rows,
      data: {
        overhead,
        slackRateLimited: limited,
        cyclesWithoutLog: failures,
        jobbotCycle: {
          total: j,
          dispatchWait: summarize(jobbot.map((c) => c.dispatchWait)),
          logs: summarize(jobbot.map((c) => c.logs)),
        },
        kubectlCycle: {
          total: k,
          create: summarize(baseline.map((c) => c.create)),
          wait: summarize(baseline.map((c) => c.wait)),
          logs: summarize(baseline.map((c) => c.logs)),
          delete: summarize(baseline.map((c) => c.delete)),
        },
        ratioKubectlOverJobbot: ratio,
        emulatorSpeed: 100,
      },
    };
  } finally {
    timeline.stop();
    await world.close();
  }
  const own = await overheadWithoutSlackLimits();
  result.data.overheadWithoutSlackLimits = own;
  result.rows.splice(2, 0, {
    section: '2 dispatch',
    measure: 'same, Slack unlimited: → verdict reply, → log file',
    result: `p50 ${ms(own['Complete → verdict reply']!.p50)} · max ${ms(own['Complete → verdict reply']!.max)}; p50 ${ms(own['Complete → log file posted']!.p50)} · max ${ms(own['Complete → log file posted']!.max)}`,
  });
  return result;
}
