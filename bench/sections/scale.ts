/**
 * 3. Scale: 1,000 dispatches running at once across 2 clusters (alpha, beta) × 4 namespaces, each
 * namespace's dispatches reported in its team's channel. Measured: open watch connections (target:
 * one per cluster + namespace + resource, whatever the number of dispatches), Kubernetes requests per
 * dispatch, Jobbot's resident memory, and event-to-Slack latency (target: p99 under 1 s with Slack's
 * rate limits honoured).
 *
 * How a run goes: the Jobs sleep 600 emulated seconds at emulator speed 1, so every dispatch is
 * running before the first one ends; once all 1,000 pods run (the watch count and memory are read
 * then), the emulated clock is sped up 60× and all the Jobs finish within seconds of one another.
 *
 * Event-to-Slack latency, per dispatch, from the moment the API server stored the change to the moment
 * Slack accepted the message about it: pod Running → the "Running: pod … started." thread reply; Job
 * Complete → the verdict reply, and → the status message showing the verdict. A dispatch reported in
 * its channel's batch is told there: by the first reply, or edit of a reply, that names it in the new
 * state. A message still queued when the run ends counts as never delivered (Infinity), so an honest
 * p99 can be "never". For batch members the latency is also split at the moment Jobbot recorded the
 * change (`batch_changes.at`): event → recorded is Jobbot noticing, recorded → Slack is delivery.
 *
 * The run is done twice: with Slack's published rate limits enforced (the target's condition), and
 * without them, which isolates Jobbot's own latency from Slack's limits.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openWatches, RequestCensus, watchesByTarget } from '../../test/support/kube/census.js';
import { SLACK_RATE_LIMITS } from '../../test/support/slack/rate-limits.js';
import { databaseSize } from '../lib/db-size.js';
import { KubeTimeline } from '../lib/kube-events.js';
import { mib, ms, type Row, type SectionResult } from '../lib/report.js';
import {
  batchRunning,
  batchVerdict,
  earliest,
  finalUpdate,
  indexDeliveries,
  verdictReply,
} from '../lib/slack-index.js';
import { round, summarize } from '../lib/stats.js';
import { echoJob, sleep, startWorld, until, type World } from '../lib/world.js';

const DISPATCHES = Number(process.env.BENCH_SCALE_DISPATCHES ?? 1000);
const CLUSTERS = ['alpha', 'beta'];
const NAMESPACES = ['team-1', 'team-2', 'team-3', 'team-4'];
const SLEEP_S = 600;
const FAST_SPEED = 60;
const API_CONCURRENCY = 50;
/** After the last dispatch finished, how long the Slack backlog may drain. */
const DRAIN_WINDOW_MS = { limited: 60_000, unlimited: 180_000 };
const TERMINAL = "('succeeded', 'failed', 'cancelled', 'failed_to_start')";

const targets = CLUSTERS.flatMap((cluster) => NAMESPACES.map((namespace) => ({ cluster, namespace })));
const defName = (t: { cluster: string; namespace: string }) => `scale-${t.cluster}-${t.namespace}`;
const channelOf = (namespace: string) => `C0TEAM000${namespace.slice(-1)}`;

function count(db: Database.Database, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

async function scaleRun(limited: boolean): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const world: World = await startWorld({
    slackLimits: limited,
    // Jobbot never reads core/v1 Events; recording them would only load the emulator.
    kube: { speed: 1, namespaces: NAMESPACES, events: false },
    jobs: targets.map((t) => ({
      yaml: echoJob(defName(t), `echo started; sleep ${SLEEP_S}; echo done`),
      ...t,
    })),
    // Without Slack's limits Jobbot need not pace its calls to them: that run measures Jobbot alone.
    env: { JOBBOT_API_RATE_PER_MINUTE: '1000000', ...(limited ? {} : { JOBBOT_SLACK_PACING: 'false' }) },
  });
  const label = limited ? 'Slack limits on' : 'Slack unlimited';
  for (const ns of NAMESPACES)
    world.slack.addChannel({ id: channelOf(ns), name: ns, members: ['U0ALICE001', 'U0BOB00001'] });
  const timeline = new KubeTimeline(world.kube);
  const db = new Database(world.jobbot.dbPath, { readonly: true });
  // The emulators live in this process: if its event loop lags, they answer late and that is no
  // fault of Jobbot's. Both loops are measured.
  const runnerLoop = monitorEventLoopDelay({ resolution: 20 });
  runnerLoop.enable();
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, world.jobbot.memory().rssBytes);
  }, 250);
  try {
    const token = await world.token('bench-scale');
    const idleRss = world.jobbot.memory().rssBytes;
    const census = new RequestCensus(world.kube);
    const cpuStart = world.jobbot.cpuSeconds();

    // Dispatch 1,000 through the API, API_CONCURRENCY at a time.
    const started = Date.now();
    const apiMs: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: API_CONCURRENCY }, async () => {
        while (next < DISPATCHES) {
          const i = next++;
          const t = targets[i % targets.length]!;
          const res = await world.api('POST', `/api/v1/jobs/${defName(t)}/dispatches`, token, {
            channel: channelOf(t.namespace),
          });
          if (res.status !== 201) throw new Error(`dispatch ${i} answered ${res.status}: ${res.text}`);
          apiMs.push(res.ms);
        }
      }),
    );
    const dispatchedMs = Date.now() - started;
    await until(() => timeline.running >= DISPATCHES, 180_000, `${DISPATCHES} pods running`, 100);
    const allRunningMs = Date.now() - started;
    // Let Jobbot catch up with the last pods before reading its footprint.
    await sleep(2000);
    const watches = openWatches(world.kube);
    const byTarget = watchesByTarget(world.kube);
    const rssAllRunning = world.jobbot.memory().rssBytes;
    const cpuAllRunning = world.jobbot.cpuSeconds();
    const jobbotLoopStarting = await world.eventLoopLag();
    const requestsWhileRunning = census.total;

    world.kube.clock.setSpeed(FAST_SPEED);
    await until(
      () => count(db, `select count(*) as n from dispatches where state in ${TERMINAL}`) >= DISPATCHES,
      240_000,
      'every dispatch to finish',
      250,
    );
    const finishedMs = Date.now() - started;
    const drainStart = Date.now();
    const window = limited ? DRAIN_WINDOW_MS.limited : DRAIN_WINDOW_MS.unlimited;
    while (
      Date.now() - drainStart < window &&
      count(db, 'select count(*) as n from outbox where delivered_at is null') +
        count(db, 'select count(*) as n from slack_batches where done_at is null') >
        0
    )
      await sleep(250);
    const endMs = Date.now() - started;
    const cpuEnd = world.jobbot.cpuSeconds();
    const pending = count(db, 'select count(*) as n from outbox where delivered_at is null');
    const jobbotLoopFinishing = await world.eventLoopLag();
    runnerLoop.disable();
    const outboxTotal = count(db, 'select count(*) as n from outbox');
    const batched = count(db, 'select count(*) as n from batch_members');
    const states = db.prepare('select state, count(*) as n from dispatches group by state').all();

    // Event → Slack latencies.
    const deliveries = indexDeliveries(world.slack);
    const latency = { running: [] as number[], verdict: [] as number[], status: [] as number[] };
    // Where a batch member's latency went: until Jobbot recorded the change, then until Slack had it.
    const samples: Sample[] = [];
    const split = { noticed: [] as number[], told: [] as number[] };
    const recorded = new Map<string, number>();
    for (const c of db.prepare('select dispatch_number as n, state, at from batch_changes').all() as {
      n: number;
      state: string;
      at: string;
    }[]) {
      const k = `${c.n}/${c.state === 'running' ? 'running' : 'verdict'}`;
      if (!recorded.has(k)) recorded.set(k, Date.parse(c.at));
    }
    const splitAt = (n: number, kind: 'running' | 'verdict', event: number, told: number | undefined) => {
      const at = recorded.get(`${n}/${kind}`);
      if (at === undefined || told === undefined) return;
      split.noticed.push(at - event);
      split.told.push(told - at);
      samples.push([n, kind, event, at, told]);
    };
    const numbers = db
      .prepare('select number, definition_name as d, cluster, namespace, job_name as j from dispatches')
      .all() as {
      number: number;
      cluster: string;
      namespace: string;
      j: string;
    }[];
    for (const row of numbers) {
      const d = deliveries.get(row.number);
      const jobKey = KubeTimeline.key(row.cluster, row.namespace, row.j);
      const done = timeline.jobFinished.get(jobKey);
      // "Running: pod P started." names the pod; a bare "Running." does not (the Job was seen active
      // before its pod was), and then the Job's first running pod is the event.
      const reply = d?.replies.find((r) => r.text.startsWith('Running'));
      const pod = reply ? /pod (\S+) started/.exec(reply.text)?.[1] : undefined;
      const podRunning = pod
        ? timeline.podRunning.get(KubeTimeline.key(row.cluster, row.namespace, pod))
        : [...timeline.podRunning].find(([k]) => k.startsWith(`${jobKey}-`))?.[1];
      // A dispatch in its channel's batch is told there: running, or straight away its verdict.
      const told = earliest(reply, d && batchRunning(d));
      if (podRunning !== undefined) {
        latency.running.push(told ? told.at - podRunning : Number.POSITIVE_INFINITY);
        splitAt(row.number, 'running', podRunning, told?.at);
      }
      if (done !== undefined) {
        const inBatch = d && batchVerdict(d);
        const v = earliest(d && verdictReply(d), inBatch);
        const u = earliest(d && finalUpdate(d), inBatch);
        latency.verdict.push(v ? v.at - done : Number.POSITIVE_INFINITY);
        splitAt(row.number, 'verdict', done, inBatch?.at);
        latency.status.push(u ? u.at - done : Number.POSITIVE_INFINITY);
      }
    }
    if (process.env.BENCH_DUMP)
      dumpRun(`${process.env.BENCH_DUMP}-${limited ? 'limited' : 'unlimited'}`, samples, world);
    const all = summarize([...latency.running, ...latency.verdict, ...latency.status]);
    const slackCalls: Record<string, { ok: number; limited: number }> = {};
    const postsPerChannel: Record<string, number> = {};
    for (const c of world.slack.calls) {
      const s = slackCalls[c.method] ?? { ok: 0, limited: 0 };
      slackCalls[c.method] = s;
      if (c.status === 429) s.limited++;
      else s.ok++;
      if (c.method === 'chat.postMessage' && c.status === 200) {
        const ch = String(c.args.channel);
        postsPerChannel[ch] = (postsPerChannel[ch] ?? 0) + 1;
      }
    }
    const delivered = [...latency.running, ...latency.verdict, ...latency.status].filter(
      Number.isFinite,
    ).length;
    const expectedWatches = targets.length * 2;
    const onePerTarget =
      Object.keys(byTarget).length === expectedWatches && Object.values(byTarget).every((n) => n === 1);
    const peak = Math.max(peakRss, world.jobbot.memory().peakRssBytes);
    const perDispatch = census.total / DISPATCHES;
    const data = {
      dispatches: DISPATCHES,
      targets: targets.length,
      maxPodsRunningAtOnce: timeline.maxRunning,
      apiDispatchMs: summarize(apiMs),
      secondsToDispatchAll: dispatchedMs / 1000,
      secondsToAllRunning: allRunningMs / 1000,
      secondsToAllFinished: finishedMs / 1000,
      secondsToEnd: endMs / 1000,
      openWatches: watches.length,
      watchesByTarget: byTarget,
      kubeRequests: census.total,
      kubeRequestsWhileStartingAndRunning: requestsWhileRunning,
      kubeRequestsPerDispatch: perDispatch,
      kubeRequestsByKind: census.byKind(),
      rss: { idle: idleRss, allRunning: rssAllRunning, peak },
      // Jobbot's CPU seconds: dispatching until all run, then finishing and draining the Slack backlog.
      cpuSeconds: {
        toAllRunning: cpuAllRunning - cpuStart,
        finishingAndDraining: cpuEnd - cpuAllRunning,
        total: cpuEnd - cpuStart,
        busyShareOfOneCore: (cpuEnd - cpuStart) / (endMs / 1000),
      },
      eventLoopLagMs: {
        jobbotWhileStarting: jobbotLoopStarting,
        jobbotWhileFinishing: jobbotLoopFinishing,
        runner: { p99: runnerLoop.percentile(99) / 1e6, max: runnerLoop.max / 1e6 },
      },
      loadAverage: os.loadavg(),
      latencyMs: {
        all,
        podRunningToReply: summarize(latency.running),
        completeToVerdictReply: summarize(latency.verdict),
        completeToStatusUpdate: summarize(latency.status),
        batchMembers: { eventToRecorded: summarize(split.noticed), recordedToSlack: summarize(split.told) },
      },
      outbox: { total: outboxTotal, pendingAtEnd: pending, drainWindowMs: window },
      dispatchesInBatches: batched,
      dispatchStates: states,
      slackCalls,
      postsPerChannel,
      eventMessagesDelivered: delivered,
      slackRateLimitedByEmulator: Object.fromEntries(world.limits?.limited ?? []),
      slackCallsPerSecondDelivered:
        world.slack.calls.filter((c) => c.status === 200).length / ((Date.now() - started) / 1000),
    };
    census.stop();
    // The database once Jobbot has stopped (and checkpointed its WAL): what 1,000 dispatches cost.
    db.close();
    await world.jobbot.stop();
    const size = databaseSize(world.jobbot.dbPath);
    Object.assign(data, {
      database: size,
      databaseBytesPerDispatch: size.bytes / DISPATCHES,
    });
    const rows: Row[] = [
      {
        section: `3 scale (${label})`,
        measure: `event → Slack latency, ${DISPATCHES} dispatches (n=${all.n})`,
        result: `p50 ${ms(all.p50)} · p99 ${ms(all.p99)} · max ${ms(all.max)}${pending ? ` · ${Math.round((100 * delivered) / all.n)}% delivered, ${pending} msgs still queued ${window / 1000} s after the last Job ended` : ''}`,
        ...(limited ? { target: 'p99 < 1 s, limits honoured', met: all.p99 < 1000 } : {}),
      },
      {
        section: `3 scale (${label})`,
        measure: 'Jobbot CPU: to all running + finishing/draining; RSS peak',
        result: `${round(cpuAllRunning - cpuStart, 1)} s + ${round(cpuEnd - cpuAllRunning, 1)} s in ${round(endMs / 1000, 1)} s; ${mib(peak)}`,
      },
    ];
    if (!limited) {
      rows.push(
        {
          section: '3 scale',
          measure: `open watches, ${timeline.maxRunning} pods running at once`,
          result: `${watches.length} (${Object.keys(byTarget).length} cluster/namespace/resource targets)`,
          target: `${expectedWatches}: one per target`,
          met: onePerTarget,
        },
        {
          section: '3 scale',
          measure: 'Kubernetes requests per dispatch',
          result: `${round(perDispatch, 1)} (${census.total} in all)`,
        },
        {
          section: '3 scale',
          measure: `Jobbot RSS: idle → ${DISPATCHES} running → peak`,
          result: `${mib(idleRss)} → ${mib(rssAllRunning)} → ${mib(peak)}`,
        },
        {
          section: '3 scale',
          measure: 'database bytes per dispatch (record, timeline, log, outbox, audit)',
          result: `${(size.bytes / DISPATCHES / 1024).toFixed(1)} KiB (${mib(size.bytes)} for ${DISPATCHES})`,
        },
      );
    }
    return { rows, data };
  } finally {
    clearInterval(sampler);
    timeline.stop();
    if (db.open) db.close();
    await world.close();
  }
}

/** A batch member's event: dispatch, kind, when it happened, Jobbot recorded it, Slack had it (ms). */
type Sample = [number, 'running' | 'verdict', number, number, number];

/**
 * BENCH_DUMP=PREFIX: each run's samples (PREFIX-limited.json) and Slack calls (PREFIX-limited-calls.json),
 * to see where a latency went, call by call.
 */
function dumpRun(prefix: string, samples: Sample[], world: World): void {
  writeFileSync(`${prefix}.json`, JSON.stringify(samples));
  const calls = world.slack.calls.map((c) => ({
    method: c.method,
    at: c.time,
    status: c.status,
    channel: c.args.channel,
    ts: c.args.ts ?? (c.response as { ts?: string }).ts,
    thread: c.args.thread_ts,
    text: String(c.args.text ?? '').slice(0, 60),
  }));
  writeFileSync(`${prefix}-calls.json`, JSON.stringify(calls));
}

/**
 * The least time Slack's published limits allow for delivering what Jobbot sent for the burst (counted
 * in the unlimited run): posts go one a second per channel, chat.update 50 a minute, each file call
 * 100 a minute, each after its burst allowance. No delivery order can beat the slowest of these.
 */
function slackFloorSeconds(d: Record<string, unknown>): Record<string, number> {
  const calls = d.slackCalls as Record<string, { ok: number }>;
  const perChannel = d.postsPerChannel as Record<string, number>;
  const { perMethod, perChannel: channelLimits } = SLACK_RATE_LIMITS;
  const drain = (n: number, b: { perMinute: number; burst: number }) =>
    (Math.max(0, n - b.burst) * 60) / b.perMinute;
  const floors: Record<string, number> = {
    'chat.postMessage (busiest channel)': drain(
      Math.max(0, ...Object.values(perChannel)),
      channelLimits['chat.postMessage']!,
    ),
  };
  for (const m of ['chat.update', 'files.getUploadURLExternal', 'files.completeUploadExternal']) {
    floors[m] = drain(calls[m]?.ok ?? 0, perMethod[m]!);
  }
  return floors;
}

export async function scaleSection(): Promise<SectionResult> {
  const unlimited = await scaleRun(false);
  const limited = await scaleRun(true);
  const floor = slackFloorSeconds(unlimited.data);
  const slowest = Math.max(...Object.values(floor));
  const perDispatch = Object.values(unlimited.data.slackCalls as Record<string, { ok: number }>).reduce(
    (n, c) => n + c.ok,
    0,
  );
  return {
    name: 'scale',
    rows: [
      ...unlimited.rows,
      ...limited.rows,
      {
        section: '3 scale',
        measure: `least time Slack's limits allow to deliver the burst (${round(perDispatch / DISPATCHES, 1)} calls per dispatch)`,
        result: `${Math.round(slowest / 60)} min (${Object.entries(floor)
          .map(([k, v]) => `${k} ${Math.round(v / 60)} min`)
          .join(', ')})`,
      },
    ],
    data: { unlimited: unlimited.data, limited: limited.data, slackFloorSeconds: floor },
  };
}
