/**
 * 1. Acknowledgement latency of signed slash commands, in bursts of 1, 50 and 200 at once. Slack
 * shows "operation_timeout" to the person after 3 s; the target is p99 under 100 ms at 200.
 *
 * Three commands: `/job run hello --yes` (the heaviest: the dispatch is recorded, audited and queued for
 * Slack, and its Job is created in the background) and `/job history` (a database query rendered as
 * blocks), and `/job help` as the floor (Bolt and routing, no database). Jobbot acknowledges a command
 * empty right after the signature check and posts its answer to the command's response_url afterwards
 * (src/slack/receiver.ts), so the time measured is to the acknowledgement; every answer is then
 * checked too (a burst's answers are awaited before the next burst). Every `run` really dispatches,
 * so the later bursts are acknowledged while Jobbot follows the earlier Jobs and works through a Slack
 * backlog under Slack's rate limits: "however busy it is".
 */

import { BurstClient, type BurstRequest, serialize } from '../lib/burst.js';
import { ms, type Row, type SectionResult } from '../lib/report.js';
import { summarize } from '../lib/stats.js';
import { echoJob, request, startWorld } from '../lib/world.js';

const LEVELS = [
  { concurrency: 1, bursts: 100 },
  { concurrency: 50, bursts: 10 },
  { concurrency: 200, bursts: 10 },
];
interface Command {
  label: string;
  text?: string;
  /** Requests made before measuring: JIT, prepared statements, caches. */
  warmup: 'each-user' | number;
}
const COMMANDS: Command[] = [
  // The floor of this harness: an HTTP round trip to Jobbot with no Slack work at all.
  { label: 'GET /healthz (HTTP floor)', warmup: 20 },
  // Bolt, the signature check and routing; no database.
  { label: '/job help', text: 'help', warmup: 20 },
  { label: '/job history', text: 'history', warmup: 20 },
  // Last, since every one really dispatches; warmed up once per person (the user-name cache).
  { label: '/job run hello --yes', text: 'run hello --yes', warmup: 'each-user' },
];
const USERS = Array.from({ length: 50 }, (_, i) => `U0BENCH${String(i).padStart(3, '0')}`);

export async function ackSection(): Promise<SectionResult> {
  const world = await startWorld({
    jobs: [{ yaml: echoJob('hello'), cluster: 'alpha', namespace: 'jobs' }],
  });
  const client = new BurstClient(Number(new URL(world.jobbot.url).port));
  try {
    for (const id of USERS) world.slack.addUser({ id, name: id.toLowerCase(), realName: `Bench ${id}` });
    const rows: Row[] = [];
    const data: Record<string, unknown> = {};
    // BENCH_ACK_ONLY=help,history: only the commands whose label contains one of these.
    const only = process.env.BENCH_ACK_ONLY?.split(',').filter(Boolean);
    for (const cmd of COMMANDS.filter((c) => !only || only.some((o) => c.label.includes(o)))) {
      const prepare = (user: string) => {
        if (cmd.text === undefined) return { request: { method: 'GET', path: '/healthz' } as BurstRequest };
        return world.slashRequest(cmd.text, user);
      };
      // Warmed up through the answer, so no warm-up command is still at work when measuring starts.
      const warm = async (user: string) => {
        const r = prepare(user);
        const res = await request(`${world.jobbot.url}${r.request.path}`, r.request.method, r.request);
        if ('responseUrl' in r) await world.answers([r]);
        return res;
      };
      if (cmd.warmup === 'each-user') for (const user of USERS) await warm(user);
      else for (let i = 0; i < cmd.warmup; i++) await warm(USERS[0]!);
      await world.eventLoopLag();
      for (const level of LEVELS) {
        const all: number[] = [];
        const byConnection = { new: [] as number[], keptAlive: [] as number[] };
        const perRequest: number[] = [];
        const burstMax: number[] = [];
        let first: number[] = [];
        let failures = 0;
        let failure: string | undefined;
        // Burst 0 is the warm-up: reported, not counted. Then new and kept-alive connections take turns.
        for (let b = 0; b <= level.bursts; b++) {
          const fresh = b % 2 === 1 || b === 0;
          const prepared = Array.from({ length: level.concurrency }, (_, i) =>
            prepare(USERS[(b * level.concurrency + i) % USERS.length]!),
          );
          const bytes = prepared.map((p) => serialize(p.request));
          const t = performance.now();
          const burst = await client.send(bytes, { fresh });
          const took = burst.map((r) => r.ms);
          // A burst is served one request at a time on Jobbot's event loop: its length over its size
          // is what one request costs, and p99 of a burst of N is about N times that.
          if (b > 0) perRequest.push((performance.now() - t) / level.concurrency);
          // An acknowledgement is empty; the answer (a message with text, no apology) comes after it.
          const answers =
            cmd.text === undefined
              ? burst.map(() => 'ok')
              : await world
                  .answers(prepared as { responseUrl: string }[])
                  .catch((err: Error) => burst.map(() => `no answer: ${err.message}`));
          for (const [i, r] of burst.entries()) {
            const answer = answers[i]!;
            const ackOk = r.status === 200 && (cmd.text === undefined || r.body === '');
            if (!ackOk || answer === '' || /went wrong|no answer/.test(answer)) {
              failures++;
              failure ??= `${r.status} ${r.body.slice(0, 100)} ${answer.slice(0, 300)}`;
            }
          }
          // Connections close while Jobbot is idle (as a keep-alive timeout closes them), not as the
          // next burst arrives: Jobbot would otherwise tear down 200 connections while setting up 200.
          if (b % 2 === 0) client.close();
          if (b === 0) first = took;
          else {
            all.push(...took);
            (fresh ? byConnection.new : byConnection.keptAlive).push(...took);
            burstMax.push(Math.round(Math.max(...took)));
          }
          // Let the burst's own aftermath (Job creation, Slack posts) overlap the next one only partly.
          await new Promise((r) => setTimeout(r, 100));
        }
        const s = summarize(all);
        const warmup = summarize(first);
        data[`${cmd.label} @${level.concurrency}`] = {
          ...s,
          newConnections: summarize(byConnection.new),
          keptAliveConnections: summarize(byConnection.keptAlive),
          msPerRequestInBurst: summarize(perRequest).p50,
          // The slowest acknowledgement of each counted burst, in order.
          burstMax,
          // The level's first burst, on new connections, right after the level before: not counted.
          warmupBurst: { p99: warmup.p99, max: warmup.max },
          // Slack gives up after 3 s and shows the person "operation_timeout".
          overSlackDeadline: [...all, ...first].filter((v) => v > 3000).length,
          failures,
          ...(failure ? { failure } : {}),
        };
        const gated = level.concurrency === 200 && cmd.text !== undefined;
        rows.push({
          section: '1 ack',
          measure: `${cmd.label}, ${level.concurrency} at once (n=${s.n})`,
          result: `p50 ${ms(s.p50)} · p99 ${ms(s.p99)} · max ${ms(s.max)} · warm-up max ${ms(warmup.max)}${failures ? ` · ${failures} failed` : ''}`,
          ...(gated ? { target: 'p99 < 100 ms', met: s.p99 < 100 && failures === 0 } : {}),
        });
      }
      client.close();
      data[`${cmd.label}: Jobbot event-loop lag`] = await world.eventLoopLag();
    }
    const mem = world.jobbot.memory();
    data.jobbotRssBytes = mem.rssBytes;
    data.jobbotPeakRssBytes = mem.peakRssBytes;
    data.slackRateLimited = Object.fromEntries(world.limits?.limited ?? []);
    return { name: 'ack', rows, data };
  } finally {
    client.close();
    await world.close();
  }
}
