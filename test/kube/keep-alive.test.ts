/**
 * Jobbot's cluster clients keep their connections alive: API calls and streamed log reads, metered
 * or not, share a connection where client-node alone opens one per call; idle connections close by
 * themselves, and stopping the clusters closes them at once.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobbotSelector } from '../../src/domain/definition/index.js';
import { gatherPodLogs } from '../../src/kube/logs.js';
import { meterKubeConfig } from '../../src/kube/metering.js';
import { behaviours as b } from '../support/kube/index.js';
import { dispatchJob, type Fixture, startFixture, until } from './helpers.js';

let f: Fixture;
const ns = 'jobbot';

beforeAll(async () => {
  f = await startFixture();
  f.emu.behave({ namespace: ns }, b.script(b.print('hello'), b.exit(0)));
});

afterAll(async () => {
  f.registry.stop();
  await f.close();
});

/** How many connections the emulator accepted while `run` ran. */
async function connectionsOf(run: () => Promise<void>): Promise<number> {
  const before = f.emu.primary.connections;
  await run();
  return f.emu.primary.connections - before;
}

it('makes 20 API calls over one connection, where client-node alone opens 20', async () => {
  const plain = new KubeConfig();
  plain.loadFromString(f.emu.kubeconfig());
  const core = plain.makeApiClient(CoreV1Api);
  const alone = await connectionsOf(async () => {
    for (let i = 0; i < 20; i++) await core.listNamespace();
  });
  expect(alone).toBe(20);

  const counted: string[] = [];
  meterKubeConfig(f.kubeConfig(), {
    request: (verb, resource) => counted.push(`${verb} ${resource}`),
    error() {},
  });
  const jobbot = await connectionsOf(async () => {
    for (let n = 1; n <= 5; n++) {
      expect((await f.jobs.createJob('alpha', dispatchJob(n))).ok).toBe(true);
      expect((await f.jobs.getJob('alpha', ns, `report-${n}`)).ok).toBe(true);
      expect((await f.jobs.listPods('alpha', ns, jobbotSelector({ dispatch: n }))).ok).toBe(true);
      expect((await f.jobs.deleteJob('alpha', ns, `report-${n}`)).ok).toBe(true);
    }
  });
  expect(counted).toHaveLength(20);
  expect(jobbot).toBe(1);
});

it('reads logs as streams over the same kept-alive connection', async () => {
  expect((await f.jobs.createJob('alpha', dispatchJob(6))).ok).toBe(true);
  await f.emu.waitFor(() => f.emu.pods(ns, 'report-6')[0]?.status.phase === 'Succeeded', {
    what: 'report-6',
  });
  const pods = await f.jobs.listPods('alpha', ns, jobbotSelector({ dispatch: 6 }));
  if (!pods.ok) throw new Error(pods.failure.message);
  const opts = { maxBytes: 64 * 1024, retries: 0, timeoutMs: 5_000, backoffMs: 10 };
  const used = await connectionsOf(async () => {
    for (let i = 0; i < 10; i++) {
      const [log] = await gatherPodLogs(f.kubeConfig(), ns, pods.value, opts);
      expect(log).toMatchObject({ text: 'hello\n', error: null });
    }
  });
  expect(used).toBeLessThanOrEqual(1);
});

it('closes an idle connection by itself, and every one when the clusters stop', async () => {
  await f.jobs.namespaces('alpha');
  expect(f.emu.primary.openConnections).toBe(1);
  await until(() => f.emu.primary.openConnections === 0, 'the idle connection to close', 8_000);

  await Promise.all([f.jobs.namespaces('alpha'), f.jobs.namespaces('alpha'), f.jobs.namespaces('alpha')]);
  expect(f.emu.primary.openConnections).toBe(3);
  f.registry.stop();
  await until(() => f.emu.primary.openConnections === 0, 'the connections to close', 1_000);
});
