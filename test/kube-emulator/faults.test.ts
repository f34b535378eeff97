/**
 * Fault injection, the request log, two clusters in one kubeconfig (one of them unreachable),
 * and the deterministic emulated clock.
 */

import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviours as b, EmulatedClock, startKubeEmulator } from '../support/kube/index.js';
import { apiError, type Harness, jobManifest, raw, startHarness } from './helpers.js';

let h: Harness;
const ns = 'default';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

function clientFor(context: string): BatchV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(h.kubeconfigPath);
  kc.setCurrentContext(context);
  return kc.makeApiClient(BatchV1Api);
}

describe('failNext', () => {
  it('fails matching requests with the given status, then recovers', async () => {
    h.emu.failNext(2, { method: 'GET', path: /\/jobs$/, status: 503 });
    const first = await apiError(h.batch.listNamespacedJob({ namespace: ns }));
    expect(first.code).toBe(503);
    expect(first.status).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    // Requests that do not match are untouched and do not use up the fault.
    await h.core.listNamespace();
    expect((await apiError(h.batch.listNamespacedJob({ namespace: ns }))).code).toBe(503);
    await expect(h.batch.listNamespacedJob({ namespace: ns })).resolves.toBeTruthy();
    const faulted = h.emu.requests.filter((r) => r.fault);
    expect(faulted.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', `/apis/batch/v1/namespaces/${ns}/jobs`, 503],
      ['GET', `/apis/batch/v1/namespaces/${ns}/jobs`, 503],
    ]);
  });

  it('delays, and can hang a request until the client gives up', async () => {
    h.emu.failNext(1, { path: /\/version$/, delayMs: 50, delayOnly: true });
    const started = Date.now();
    expect((await raw(`${h.emu.url}/version`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);

    h.emu.failNext(1, { path: /\/version$/, hang: true });
    await expect(fetch(`${h.emu.url}/version`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect((await raw(`${h.emu.url}/version`)).status).toBe(200);
  });

  it('logs requests with their query and body', async () => {
    h.emu.clearRequests();
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('logged'), dryRun: 'All' });
    expect(h.emu.requests).toHaveLength(1);
    expect(h.emu.requests[0]).toMatchObject({
      cluster: 'alpha',
      method: 'POST',
      path: `/apis/batch/v1/namespaces/${ns}/jobs`,
      query: { dryRun: 'All' },
      status: 201,
      body: { metadata: { name: 'logged' } },
    });
  });
});

describe('two clusters', () => {
  it('keeps independent state per context', async () => {
    const alpha = clientFor('alpha');
    const beta = clientFor('beta');
    await beta.createNamespacedJob({ namespace: ns, body: jobManifest('only-in-beta') });
    expect((await apiError(alpha.readNamespacedJob({ name: 'only-in-beta', namespace: ns }))).code).toBe(404);
    expect((await beta.readNamespacedJob({ name: 'only-in-beta', namespace: ns })).metadata?.name).toBe(
      'only-in-beta',
    );
    expect(h.emu.cluster('beta').requests.every((r) => r.cluster === 'beta')).toBe(true);
  });

  it('can make one cluster unreachable while the other keeps serving', async () => {
    const alpha = clientFor('alpha');
    const beta = clientFor('beta');
    const cluster = h.emu.cluster('beta');
    await cluster.setUnreachable();
    await expect(beta.listNamespacedJob({ namespace: ns })).rejects.toThrow(/ECONNREFUSED/);
    await expect(alpha.listNamespacedJob({ namespace: ns })).resolves.toBeTruthy();
    await cluster.setReachable();
    expect((await beta.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name)).toContain(
      'only-in-beta',
    );

    await cluster.setUnreachable('hang');
    await expect(fetch(`${cluster.url}/version`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await cluster.setReachable();
    expect((await raw(`${cluster.url}/healthz`)).text).toBe('ok');
  });
});

describe('emulated clock', () => {
  it('replays the same scenario in the same order when paused and advanced', async () => {
    const run = async () => {
      const clock = new EmulatedClock({ speed: 0, start: Date.UTC(2025, 0, 1) });
      const emu = await startKubeEmulator({ clock, clusters: ['solo'], seed: 7 });
      const log: string[] = [];
      emu.primary.store.subscribe((e) => {
        const o = e.object as {
          metadata: { name?: string };
          status?: { phase?: string; succeeded?: number };
        };
        log.push(
          `${e.revision} ${e.type} ${e.resource} ${o.metadata.name} ${o.status?.phase ?? o.status?.succeeded ?? ''}`,
        );
      });
      emu.behave({ job: 'det' }, [b.fail(1, 2), b.script(b.print('ok'), b.sleep(3), b.exit(0))]);
      const kc = new KubeConfig();
      kc.loadFromString(emu.kubeconfig());
      await kc.makeApiClient(BatchV1Api).createNamespacedJob({
        namespace: ns,
        body: jobManifest('det', { spec: { parallelism: 2, completions: 3 } }),
      });
      for (let i = 0; i < 120; i++) clock.advance(1000);
      const job = emu.job(ns, 'det');
      await emu.close();
      return { log, job };
    };
    const first = await run();
    const second = await run();
    expect(first.job?.status.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(first.job?.status.completionTime).toBe(second.job?.status.completionTime);
    expect(second.log).toEqual(first.log);
  });

  it('runs timers in due order at speed', async () => {
    const clock = new EmulatedClock({ speed: 1000 });
    const order: number[] = [];
    clock.setTimeout(() => order.push(3), 3000);
    clock.setTimeout(() => order.push(1), 1000);
    clock.setTimeout(() => order.push(2), 1000);
    await clock.sleep(3500);
    expect(order).toEqual([1, 2, 3]);
    clock.dispose();
  });

  it('fires a pile of due timers in order a slice at a time, so other work goes on in between', async () => {
    const clock = new EmulatedClock({ speed: 0 });
    const order: number[] = [];
    let turns = 0;
    for (let i = 0; i < 400; i++)
      clock.setTimeout(() => {
        order.push(i);
        const until = performance.now() + 0.1;
        while (performance.now() < until);
      }, 1000);
    // 40 ms of timers due at once: a turn of the event loop counts between the slices.
    const ticker = setInterval(() => turns++, 0);
    clock.setSpeed(1_000_000);
    await clock.sleep(2000);
    clearInterval(ticker);
    expect(order).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(turns).toBeGreaterThanOrEqual(2);
    clock.dispose();
  });
});
