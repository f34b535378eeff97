/**
 * What the end-to-end tests know of the cluster they run against: the Kubernetes emulator by default,
 * or a real cluster when JOBBOT_E2E_KUBECONFIG is set (then JOBBOT_E2E_CONTEXT names the context and
 * JOBBOT_E2E_NAMESPACE a namespace Jobbot may use). Reads go through client-node, so the same checks
 * work on both; tests that need the emulator's controls (faults, scripted containers) are skipped on
 * a real cluster.
 */
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { describe, it } from 'vitest';
import { REAL_KUBECONFIG } from './harness.js';

export const E2E = {
  real: Boolean(REAL_KUBECONFIG),
  cluster: process.env.JOBBOT_E2E_CONTEXT ?? 'alpha',
  namespace: process.env.JOBBOT_E2E_NAMESPACE ?? 'jobs',
};

export const emulatorOnly = { it: it.skipIf(E2E.real), describe: describe.skipIf(E2E.real) };

function config(kubeconfig: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(E2E.cluster);
  return kc;
}

export async function readJob(kubeconfig: string, name: string): Promise<V1Job | undefined> {
  try {
    return await config(kubeconfig)
      .makeApiClient(BatchV1Api)
      .readNamespacedJob({ name, namespace: E2E.namespace });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function jobPods(kubeconfig: string, jobName: string): Promise<V1Pod[]> {
  const list = await config(kubeconfig)
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({
      namespace: E2E.namespace,
      labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
    });
  return list.items;
}
