/**
 * The cluster changes under Jobbot: a Job deleted by hand (while Jobbot watches, and while it is
 * stopped), a pod deleted by hand, a cluster that is unreachable for a while and one that stays away.
 * Each dispatch ends with a clear reason instead of hanging, no Job is left behind once the cluster is
 * back, and /readyz shows the cluster's state as it changes.
 */
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { scaledTiming } from '../../src/timing.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import {
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  logsOf,
  NAMESPACE,
  readDispatches,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

const SPEED = 20;
const LOST_CONTACT_MS = 3_500;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    kube: { speed: SPEED, bookmarkIntervalSeconds: 5 },
    timing: scaledTiming(SPEED, {
      watchSilenceMs: 1_500,
      lostContactMs: LOST_CONTACT_MS,
      contactCheckMs: 100,
    }),
  });
  const define = (name: string, script: string, cluster = 'alpha') =>
    defineJob(
      h.env.JOBBOT_DB!,
      jobYaml(name, script),
      { cluster, namespace: NAMESPACE },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
    );
  define('victim', 'sleep 3600');
  define('orphan', 'sleep 3600');
  define('podless', 'sleep 40; echo podless done');
  define('patient', 'sleep 20; echo patient done', 'beta');
  define('stranded', 'sleep 3600', 'beta');
});
afterAll(async () => {
  await h?.stop();
});

const db = () => h.env.JOBBOT_DB!;
const state = (n: number) => readDispatches(db(), [n])[0]!;

function client(cluster = 'alpha'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(h.env.KUBECONFIG!);
  kc.setCurrentContext(cluster);
  return kc;
}

async function readyCluster(name: string): Promise<{ reachable: boolean; error?: string }> {
  const body = (await (await fetch(`${h.url}/readyz`)).json()) as {
    ready: boolean;
    clusters: { cluster: string; reachable: boolean; error?: string }[];
  };
  expect(body.ready).toBe(true);
  return body.clusters.find((c) => c.cluster === name)!;
}

describe('a Job or its pods deleted behind Jobbot', () => {
  it('ends a dispatch whose Job someone deleted, saying so', async () => {
    const n = await run(h.driver, 'run victim --yes');
    await waitFor(() => state(n).state === 'running', 10_000, 'running');
    await client()
      .makeApiClient(BatchV1Api)
      .deleteNamespacedJob({ name: state(n).jobName, namespace: NAMESPACE, propagationPolicy: 'Background' });
    const [d] = await untilFinished(db(), [n], 10_000);
    expect(d!.state).toBe('failed');
    expect(d!.verdict).toMatch(/^Failed: the Job was deleted outside Jobbot before it finished/);
    await untilDelivered(db());
    expectCleanThread(h.slack, db(), d!);
  });

  it('ends it too when the Job was deleted while Jobbot was stopped', async () => {
    const n = await run(h.driver, 'run orphan --yes');
    await waitFor(() => state(n).state === 'running' && state(n).observation, 10_000, 'running');
    await h.app.stop();
    await client()
      .makeApiClient(BatchV1Api)
      .deleteNamespacedJob({ name: state(n).jobName, namespace: NAMESPACE, propagationPolicy: 'Background' });
    await waitFor(() => !h.kube!.job(NAMESPACE, state(n).jobName), 5_000, 'the Job to go');
    await h.restart();
    const [d] = await untilFinished(db(), [n], 10_000);
    expect(d!.verdict).toMatch(/^Failed: the Job was deleted outside Jobbot before it finished/);
    await untilDelivered(db());
    expectCleanThread(h.slack, db(), d!);
  });

  it('carries a dispatch through a pod deleted by hand (Kubernetes replaces it)', async () => {
    const n = await run(h.driver, 'run podless --yes');
    await waitFor(() => state(n).state === 'running', 10_000, 'running');
    const jobName = state(n).jobName;
    const pod = await waitFor(() =>
      h.kube!.pods(NAMESPACE, jobName).find((p) => p.status.phase === 'Running'),
    );
    await client()
      .makeApiClient(CoreV1Api)
      .deleteNamespacedPod({ name: pod.metadata.name!, namespace: NAMESPACE, gracePeriodSeconds: 0 });
    const [d] = await untilFinished(db(), [n], 15_000);
    expect(d!.state).toBe('succeeded');
    await untilDelivered(db());
    expectCleanThread(h.slack, db(), d!);
    // The replacement pod ran the script to its end.
    expect(h.kube!.pods(NAMESPACE).some((p) => p.metadata.name === pod.metadata.name)).toBe(false);
    expect(logsOf(db(), n).some((l) => l.text.includes('podless done'))).toBe(true);
    await expectNothingLeft(h.kube!, [d!]);
  });
});

describe('a cluster that becomes unreachable', () => {
  it('carries a dispatch through a short outage, and /readyz follows the cluster', async () => {
    const beta = h.kube!.cluster('beta');
    const n = await run(h.driver, 'run patient --yes');
    await waitFor(() => state(n).state === 'running', 10_000, 'running');
    await beta.setUnreachable('refuse');
    onTestFinished(() => beta.setReachable());
    const down = await waitFor(async () => {
      const c = await readyCluster('beta');
      return c.reachable ? undefined : c;
    }, 5_000);
    expect(down.error).toMatch(/cannot connect to http:\/\/127\.0\.0\.1:\d+ \(ECONN(REFUSED|RESET)\)/);
    // The Job finishes while Jobbot cannot see it.
    await beta.waitFor(() => beta.job(NAMESPACE, state(n).jobName)?.status.succeeded, { timeoutMs: 5_000 });
    await beta.setReachable();
    const [d] = await untilFinished(db(), [n], 10_000);
    expect(d!.state).toBe('succeeded');
    expect(logsOf(db(), n)[0]!.text).toBe('patient done\n');
    await waitFor(async () => (await readyCluster('beta')).reachable, 5_000, '/readyz to show beta back');
    await untilDelivered(db());
    expectCleanThread(h.slack, db(), d!);
    await expectNothingLeft(h.kube!, [d!], 'beta');
  });

  it('ends a dispatch whose cluster stays away, and deletes its Job once the cluster is back', async () => {
    const beta = h.kube!.cluster('beta');
    const n = await run(h.driver, 'run stranded --yes');
    await waitFor(() => state(n).state === 'running' && state(n).observation, 10_000, 'running');
    const jobName = state(n).jobName;
    // A black hole: connections open, nothing ever answers, and open watches fall silent.
    await beta.setUnreachable('hang');
    beta.muteWatches();
    onTestFinished(() => beta.setReachable());
    const [d] = await untilFinished(db(), [n], LOST_CONTACT_MS + 8_000);
    expect(d!.state).toBe('failed');
    expect(d!.verdict).toMatch(
      /^Failed: lost contact with cluster beta for \d+ s; its Job is deleted when the cluster is back/,
    );
    expect(logsOf(db(), n)[0]!.error).toMatch(/^Jobbot lost contact with cluster beta .*could not be read/);
    expect((await readyCluster('beta')).error).toMatch(/no answer from .* within \d+ ms/);
    await untilDelivered(db());
    expectCleanThread(h.slack, db(), d!);
    expect(beta.job(NAMESPACE, jobName)).toBeDefined();
    await beta.setReachable();
    await waitFor(() => !beta.job(NAMESPACE, jobName), 10_000, 'the stranded Job to be deleted');
    await expectNothingLeft(h.kube!, [d!], 'beta');
  });
});
