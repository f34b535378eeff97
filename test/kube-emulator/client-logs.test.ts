/**
 * pods/log through client-node: the multi-container 400, tailLines, limitBytes, timestamps,
 * sinceSeconds, previous after an in-place restart, follow while the container runs, and the
 * waiting-to-start 400.
 */

import { PassThrough } from 'node:stream';
import { Log, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviours as b } from '../support/kube/index.js';
import { apiError, type Harness, jobManifest, startHarness } from './helpers.js';

let h: Harness;
const ns = 'default';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

async function podOf(job: string, ready: (p: V1Pod) => boolean = () => true): Promise<string> {
  const pod = await h.emu.waitFor(() => h.emu.pods(ns, job).find((p) => ready(p as unknown as V1Pod)), {
    what: `a pod of ${job}`,
  });
  return pod.metadata.name ?? '';
}

describe('pods/log', () => {
  it('asks for a container name when the pod has several', async () => {
    h.emu.behave({ job: 'multi' }, b.runForever());
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('multi', {
        containers: [
          { name: 'app', image: 'busybox' },
          { name: 'sidecar', image: 'busybox' },
        ],
      }),
    });
    const pod = await podOf('multi');
    const { code, status } = await apiError(h.core.readNamespacedPodLog({ name: pod, namespace: ns }));
    expect(code).toBe(400);
    expect(status).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: `a container name must be specified for pod ${pod}, choose one of: [app sidecar]`,
    });
    const other = await apiError(
      h.core.readNamespacedPodLog({ name: pod, namespace: ns, container: 'nope' }),
    );
    expect(other.status.message).toBe(`container nope is not valid for pod ${pod}`);
  });

  it('serves tailLines, limitBytes, timestamps and sinceSeconds', async () => {
    h.emu.behave({ job: 'printer' }, b.script(b.printLines(10), b.sleep(30), b.print('late'), b.exit(0)));
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('printer') });
    const pod = await podOf('printer');
    await h.emu.waitFor(() => h.emu.pods(ns, 'printer')[0]?.status.phase === 'Succeeded', {
      what: 'completion',
    });
    const all = await h.core.readNamespacedPodLog({ name: pod, namespace: ns });
    expect(all.split('\n').slice(0, 3)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(all.endsWith('line 10\nlate\n')).toBe(true);
    expect(await h.core.readNamespacedPodLog({ name: pod, namespace: ns, tailLines: 2 })).toBe(
      'line 10\nlate\n',
    );
    expect(await h.core.readNamespacedPodLog({ name: pod, namespace: ns, limitBytes: 9 })).toBe('line 1\nli');
    const stamped = await h.core.readNamespacedPodLog({
      name: pod,
      namespace: ns,
      timestamps: true,
      tailLines: 1,
    });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z late\n$/);
    // The emulated clock is far past the first lines (30 s of sleep), close to 'late'.
    expect(await h.core.readNamespacedPodLog({ name: pod, namespace: ns, sinceSeconds: 20 })).toBe('late\n');
  });

  it('keeps the previous run after an in-place restart (OnFailure)', async () => {
    h.emu.behave({ job: 'restarts' }, ({ attempt }) =>
      b.script(b.print(`run ${attempt}`), b.exit(attempt === 0 ? 3 : 0)),
    );
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('restarts', { restartPolicy: 'OnFailure' }),
    });
    const pod = await podOf('restarts');
    await h.emu.waitFor(() => h.emu.pods(ns, 'restarts')[0]?.status.phase === 'Succeeded', {
      what: 'success',
    });
    expect(await h.core.readNamespacedPodLog({ name: pod, namespace: ns })).toBe('run 1\n');
    expect(await h.core.readNamespacedPodLog({ name: pod, namespace: ns, previous: true })).toBe('run 0\n');
    const status = h.emu.pods(ns, 'restarts')[0]!.status.containerStatuses![0]!;
    expect(status.restartCount).toBe(1);
    expect(status.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('follows a running container until it exits', async () => {
    h.emu.behave({ job: 'follow' }, b.script(b.printLines(5, { intervalSeconds: 3 }), b.exit(0)));
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('follow') });
    const pod = await podOf('follow', (p) => p.status?.phase === 'Running');
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const ended = new Promise<void>((resolve) => out.on('end', resolve));
    await new Log(h.kc).log(ns, pod, 'main', out, { follow: true });
    await ended;
    expect(text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it('says why a container that never started has no logs', async () => {
    h.emu.behave({ job: 'no-image' }, b.imagePullError());
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('no-image', { image: 'does-not/exist:1' }),
    });
    const pod = await podOf('no-image', (p) =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
      ),
    );
    const { code, status } = await apiError(h.core.readNamespacedPodLog({ name: pod, namespace: ns }));
    expect(code).toBe(400);
    expect(status.message).toBe(
      `container "main" in pod "${pod}" is waiting to start: trying and failing to pull image`,
    );
    expect(h.emu.pods(ns, 'no-image')[0]?.status.phase).toBe('Pending');
    const previous = await apiError(
      h.core.readNamespacedPodLog({ name: pod, namespace: ns, previous: true }),
    );
    expect(previous.status.message).toBe(`previous terminated container "main" in pod "${pod}" not found`);
  });

  it('answers 404 for a pod that does not exist', async () => {
    const { code, status } = await apiError(h.core.readNamespacedPodLog({ name: 'ghost', namespace: ns }));
    expect(code).toBe(404);
    expect(status.message).toBe('pods "ghost" not found');
  });
});
