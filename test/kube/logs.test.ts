/**
 * gatherPodLogs against the emulator: every container of every pod named in its read, init
 * containers, the previous run of a restarted container, failed and retried pods, a container that
 * never started, head and end kept within maxBytes, and retries of transient failures that never
 * fail the whole. Streaming, large logs and the stale-status race are in log-stream.test.ts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobbotSelector } from '../../src/domain/definition/index.js';
import { type GatherOptions, gatherPodLogs } from '../../src/kube/logs.js';
import { behaviours as b } from '../support/kube/index.js';
import { type DispatchJobOptions, dispatchJob, type Fixture, startFixture } from './helpers.js';

let f: Fixture;
const ns = 'jobbot';
const opts: GatherOptions = { maxBytes: 10_000, retries: 2, timeoutMs: 2_000, backoffMs: 10 };

beforeAll(async () => {
  f = await startFixture();
});

afterAll(async () => {
  await f.close();
});

/** Creates dispatch 1 of `definition`, waits until `ready` holds for its pods, returns them. */
async function run(
  definition: string,
  o: DispatchJobOptions,
  ready: (pods: V1Pod[]) => boolean = (pods) =>
    pods.length > 0 && pods.every((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')),
): Promise<V1Pod[]> {
  const created = await f.jobs.createJob('alpha', dispatchJob(1, { definition, ...o }));
  expect(created.ok).toBe(true);
  await f.emu.waitFor(() => ready(f.emu.pods(ns, `${definition}-1`) as unknown as V1Pod[]), {
    what: `the pods of ${definition}-1`,
  });
  const pods = await f.jobs.listPods('alpha', ns, jobbotSelector({ definition, dispatch: 1 }));
  if (!pods.ok) throw new Error(pods.failure.message);
  return pods.value;
}

const logReads = (pod: string) => f.emu.requests.filter((r) => r.path.endsWith(`/pods/${pod}/log`));
const brief = (l: {
  container: string;
  init: boolean;
  previous: boolean;
  text: string;
  error: string | null;
}) => [l.container, l.init, l.previous, l.text, l.error];

describe('gatherPodLogs', () => {
  it('reads each container of a multi-container pod by name, init containers first', async () => {
    f.emu.behave({ job: 'two-1', container: 'setup' }, b.script(b.print('prepared'), b.exit(0)));
    f.emu.behave({ job: 'two-1', container: 'app' }, b.script(b.print('from app'), b.exit(0)));
    f.emu.behave({ job: 'two-1', container: 'sidecar' }, b.script(b.print('from sidecar'), b.exit(0)));
    const pods = await run('two', {
      initContainers: [{ name: 'setup', image: 'busybox' }],
      containers: [
        { name: 'app', image: 'busybox' },
        { name: 'sidecar', image: 'busybox' },
      ],
    });
    const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
    expect(logs.map(brief)).toEqual([
      ['setup', true, false, 'prepared\n', null],
      ['app', false, false, 'from app\n', null],
      ['sidecar', false, false, 'from sidecar\n', null],
    ]);
    expect(logs[1]).toMatchObject({ pod: pods[0]!.metadata!.name, originalBytes: 9, truncated: false });
    expect(logReads(pods[0]!.metadata!.name!).every((r) => r.query.container)).toBe(true);
  });

  it('also reads the previous run of a container restarted in place', async () => {
    f.emu.behave({ job: 'again-1' }, ({ attempt }) =>
      b.script(b.print(`run ${attempt}`), b.exit(attempt === 0 ? 3 : 0)),
    );
    const pods = await run('again', { restartPolicy: 'OnFailure' });
    const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
    expect(logs.map(brief)).toEqual([
      ['main', false, true, 'run 0\n', null],
      ['main', false, false, 'run 1\n', null],
    ]);
  });

  it('reads every pod given, failed and retried ones included', async () => {
    f.emu.behave({ job: 'flaky-1' }, ({ attempt }) => b.script(b.print(`attempt ${attempt}`), b.exit(1)));
    const pods = await run(
      'flaky',
      { backoffLimit: 1 },
      (p) => p.length === 2 && p.every((x) => x.status?.phase === 'Failed'),
    );
    const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
    expect(logs.map((l) => l.text).sort()).toEqual(['attempt 0\n', 'attempt 1\n']);
    expect(new Set(logs.map((l) => l.pod)).size).toBe(2);
  });

  it('reads a container that never started and records the reason the API server gives', async () => {
    f.emu.behave({ job: 'nopull-1' }, b.imagePullError());
    const pods = await run('nopull', {}, (p) =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(
        p[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
      ),
    );
    const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      text: '',
      error: 'The container never started (trying and failing to pull image).',
    });
    // A 400 would fail again: one read, no retries.
    expect(logReads(pods[0]!.metadata!.name!)).toHaveLength(1);
  });

  it('keeps head and end of a log longer than maxBytes, with what was dropped', async () => {
    f.emu.behave({ job: 'loud-1', container: 'big' }, b.script(b.printBytes(5_000), b.exit(0)));
    f.emu.behave({ job: 'loud-1', container: 'exact' }, b.script(b.printBytes(1_000), b.exit(0)));
    const pods = await run('loud', {
      containers: [
        { name: 'big', image: 'busybox' },
        { name: 'exact', image: 'busybox' },
      ],
    });
    const [big, exact] = await gatherPodLogs(f.kubeConfig(), ns, pods, { ...opts, maxBytes: 1_000 });
    expect(big).toMatchObject({ truncated: true, originalBytes: 5_000, error: null });
    expect(Buffer.byteLength(big!.text)).toBeLessThanOrEqual(1_000);
    const [head, tail] = big!.text.split(/\[… [\d,]+ bytes dropped …\]\n/);
    expect(head!.startsWith('0:xxx')).toBe(true);
    // printBytes(5_000): 62 lines of 80 bytes, then one of 40 (its 39 bytes and the newline).
    expect(tail!.endsWith(`${'62:'.padEnd(39, 'x')}\n`)).toBe(true);
    expect(exact).toMatchObject({ truncated: false, originalBytes: 1_000, error: null });
    // The whole log is read: no limitBytes, whose end would not be the log's.
    expect(logReads(pods[0]!.metadata!.name!).map((r) => r.query.limitBytes)).toEqual([undefined, undefined]);
  });

  describe('failures', () => {
    let pods: V1Pod[];
    let podName: string;

    beforeAll(async () => {
      f.emu.behave({ job: 'plain-1' }, b.script(b.print('hello'), b.exit(0)));
      pods = await run('plain', {});
      podName = pods[0]!.metadata!.name!;
    });

    it('retries transient failures, then reads the log', async () => {
      f.emu.failNext(2, { path: /\/log$/, status: 503 });
      const before = logReads(podName).length;
      const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
      expect(logs.map(brief)).toEqual([['main', false, false, 'hello\n', null]]);
      expect(logReads(podName).length - before).toBe(3);
    });

    it('retries a read that hangs past its timeout', async () => {
      f.emu.failNext(1, { path: /\/log$/, hang: true });
      const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, { ...opts, timeoutMs: 200, retries: 1 });
      expect(logs[0]).toMatchObject({ text: 'hello\n', error: null });
    });

    it('records the error of a read that keeps failing, without throwing', async () => {
      f.emu.failNext(3, { path: /\/log$/, status: 500 });
      const logs = await gatherPodLogs(f.kubeConfig(), ns, pods, opts);
      expect(logs).toEqual([
        {
          pod: podName,
          container: 'main',
          init: false,
          previous: false,
          text: '',
          originalBytes: 0,
          truncated: false,
          error: expect.stringMatching(/^Could not read the log after 3 attempts: .+\.$/),
        },
      ]);
    });

    it('does not retry what would fail again: a pod that is gone', async () => {
      const ghost = structuredClone(pods[0]!);
      ghost.metadata!.name = 'ghost';
      const logs = await gatherPodLogs(f.kubeConfig(), ns, [ghost, ...pods], opts);
      expect(logs.map((l) => l.error)).toEqual([
        'The pod ghost no longer exists, so its logs are gone.',
        null,
      ]);
      expect(logReads('ghost')).toHaveLength(1);
    });

    it('is reachable through KubeJobs, which knows the clusters', async () => {
      const result = await f.jobs.gatherLogs('alpha', ns, pods, { maxBytes: 64, retries: 0 });
      expect(result).toMatchObject({ ok: true, value: [{ text: 'hello\n', truncated: false }] });
      expect(await f.jobs.gatherLogs('gamma', ns, pods, { maxBytes: 64, retries: 0 })).toMatchObject({
        ok: false,
        failure: { kind: 'not_found' },
      });
    });
  });
});
