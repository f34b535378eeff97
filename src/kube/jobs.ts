/**
 * The Job operations Jobbot performs on a cluster, through the real client. Every call is bounded by
 * a timeout so a hanging API server turns into an `unavailable` failure instead of a stuck request.
 */
import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import type { JobManifest } from '../domain/definition/index.js';
import type { ClusterRegistry } from './clusters.js';
import { classifyKubeError, type KubeFailure } from './errors.js';
import { withTimeout } from './timeout.js';

export type KubeResult<T> = { ok: true; value: T } | { ok: false; failure: KubeFailure };

export class KubeJobs {
  constructor(
    private readonly clusters: ClusterRegistry,
    private readonly timeoutMs = 10_000,
  ) {}

  clusterNames(): string[] {
    return this.clusters.names();
  }

  /** Namespaces that exist in the cluster, by name. */
  async namespaces(cluster: string): Promise<KubeResult<string[]>> {
    return this.call(cluster, async (c) => {
      const list = await c.makeApiClient(CoreV1Api).listNamespace();
      return list.items
        .map((ns) => ns.metadata?.name ?? '')
        .filter(Boolean)
        .sort();
    });
  }

  /** Server-side dry run: the API server and its admission webhooks judge the Job; nothing is stored. */
  async dryRunCreate(cluster: string, manifest: JobManifest): Promise<KubeResult<void>> {
    return this.call(cluster, async (c) => {
      await c.makeApiClient(BatchV1Api).createNamespacedJob({
        namespace: manifest.metadata.namespace,
        body: manifest as unknown as V1Job,
        dryRun: 'All',
      });
    });
  }

  private async call<T>(cluster: string, fn: (kc: KubeConfig) => Promise<T>): Promise<KubeResult<T>> {
    const c = this.clusters.get(cluster);
    if (!c) return { ok: false, failure: { kind: 'not_found', message: `no cluster named ${cluster}` } };
    try {
      return { ok: true, value: await withTimeout(fn(c.kubeConfig), this.timeoutMs) };
    } catch (err) {
      return { ok: false, failure: classifyKubeError(err) };
    }
  }
}
