/**
 * JobWatcher against the emulator: one Jobs watch and one Pods watch per cluster and namespace
 * however many dispatches, a change delivered for each dispatch, snapshots from the caches, the last
 * state of a deleted Job, independent clusters and namespaces, and close().
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchRef, JobWatcher } from '../../src/kube/watcher.js';
import { behaviours as b } from '../support/kube/index.js';
import { dispatchJob, type Fixture, startFixture, until } from './helpers.js';

let f: Fixture;
let w: JobWatcher;

beforeAll(async () => {
  f = await startFixture({ namespaces: ['bulk', 'life', 'one', 'two', 'shut', 'shared'] });
  f.emu.behave({ job: /^forever-/ }, b.runForever());
  f.emu.behave({ job: /^quick-/ }, b.succeed(3));
});

afterEach(() => {
  w?.close();
});

afterAll(async () => {
  await f.close();
});

function start(installation?: string): { seen: DispatchRef[]; keys: Set<string> } {
  w = new JobWatcher(f.registry, f.log, {
    initialBackoffMs: 50,
    maxBackoffMs: 200,
    ...(installation ? { installation } : {}),
  });
  const seen: DispatchRef[] = [];
  const keys = new Set<string>();
  w.onChange((ref) => {
    seen.push(ref);
    keys.add(`${ref.cluster}/${ref.namespace}/${ref.dispatch}`);
  });
  return { seen, keys };
}

const watchRequests = (cluster: string, ns: string, kind: 'jobs' | 'pods') =>
  f.emu.requests.filter(
    (r) => r.cluster === cluster && r.path.endsWith(`/namespaces/${ns}/${kind}`) && r.query.watch === 'true',
  );

const running = (cluster: string, ns: string, d: number) => {
  const s = w.snapshot(cluster, ns, d);
  return s.job !== undefined && s.pods.some((p) => p.status?.phase === 'Running');
};

describe('JobWatcher', () => {
  it('follows 50 dispatches of a namespace with one Jobs watch and one Pods watch', async () => {
    const { keys } = start();
    const create = (n: number) =>
      f.jobs.createJob('alpha', dispatchJob(n, { definition: 'forever', namespace: 'bulk' }));
    // Half exist before the watch starts: the first list reports them.
    for (let n = 1; n <= 25; n++) await create(n);
    for (let n = 1; n <= 50; n++) {
      w.watch('alpha', 'bulk');
      if (n > 25) await create(n);
    }
    const all = Array.from({ length: 50 }, (_, i) => i + 1);
    await until(() => all.every((n) => running('alpha', 'bulk', n)), 'all 50 dispatches running', 10_000);
    expect(all.every((n) => keys.has(`alpha/bulk/${n}`))).toBe(true);
    expect(w.isSynced('alpha', 'bulk')).toBe(true);

    const jobs = watchRequests('alpha', 'bulk', 'jobs');
    const pods = watchRequests('alpha', 'bulk', 'pods');
    expect([jobs.length, pods.length]).toEqual([1, 1]);
    expect(jobs[0]!.query.labelSelector).toBe('app.kubernetes.io/managed-by=jobbot');
    expect(pods[0]!.query.labelSelector).toBe('app.kubernetes.io/managed-by=jobbot');
    const lists = f.emu.requests.filter(
      (r) => r.path.includes('/namespaces/bulk/') && r.query.watch !== 'true',
    );
    expect(lists.filter((r) => r.method === 'GET')).toHaveLength(2);
    const snap = w.snapshot('alpha', 'bulk', 7);
    expect(snap.job?.metadata?.name).toBe('forever-7');
    expect(snap.pods.map((p) => p.metadata?.labels?.['job-name'])).toEqual(['forever-7']);
  });

  it('delivers each step of a dispatch, and a deleted Job once with its last state', async () => {
    const { seen } = start();
    const states: string[] = [];
    w.onChange((ref) => {
      const s = w.snapshot(ref.cluster, ref.namespace, ref.dispatch);
      const done =
        s.job?.status?.conditions?.find((c) => c.status === 'True' && ['Complete', 'Failed'].includes(c.type))
          ?.type ?? 'open';
      states.push(`${s.jobDeleted ? 'deleted' : s.job ? 'job' : 'none'}:${done}`);
    });
    w.watch('alpha', 'life');
    await until(() => w.isSynced('alpha', 'life'), 'the first list');
    expect(w.snapshot('alpha', 'life', 1)).toEqual({
      job: undefined,
      jobDeleted: false,
      pods: [],
      synced: true,
    });

    await f.jobs.createJob('alpha', dispatchJob(1, { definition: 'quick', namespace: 'life' }));
    await until(() => states.includes('job:Complete'), 'the Complete condition');
    expect(states[0]).toBe('job:open');
    expect(seen.every((r) => r.cluster === 'alpha' && r.namespace === 'life' && r.dispatch === 1)).toBe(true);

    await f.jobs.deleteJob('alpha', 'life', 'quick-1');
    await until(() => states.includes('deleted:Complete'), 'the deletion with the last state');
    // Delivered: the tombstone is gone, and the pods go too (background propagation).
    expect(w.snapshot('alpha', 'life', 1).job).toBeUndefined();
    await until(() => w.snapshot('alpha', 'life', 1).pods.length === 0, 'the pods to go');
    expect(states.filter((s) => s.startsWith('deleted'))).toHaveLength(1);
  });

  it('keeps clusters and namespaces apart', async () => {
    const { keys } = start();
    for (const [cluster, ns] of [
      ['alpha', 'one'],
      ['alpha', 'two'],
      ['beta', 'one'],
    ] as const)
      w.watch(cluster, ns);
    await f.jobs.createJob('alpha', dispatchJob(1, { definition: 'forever', namespace: 'one' }));
    await f.jobs.createJob('beta', dispatchJob(1, { definition: 'forever', namespace: 'one' }));
    await f.jobs.createJob('alpha', dispatchJob(2, { definition: 'forever', namespace: 'two' }));
    await until(
      () => running('alpha', 'one', 1) && running('beta', 'one', 1) && running('alpha', 'two', 2),
      'the three dispatches',
    );
    expect([...keys].sort()).toEqual(['alpha/one/1', 'alpha/two/2', 'beta/one/1']);
    expect(w.snapshot('alpha', 'two', 1).job).toBeUndefined();
    expect(w.snapshot('alpha', 'one', 1).job?.metadata?.uid).not.toBe(
      w.snapshot('beta', 'one', 1).job?.metadata?.uid,
    );
    expect(w.snapshot('gamma', 'one', 1)).toMatchObject({ job: undefined, synced: false });
    expect(() => w.watch('gamma', 'one')).toThrow(/no cluster named gamma/);

    // One cluster going away leaves the other followed.
    await f.emu.cluster('beta').setUnreachable();
    await until(() => !w.isSynced('beta', 'one'), 'beta to be out of sync');
    keys.clear();
    await f.jobs.createJob('alpha', dispatchJob(3, { definition: 'forever', namespace: 'one' }));
    await until(() => running('alpha', 'one', 3), 'a change in alpha while beta is away');
    expect(w.isSynced('alpha', 'one')).toBe(true);
    expect([...keys].every((k) => k.startsWith('alpha/'))).toBe(true);
    await f.emu.cluster('beta').setReachable();
    await until(() => w.isSynced('beta', 'one'), 'beta back in sync');
    expect(w.snapshot('beta', 'one', 1).job?.metadata?.name).toBe('forever-1');
  });

  it("sees only its own installation's Jobs and pods, and those made before installations had ids", async () => {
    const { keys } = start('aaaa');
    w.watch('alpha', 'shared');
    // Another installation's dispatch 1 (its own definition name), ours, and one without an id.
    const job = (n: number, definition: string, installation?: string) =>
      f.jobs.createJob(
        'alpha',
        dispatchJob(n, { definition, namespace: 'shared', ...(installation ? { installation } : {}) }),
      );
    await job(1, 'forever-theirs', 'bbbb');
    await job(1, 'forever-ours', 'aaaa');
    await job(2, 'forever-old');
    await until(() => running('alpha', 'shared', 1) && running('alpha', 'shared', 2), 'both running');
    const one = w.snapshot('alpha', 'shared', 1);
    expect(one.job?.metadata?.name).toBe('forever-ours-1');
    expect(one.pods.map((p) => p.metadata?.labels?.['job-name'])).toEqual(['forever-ours-1']);
    expect(w.snapshot('alpha', 'shared', 2).job?.metadata?.name).toBe('forever-old-2');
    expect([...keys].filter((k) => k.startsWith('alpha/shared/')).sort()).toEqual([
      'alpha/shared/1',
      'alpha/shared/2',
    ]);
  });

  it('close() stops watches, restarts and deliveries', async () => {
    const { seen } = start();
    w.watch('alpha', 'shut');
    w.watch('beta', 'shut');
    await until(() => w.isSynced('alpha', 'shut') && w.isSynced('beta', 'shut'), 'both synced');
    // beta fails, so a restart is pending when the watcher closes.
    await f.emu.cluster('beta').setUnreachable();
    await until(() => !w.isSynced('beta', 'shut'), 'beta to fail');
    w.close();
    await until(() => f.emu.cluster('alpha').watches.openCount === 0, 'the alpha watches to end');
    await f.emu.cluster('beta').setReachable();
    const after = f.emu.requests.length;
    const count = seen.length;
    await f.jobs.createJob('alpha', dispatchJob(1, { definition: 'forever', namespace: 'shut' }));
    await f.emu.waitFor(() => f.emu.pods('shut').length > 0, { what: 'a pod' });
    await new Promise((r) => setTimeout(r, 500));
    expect(f.emu.requests.slice(after).filter((r) => r.query.watch === 'true' || r.method === 'GET')).toEqual(
      [],
    );
    expect(seen.length).toBe(count);
    expect(f.emu.cluster('beta').watches.openCount).toBe(0);
    expect(w.isSynced('alpha', 'shut')).toBe(false);
    w.watch('alpha', 'shut');
    expect(f.emu.cluster('alpha').watches.openCount).toBe(0);
  });
});
