/**
 * The shared watch breaks in every way the API server and the network break it, while dispatches run:
 * streams ended by the server, connections cut, 410 Expired (history compacted past the watch's
 * position), and watches that stay open but go silent (a connection dropped by a proxy). Jobbot
 * re-watches or re-lists each time and misses no transition: every pod failure is in the thread and
 * every verdict is right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledTiming } from '../../src/timing.js';
import { type Harness, startHarness } from '../support/harness.js';
import { behaviours as b } from '../support/kube/index.js';
import { defineJob } from '../support/seed.js';
import { shownLines } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import {
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  NAMESPACE,
  readDispatches,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

const SPEED = 20;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    kube: { speed: SPEED, bookmarkIntervalSeconds: 5 },
    // A silent watch is given up after 1.5 s of real time (the emulator bookmarks every 0.25 s).
    timing: scaledTiming(SPEED, { watchSilenceMs: 1_500, watchTimeoutSeconds: 60 }),
  });
  const define = (yaml: string) =>
    defineJob(
      h.env.JOBBOT_DB!,
      yaml,
      { cluster: 'alpha', namespace: NAMESPACE },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
    );
  define(jobYaml('flaky', 'echo flaky', '  backoffLimit: 3\n'));
  define(jobYaml('steady', 'sleep 40; echo steady done'));
  define(jobYaml('doomed', 'echo doomed', '  backoffLimit: 1\n'));
  // The last pod runs longer than any watch gap below, so each failure is seen before the Job ends.
  h.kube!.behave({ job: /^flaky-/ }, [b.fail(3, 20), b.fail(3, 20), b.succeed(80)]);
  h.kube!.behave({ job: /^doomed-/ }, b.fail(7, 20));
});
afterAll(async () => {
  await h?.stop();
});

/** Lists of Jobs (not watches) since `from` (real time). */
const listsSince = (from: number) =>
  h.kube!.requests.filter(
    (r) => r.receivedAt >= from && r.method === 'GET' && r.path.endsWith('/jobs') && r.query.watch !== 'true',
  ).length;

describe('watches that break', () => {
  it('misses no transition while watches are dropped, cut, expired and silenced', async () => {
    const numbers = [
      await run(h.driver, 'run flaky --yes'),
      await run(h.driver, 'run steady --yes'),
      await run(h.driver, 'run doomed --yes'),
    ];
    const alpha = h.kube!.cluster('alpha');
    const faults = [
      () => alpha.dropWatches(),
      () => alpha.dropWatches({ abrupt: true }),
      () => alpha.expireWatchesBefore(alpha.resourceVersion, { closeOpen: true }),
      () => alpha.muteWatches(),
    ];
    for (let i = 0; i < 16; i++) {
      const ds = readDispatches(h.env.JOBBOT_DB!, numbers);
      if (ds.every((d) => ['succeeded', 'failed'].includes(d.state))) break;
      faults[i % faults.length]!();
      await new Promise((r) => setTimeout(r, 400));
    }
    const done = await untilFinished(h.env.JOBBOT_DB!, numbers, 20_000);
    await untilDelivered(h.env.JOBBOT_DB!);
    expect(done.map((d) => [d.definitionName, d.state])).toEqual([
      ['flaky', 'succeeded'],
      ['steady', 'succeeded'],
      ['doomed', 'failed'],
    ]);
    const [flaky, , doomed] = done;
    // Moments that waited for Slack together share a reply, or open the verdict's: lines, not messages.
    const replies = (d: (typeof done)[number]) =>
      h.slack.thread(d.channel!, d.messageTs!).flatMap((m) => shownLines(m));
    expect(
      replies(flaky!).filter((t) => /^Pod flaky-\d+-\w+ failed \(exit code 3\); retrying/.test(t)),
    ).toHaveLength(2);
    expect(doomed!.verdict).toMatch(/^Failed: BackoffLimitExceeded \(2 pods failed\)/);
    for (const d of done) expectCleanThread(h.slack, h.env.JOBBOT_DB!, d);
    await expectNothingLeft(h.kube!, done);
  });

  it('re-lists a watch that stays open but goes silent', async () => {
    const n = await run(h.driver, 'run steady --yes');
    await waitFor(() => readDispatches(h.env.JOBBOT_DB!, [n])[0]!.state === 'running', 10_000, 'running');
    const alpha = h.kube!.cluster('alpha');
    const before = Date.now();
    // Only silence: no error, no end. Without the watchdog the dispatch would show running for ever.
    let muted = 0;
    const silence = () => {
      muted += alpha.muteWatches();
      return muted >= 2;
    };
    await waitFor(silence, 5_000, "both of Jobbot's watches to be silenced");
    const [d] = await untilFinished(h.env.JOBBOT_DB!, [n], 15_000);
    expect(d!.state).toBe('succeeded');
    expect(listsSince(before)).toBeGreaterThanOrEqual(1);
    await untilDelivered(h.env.JOBBOT_DB!);
    expectCleanThread(h.slack, h.env.JOBBOT_DB!, d!);
  });
});
