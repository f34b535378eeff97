/**
 * The emulated job controller and kubelet against real Job semantics: parallelism/completions,
 * backoffLimit with restartPolicy Never vs OnFailure, activeDeadlineSeconds, suspend/resume,
 * condition order, pod naming/ownership/finalizers, TTL and deletion propagation.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviours as b, type Job, ORPHAN_WARNING, type Pod } from '../support/kube/index.js';
import { type Harness, jobManifest, startHarness } from './helpers.js';

let h: Harness;
const ns = 'jobbot';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

const conditionTypes = (job: Job | undefined) => (job?.status.conditions ?? []).map((c) => c.type);
const isActive = (p: Pod) =>
  !p.metadata.deletionTimestamp && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed';

function finished(name: string) {
  return h.emu.waitFor(
    () => {
      const job = h.emu.job(ns, name);
      return conditionTypes(job).some((t) => t === 'Complete' || t === 'Failed') ? job : undefined;
    },
    { what: `job ${name} to finish` },
  );
}

/** Records every Job status the controller writes, to check intermediate states. */
function recordStatuses(name: string): Job['status'][] {
  const seen: Job['status'][] = [];
  h.emu.primary.store.subscribe((e) => {
    if (e.resource === 'jobs' && e.object.metadata.name === name)
      seen.push(structuredClone((e.object as Job).status));
  });
  return seen;
}

describe('completions and parallelism', () => {
  it('keeps at most `parallelism` pods active until `completions` succeed', async () => {
    h.emu.behave({ job: 'par' }, b.succeed(3));
    let maxActive = 0;
    h.emu.primary.store.subscribe(() => {
      maxActive = Math.max(maxActive, h.emu.pods(ns, 'par').filter(isActive).length);
    });
    const statuses = recordStatuses('par');
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('par', { spec: { parallelism: 3, completions: 5 } }),
    });
    const job = await finished('par');
    expect(maxActive).toBe(3);
    expect(job.status).toMatchObject({ succeeded: 5, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    // Zero int32 counters are omitted, as Go's omitempty does.
    expect(job.status.failed).toBeUndefined();
    expect(job.status.active).toBeUndefined();
    expect(conditionTypes(job)).toEqual(['SuccessCriteriaMet', 'Complete']);
    for (const c of job.status.conditions ?? []) {
      expect(c).toMatchObject({
        status: 'True',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      });
    }
    expect(job.status.completionTime).toBe(job.status.conditions?.[1]?.lastTransitionTime);
    expect(statuses.some((s) => (s.uncountedTerminatedPods?.succeeded?.length ?? 0) > 0)).toBe(true);
    expect(statuses.some((s) => s.ready === 3)).toBe(true);

    const pods = h.emu.pods(ns, 'par');
    expect(pods).toHaveLength(5);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^par-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.status.phase).toBe('Succeeded');
      expect(pod.metadata.finalizers ?? []).toEqual([]);
      expect(pod.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'par',
          uid: job.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(pod.metadata.labels).toMatchObject({
        'job-name': 'par',
        'batch.kubernetes.io/controller-uid': job.metadata.uid,
      });
      expect(pod.status.containerStatuses?.[0]?.state.terminated).toMatchObject({
        exitCode: 0,
        reason: 'Completed',
      });
    }
  });

  it('passes through Pending/ContainerCreating and Running before Succeeded', async () => {
    const phases: string[] = [];
    h.emu.primary.store.subscribe((e) => {
      const pod = e.object as Pod;
      if (e.resource !== 'pods' || pod.metadata.labels?.['job-name'] !== 'phases') return;
      const waiting = pod.status.containerStatuses?.[0]?.state.waiting?.reason;
      const phase = `${pod.status.phase}${waiting ? `/${waiting}` : ''}`;
      if (phases.at(-1) !== phase) phases.push(phase);
    });
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('phases', { command: ['sh', '-c', 'sleep 2; echo done'] }),
    });
    await finished('phases');
    expect(phases).toEqual(['Pending', 'Pending/ContainerCreating', 'Running', 'Succeeded']);
  });
});

describe('init containers', () => {
  it('runs them one by one before the containers, and fails the pod when one fails (Never)', async () => {
    const body = jobManifest('init', { command: ['sh', '-c', 'echo main'] });
    body.spec!.template.spec!.initContainers = [
      { name: 'first', image: 'busybox', command: ['sh', '-c', 'echo first'] },
      { name: 'second', image: 'busybox', command: ['sh', '-c', 'echo second'] },
    ];
    await h.batch.createNamespacedJob({ namespace: ns, body });
    await finished('init');
    const pod = h.emu.pods(ns, 'init')[0]!;
    const started = (name: string) => {
      const all = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
      return Date.parse(all.find((c) => c.name === name)?.state.terminated?.startedAt ?? '');
    };
    expect(started('first')).toBeLessThan(started('second'));
    expect(started('second')).toBeLessThan(started('main'));
    const log = (container: string) =>
      h.core.readNamespacedPodLog({ name: pod.metadata.name!, namespace: ns, container });
    expect(await log('second')).toBe('second\n');
    expect(await log('main')).toBe('main\n');

    const failing = jobManifest('init-fails', { spec: { backoffLimit: 0 } });
    failing.spec!.template.spec!.initContainers = [{ name: 'setup', image: 'busybox', command: ['false'] }];
    await h.batch.createNamespacedJob({ namespace: ns, body: failing });
    const job = await finished('init-fails');
    expect(job.status.conditions?.[1]?.reason).toBe('BackoffLimitExceeded');
    const failedPod = h.emu.pods(ns, 'init-fails')[0]!;
    expect(failedPod.status.phase).toBe('Failed');
    expect(failedPod.status.containerStatuses?.[0]?.state.waiting?.reason).toBe('PodInitializing');
  });
});

describe('backoffLimit', () => {
  it('replaces failed pods (Never) and fails the Job past the limit', async () => {
    h.emu.behave({ job: 'never' }, b.fail(2));
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('never', { spec: { backoffLimit: 2 } }),
    });
    const job = await finished('never');
    expect(conditionTypes(job)).toEqual(['FailureTarget', 'Failed']);
    expect(job.status.conditions?.[1]).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(job.status.failed).toBe(3);
    expect(job.status.completionTime).toBeUndefined();
    const pods = h.emu.pods(ns, 'never');
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status.phase).toBe('Failed');
      expect(pod.status.containerStatuses?.[0]?.state.terminated).toMatchObject({
        exitCode: 2,
        reason: 'Error',
      });
    }
    // The controller's failure back-off: 10 s before the 2nd pod, 20 s before the 3rd.
    const created = pods.map((p) => Date.parse(p.metadata.creationTimestamp ?? '')).sort((a, c) => a - c);
    expect(created[2]! - created[1]!).toBeGreaterThan(created[1]! - created[0]!);
  });

  it('restarts containers in place (OnFailure) and counts restarts toward the limit', async () => {
    h.emu.behave({ job: 'onfailure' }, b.crashLoop(1));
    const restarts: number[] = [];
    h.emu.primary.store.subscribe((e) => {
      const pod = e.object as Pod;
      if (e.resource === 'pods' && pod.metadata.labels?.['job-name'] === 'onfailure') {
        const n = pod.status.containerStatuses?.[0]?.restartCount ?? 0;
        if (restarts.at(-1) !== n) restarts.push(n);
      }
    });
    const waits = new Set<string>();
    h.emu.primary.store.subscribe((e) => {
      const reason = (e.object as Pod).status?.containerStatuses?.[0]?.state.waiting?.reason;
      if (e.resource === 'pods' && reason) waits.add(reason);
    });
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('onfailure', { restartPolicy: 'OnFailure', spec: { backoffLimit: 2 } }),
    });
    const job = await finished('onfailure');
    expect(conditionTypes(job)).toEqual(['FailureTarget', 'Failed']);
    expect(job.status.conditions?.[1]?.reason).toBe('BackoffLimitExceeded');
    expect(job.status.failed).toBe(1);
    expect(restarts).toEqual([0, 1, 2]);
    expect(waits).toContain('CrashLoopBackOff');
    // The controller deletes the failed Job's pod; it is gone once the kubelet released it.
    await h.emu.waitFor(() => h.emu.pods(ns, 'onfailure').length === 0, { what: 'pod removal' });
  });

  it('succeeds after a retry when a later attempt succeeds', async () => {
    h.emu.behave({ job: 'flaky' }, [b.fail(1), b.succeed()]);
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('flaky') });
    const job = await finished('flaky');
    expect(conditionTypes(job)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(job.status).toMatchObject({ succeeded: 1, failed: 1 });
  });
});

describe('activeDeadlineSeconds', () => {
  it('kills running pods and fails with DeadlineExceeded', async () => {
    h.emu.behave({ job: 'deadline' }, b.runForever());
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('deadline', { spec: { activeDeadlineSeconds: 5 } }),
    });
    const job = await finished('deadline');
    expect(conditionTypes(job)).toEqual(['FailureTarget', 'Failed']);
    expect(job.status.conditions?.[1]).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    const elapsed =
      Date.parse(job.status.conditions![0]!.lastTransitionTime!) - Date.parse(job.status.startTime!);
    expect(elapsed).toBeGreaterThanOrEqual(5000);
    expect(elapsed).toBeLessThan(7000);
    expect(job.status.failed).toBe(1);
    await h.emu.waitFor(() => h.emu.pods(ns, 'deadline').length === 0, { what: 'the killed pod to go' });
  });
});

describe('suspend', () => {
  it('creates no pods while suspended and starts them on resume', async () => {
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('later', { spec: { suspend: true } }),
    });
    const suspended = await h.emu.waitFor(
      () => {
        const job = h.emu.job(ns, 'later');
        return conditionTypes(job).includes('Suspended') ? job : undefined;
      },
      { what: 'Suspended condition' },
    );
    expect(suspended.status.conditions?.[0]).toMatchObject({
      status: 'True',
      reason: 'JobSuspended',
      message: 'Job suspended',
    });
    expect(suspended.status.startTime).toBeUndefined();
    await h.emu.primary.clock.sleep(10_000);
    expect(h.emu.pods(ns, 'later')).toHaveLength(0);

    const job = await h.batch.readNamespacedJob({ name: 'later', namespace: ns });
    job.spec!.suspend = false;
    await h.batch.replaceNamespacedJob({ name: 'later', namespace: ns, body: job });
    const done = await finished('later');
    expect(done.status.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({
      status: 'False',
      reason: 'JobResumed',
    });
    expect(done.status.startTime).toBeTruthy();
    expect(done.status.succeeded).toBe(1);
  });

  it('deletes active pods on suspend without counting them as failed', async () => {
    h.emu.behave({ job: 'pause' }, b.runForever());
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('pause', { spec: { parallelism: 2, completions: 2 } }),
    });
    await h.emu.waitFor(() => h.emu.job(ns, 'pause')?.status.ready === 2, { what: 'two ready pods' });
    const job = await h.batch.readNamespacedJob({ name: 'pause', namespace: ns });
    job.spec!.suspend = true;
    await h.batch.replaceNamespacedJob({ name: 'pause', namespace: ns, body: job });
    await h.emu.waitFor(() => h.emu.pods(ns, 'pause').length === 0, { what: 'pods to go' });
    const after = await h.emu.waitFor(() => {
      const j = h.emu.job(ns, 'pause');
      return j && (j.status.active ?? 0) === 0 && j.status.terminating === 0 ? j : undefined;
    });
    expect(after.status.failed).toBeUndefined();
    expect(conditionTypes(after)).toEqual(['Suspended']);
  });
});

describe('deletion', () => {
  it('orphans pods when no propagationPolicy is given, with the API Warning', async () => {
    h.emu.behave({ job: 'orphaner' }, b.runForever());
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('orphaner') });
    await h.emu.waitFor(() => h.emu.job(ns, 'orphaner')?.status.ready === 1, { what: 'a ready pod' });
    const res = await h.batch.deleteNamespacedJobWithHttpInfo({ name: 'orphaner', namespace: ns });
    expect(res.headers.warning).toBe(`299 - "${ORPHAN_WARNING}"`);
    await h.emu.waitFor(() => h.emu.job(ns, 'orphaner') === undefined, { what: 'the job to go' });
    const pods = await h.emu.waitFor(() => {
      const found = h.emu.pods(ns, 'orphaner');
      return found.length === 1 &&
        !found[0]!.metadata.ownerReferences &&
        !found[0]!.metadata.finalizers?.length
        ? found
        : undefined;
    });
    expect(pods[0]?.status.phase).toBe('Running');
  });

  it('deletes pods in the background with propagationPolicy=Background', async () => {
    h.emu.behave({ job: 'bg' }, b.runForever());
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('bg') });
    await h.emu.waitFor(() => h.emu.job(ns, 'bg')?.status.ready === 1, { what: 'a ready pod' });
    const res = await h.batch.deleteNamespacedJobWithHttpInfo({
      name: 'bg',
      namespace: ns,
      propagationPolicy: 'Background',
    });
    expect(res.headers.warning).toBeUndefined();
    expect(res.data).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'bg', group: 'batch', kind: 'jobs' },
    });
    expect(h.emu.job(ns, 'bg')).toBeUndefined();
    await h.emu.waitFor(() => h.emu.pods(ns, 'bg').length === 0, { what: 'pods to be collected' });
  });

  it('keeps the Job until its pods are gone with propagationPolicy=Foreground', async () => {
    h.emu.behave({ job: 'fg' }, { ...b.runForever(), terminationSeconds: 5 });
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('fg') });
    await h.emu.waitFor(() => h.emu.job(ns, 'fg')?.status.ready === 1, { what: 'a ready pod' });
    await h.batch.deleteNamespacedJob({ name: 'fg', namespace: ns, propagationPolicy: 'Foreground' });
    const held = await h.batch.readNamespacedJob({ name: 'fg', namespace: ns });
    expect(held.metadata?.deletionTimestamp).toBeTruthy();
    expect(held.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await h.emu.waitFor(() => h.emu.job(ns, 'fg') === undefined, { what: 'the job to go' });
    expect(h.emu.pods(ns, 'fg')).toHaveLength(0);
  });

  it('replaces a pod deleted by hand and counts it as failed', async () => {
    h.emu.behave({ job: 'evicted' }, b.runForever());
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('evicted') });
    await h.emu.waitFor(() => h.emu.job(ns, 'evicted')?.status.ready === 1, { what: 'a ready pod' });
    const [first] = h.emu.pods(ns, 'evicted');
    const deleted = await h.core.deleteNamespacedPod({
      name: first!.metadata.name!,
      namespace: ns,
      gracePeriodSeconds: 0,
    });
    expect(deleted.metadata?.deletionTimestamp).toBeTruthy();
    const job = await h.emu.waitFor(() => {
      const j = h.emu.job(ns, 'evicted');
      return j?.status.failed === 1 && j.status.ready === 1 ? j : undefined;
    });
    const pods = h.emu.pods(ns, 'evicted');
    expect(pods.map((p) => p.metadata.name)).not.toContain(first!.metadata.name);
    expect(job.status.active).toBe(1);
    expect((await h.core.listNamespacedPod({ namespace: 'no-such-ns' })).items).toEqual([]);
  });

  it('deletes finished Jobs after ttlSecondsAfterFinished', async () => {
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('ttl', { spec: { ttlSecondsAfterFinished: 30 } }),
    });
    await finished('ttl');
    await h.emu.waitFor(() => h.emu.job(ns, 'ttl') === undefined && h.emu.pods(ns, 'ttl').length === 0, {
      what: 'TTL',
    });
  });

  it('records events a describe would show', async () => {
    const events = await h.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=par',
    });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['SuccessfulCreate', 'Completed']),
    );
  });
});
