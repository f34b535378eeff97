/**
 * JobWatcher when the watch breaks: streams ended by the server (resumed), cut connections, an
 * expired resourceVersion (410: re-list, no transition missed across the gap) and a failing watch
 * (restarted with a fresh list after a growing backoff).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchRef, JobWatcher } from '../../src/kube/watcher.js';
import { behaviours as b } from '../support/kube/index.js';
import { dispatchJob, type Fixture, startFixture, until } from './helpers.js';

let f: Fixture;
let w: JobWatcher;

beforeAll(async () => {
  f = await startFixture({ clusters: ['alpha'], namespaces: ['drop', 'cut', 'gap', 'fail'] });
  f.emu.behave({ job: /^forever-/ }, b.runForever());
  f.emu.behave({ job: /^slow-/ }, b.succeed(10));
});

afterEach(() => {
  w?.close();
  f.emu.clock.setSpeed(100);
});

afterAll(async () => {
  await f.close();
});

async function start(ns: string, opts: { initialBackoffMs?: number } = {}): Promise<DispatchRef[]> {
  w = new JobWatcher(f.registry, f.log, {
    initialBackoffMs: opts.initialBackoffMs ?? 50,
    maxBackoffMs: 1_000,
    random: () => 0.5,
  });
  const seen: DispatchRef[] = [];
  w.onChange((ref) => seen.push(ref));
  w.watch('alpha', ns);
  await until(() => w.isSynced('alpha', ns), `the first list of ${ns}`);
  return seen;
}

const requests = (ns: string, kind: 'jobs' | 'pods', watch: boolean) =>
  f.emu.requests.filter(
    (r) =>
      r.path.endsWith(`/namespaces/${ns}/${kind}`) &&
      r.method === 'GET' &&
      (r.query.watch === 'true') === watch,
  );
const create = (ns: string, n: number, definition = 'forever') =>
  f.jobs.createJob('alpha', dispatchJob(n, { definition, namespace: ns }));
const hasJob = (ns: string, n: number) => w.snapshot('alpha', ns, n).job !== undefined;
const warnings = (ns: string) =>
  f.logLines.filter((l) => l.level === 'warn' && l.msg.startsWith('watch failed') && l.namespace === ns);

describe('JobWatcher recovery', () => {
  it('resumes a watch the server ended, from where it was, without a re-list', async () => {
    const seen = await start('drop');
    const watches = requests('drop', 'jobs', true).length;
    expect(f.emu.dropWatches()).toBeGreaterThanOrEqual(2);
    await until(() => requests('drop', 'jobs', true).length > watches, 'the watch to reopen');
    await create('drop', 1);
    await until(() => hasJob('drop', 1) && seen.some((r) => r.dispatch === 1), 'the change after the drop');
    expect(requests('drop', 'jobs', false)).toHaveLength(1);
    expect(w.isSynced('alpha', 'drop')).toBe(true);
  });

  it('restarts after a cut connection and still delivers changes', async () => {
    const seen = await start('cut');
    const watches = requests('cut', 'pods', true).length;
    f.emu.dropWatches({ abrupt: true });
    await until(() => requests('cut', 'pods', true).length > watches, 'the pods watch to reopen');
    await create('cut', 1);
    await until(
      () =>
        w.isSynced('alpha', 'cut') &&
        w.snapshot('alpha', 'cut', 1).pods.length > 0 &&
        seen.some((r) => r.dispatch === 1),
      'the change after the cut',
    );
  });

  it('re-lists after 410 Expired and misses no transition made while the watch was away', async () => {
    f.emu.clock.setSpeed(0);
    await create('gap', 1);
    await create('gap', 2, 'slow');
    f.emu.clock.advance(2_000);
    const seen = await start('gap');
    await until(() => w.snapshot('alpha', 'gap', 2).pods[0]?.status?.phase === 'Running', 'slow-2 running');
    const gone: string[] = [];
    w.onChange((ref) => {
      const s = w.snapshot(ref.cluster, ref.namespace, ref.dispatch);
      if (s.jobDeleted) gone.push(s.job?.metadata?.name ?? '');
    });
    const lists = requests('gap', 'jobs', false).length;

    // Hold the re-watches while the cluster moves on and forgets the history behind them.
    for (const kind of ['jobs', 'pods'])
      f.emu.failNext(1, {
        method: 'GET',
        path: new RegExp(`/namespaces/gap/${kind}$`),
        delayMs: 400,
        delayOnly: true,
      });
    f.emu.dropWatches();
    await f.jobs.deleteJob('alpha', 'gap', 'forever-1');
    await create('gap', 3);
    f.emu.clock.advance(15_000);
    f.emu.expireWatchesBefore(f.emu.resourceVersion);
    seen.length = 0;

    await until(() => requests('gap', 'jobs', false).length > lists, 'the re-list');
    // Jobs and pods are two streams, each re-listing on its own: both must have caught up.
    await until(
      () =>
        hasJob('gap', 3) &&
        w.isSynced('alpha', 'gap') &&
        w.snapshot('alpha', 'gap', 2).pods[0]?.status?.phase !== 'Running',
      'the state after the gap',
    );
    const slow = w.snapshot('alpha', 'gap', 2);
    expect(slow.job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(
      true,
    );
    expect(slow.pods.map((p) => p.status?.phase)).toEqual(['Succeeded']);
    expect(w.snapshot('alpha', 'gap', 1).job).toBeUndefined();
    expect(gone).toEqual(['forever-1']);
    await until(
      () => [1, 2, 3].every((n) => seen.some((r) => r.dispatch === n)),
      'a change for each dispatch',
    );
    // ListWatch handled the 410 itself: no failure, no restart.
    expect(warnings('gap')).toEqual([]);
  });

  it('restarts a failing watch with a fresh list after a growing backoff', async () => {
    const seen = await start('fail', { initialBackoffMs: 100 });
    f.emu.clearRequests();
    // The re-watch fails, then the first two re-lists of the restarts.
    f.emu.failNext(3, { method: 'GET', path: /\/namespaces\/fail\/jobs$/, status: 500 });
    f.emu.dropWatches();
    await until(() => warnings('fail').length === 3, 'three failures');
    await until(() => w.isSynced('alpha', 'fail'), 'recovery');
    const jobs = f.emu.requests.filter((r) => r.path.endsWith('/namespaces/fail/jobs'));
    expect(jobs.map((r) => `${r.query.watch ? 'watch' : 'list'} ${r.status}`)).toEqual([
      'watch 500',
      'list 500',
      'list 500',
      'list 200',
      'watch 200',
    ]);
    const gaps = jobs.slice(1, 4).map((r, i) => r.receivedAt - jobs[i]!.receivedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(warnings('fail').map((l) => [l.error, l.failures, l.retryInMs])).toEqual([
      ['HTTP 500', 1, 100],
      ['HTTP 500', 2, 200],
      ['HTTP 500', 3, 400],
    ]);
    expect(f.logLines.some((l) => l.msg === 'watch resumed after a re-list' && l.kind === 'jobs')).toBe(true);

    await create('fail', 1);
    await until(() => hasJob('fail', 1) && seen.some((r) => r.dispatch === 1), 'a change after the restart');
  });
});
