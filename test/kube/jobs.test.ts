/**
 * KubeJobs against the emulator with the real client: idempotent create of a dispatch's Job, the
 * conflict with a foreign Job of the same name, delete with background propagation (no orphaned
 * pods), reads, and timeouts.
 */
import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobbotSelector } from '../../src/domain/definition/index.js';
import { KubeJobs } from '../../src/kube/jobs.js';
import { behaviours as b } from '../support/kube/index.js';
import { dispatchJob, type Fixture, startFixture } from './helpers.js';

let f: Fixture;
const ns = 'jobbot';

beforeAll(async () => {
  f = await startFixture();
  f.emu.behave({ namespace: ns }, b.runForever());
});

afterAll(async () => {
  await f.close();
});

describe('createJob', () => {
  it('creates once; a retried create of the same dispatch is ok without creating again', async () => {
    const manifest = dispatchJob(1);
    expect(await f.jobs.createJob('alpha', manifest)).toEqual({ ok: true, value: { created: true } });
    expect(await f.jobs.createJob('alpha', manifest, { background: true })).toEqual({
      ok: true,
      value: { created: false },
    });
    expect(f.emu.primary.list('jobs', ns).map((j) => j.metadata.name)).toEqual(['report-1']);
  });

  it('refuses when a Job of the same name was not created by this dispatch', async () => {
    const foreign: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'report-2', labels: { team: 'data' } },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      },
    };
    await f.kubeConfig().makeApiClient(BatchV1Api).createNamespacedJob({ namespace: ns, body: foreign });
    const result = await f.jobs.createJob('alpha', dispatchJob(2));
    expect(result).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
    if (!result.ok) expect(result.failure.message).toMatch(/report-2 already exists in namespace jobbot/);
    // The foreign Job is left alone.
    expect(f.emu.job(ns, 'report-2')?.metadata.labels).toEqual({ team: 'data' });
  });

  it("refuses another Jobbot installation's Job of the same name and dispatch; takes one without an id", async () => {
    // Installation bbbb dispatched report-5 (its dispatch 5) into the namespace first.
    expect(await f.jobs.createJob('alpha', dispatchJob(5, { installation: 'bbbb' }))).toMatchObject({
      ok: true,
    });
    const ours = await f.jobs.createJob('alpha', dispatchJob(5, { installation: 'aaaa' }));
    expect(ours).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
    expect(f.emu.job(ns, 'report-5')?.metadata.labels?.['jobbot.dev/installation']).toBe('bbbb');
    // A Job made before installations had ids can only be this installation's earlier create.
    await f.jobs.createJob('alpha', dispatchJob(6));
    expect(await f.jobs.createJob('alpha', dispatchJob(6, { installation: 'aaaa' }))).toEqual({
      ok: true,
      value: { created: false },
    });
  });

  it('reports a refusal of the API server as invalid, and an unknown cluster as not_found', async () => {
    const bad = dispatchJob(3);
    bad.spec.template.spec.restartPolicy = 'Always';
    expect(await f.jobs.createJob('alpha', bad)).toMatchObject({ ok: false, failure: { kind: 'invalid' } });
    expect(await f.jobs.createJob('gamma', dispatchJob(3))).toMatchObject({
      ok: false,
      failure: { kind: 'not_found', message: 'no cluster named gamma' },
    });
  });
});

describe('deleteJob', () => {
  it('deletes with background propagation so no pod is orphaned; a second delete finds nothing', async () => {
    await f.jobs.createJob('alpha', dispatchJob(4));
    await f.emu.waitFor(() => f.emu.pods(ns, 'report-4').length > 0, { what: 'a pod of report-4' });
    f.emu.clearRequests();

    expect(await f.jobs.deleteJob('alpha', ns, 'report-4')).toEqual({ ok: true, value: { existed: true } });
    const request = f.emu.requests.find((r) => r.method === 'DELETE');
    expect(request?.query.propagationPolicy).toBe('Background');
    expect(f.emu.job(ns, 'report-4')).toBeUndefined();
    // Without the policy the emulator (like the API server) would keep the pods; here they go.
    await f.emu.waitFor(() => f.emu.pods(ns, 'report-4').length === 0, { what: 'the pods to be collected' });

    expect(await f.jobs.deleteJob('alpha', ns, 'report-4', { background: true })).toEqual({
      ok: true,
      value: { existed: false },
    });
  });
});

describe('reads', () => {
  it('reads a Job (undefined once gone) and lists pods by label', async () => {
    await f.jobs.createJob('alpha', dispatchJob(5));
    await f.emu.waitFor(() => f.emu.pods(ns, 'report-5').length > 0, { what: 'a pod of report-5' });
    const got = await f.jobs.getJob('alpha', ns, 'report-5');
    expect(got.ok && got.value?.metadata?.name).toBe('report-5');
    const pods = await f.jobs.listPods('alpha', ns, jobbotSelector({ dispatch: 5 }));
    expect(pods.ok && pods.value.map((p) => p.metadata?.labels?.['job-name'])).toEqual(['report-5']);
    expect(await f.jobs.getJob('alpha', ns, 'report-404')).toEqual({ ok: true, value: undefined });
  });

  it('bounds every call by its timeout: interactive short, background longer', async () => {
    const quick = new KubeJobs(f.registry, 150);
    f.emu.failNext(1, { method: 'GET', path: /\/jobs\/report-5$/, hang: true });
    const started = Date.now();
    const result = await quick.getJob('alpha', ns, 'report-5');
    expect(result).toMatchObject({ ok: false, failure: { kind: 'unavailable' } });
    expect(Date.now() - started).toBeLessThan(1_000);

    const patient = new KubeJobs(f.registry, { interactiveMs: 150, backgroundMs: 2_000 });
    f.emu.failNext(1, { method: 'GET', path: /\/pods$/, delayMs: 400, delayOnly: true });
    expect((await patient.listPods('alpha', ns, jobbotSelector(), { background: true })).ok).toBe(true);
  });

  it('answers unavailable when the API server fails', async () => {
    f.emu.failNext(1, { method: 'DELETE', status: 503 });
    expect(await f.jobs.deleteJob('alpha', ns, 'report-5')).toMatchObject({
      ok: false,
      failure: { kind: 'unavailable' },
    });
  });
});
