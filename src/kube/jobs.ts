/**
 * The Job operations Jobbot performs on a cluster, through the real client. Every call is bounded by
 * a timeout so a hanging API server turns into an `unavailable` failure instead of a stuck request.
 *
 * Glossary:
 * - interactive: a call made while a person waits inside Slack's 3-second window (the short timeout).
 * - background: a call made after the person has been answered (creating, deleting, gathering logs),
 *   which may wait longer for a slow API server. Pick it with `{ background: true }`.
 */
import {
  ApiException,
  BatchV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  type KubeConfig,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  type JobManifest,
  LABEL_DISPATCH,
  LABEL_INSTALLATION,
  LABEL_MANAGED_BY,
  ofInstallation,
} from '../domain/definition/index.js';
import type { ClusterRegistry } from './clusters.js';
import { classifyKubeError, type KubeFailure } from './errors.js';
import { type GatheredLog, type GatherOptions, gatherPodLogs } from './logs.js';
import { withDeadline } from './timeout.js';

export type KubeResult<T> = { ok: true; value: T } | { ok: false; failure: KubeFailure };

export interface KubeTimeouts {
  /** Default 10 s. */
  interactiveMs?: number;
  /** Default 30 s, and never shorter than interactiveMs. */
  backgroundMs?: number;
}

export interface CallOptions {
  background?: boolean;
}

/** A failure decided by Jobbot rather than reported by the API server. */
class Refusal extends Error {
  constructor(readonly failure: KubeFailure) {
    super(failure.message);
  }
}

export class KubeJobs {
  private readonly interactiveMs: number;
  private readonly backgroundMs: number;

  constructor(
    private readonly clusters: ClusterRegistry,
    timeouts: number | KubeTimeouts = 10_000,
  ) {
    const t = typeof timeouts === 'number' ? { interactiveMs: timeouts } : timeouts;
    this.interactiveMs = t.interactiveMs ?? 10_000;
    this.backgroundMs = Math.max(this.interactiveMs, t.backgroundMs ?? 30_000);
  }

  clusterNames(): string[] {
    return this.clusters.names();
  }

  /** The cluster's client configuration, for watches and log reads made elsewhere. */
  kubeConfig(cluster: string): KubeConfig | undefined {
    return this.clusters.get(cluster)?.kubeConfig;
  }

  /** Namespaces that exist in the cluster, by name. */
  async namespaces(cluster: string): Promise<KubeResult<string[]>> {
    return this.call(cluster, async (c, o) => {
      const list = await c.makeApiClient(CoreV1Api).listNamespace({}, o);
      return list.items
        .map((ns) => ns.metadata?.name ?? '')
        .filter(Boolean)
        .sort();
    });
  }

  /** Server-side dry run: the API server and its admission webhooks judge the Job; nothing is stored. */
  async dryRunCreate(cluster: string, manifest: JobManifest): Promise<KubeResult<void>> {
    return this.call(cluster, async (c, o) => {
      await c
        .makeApiClient(BatchV1Api)
        .createNamespacedJob(
          { namespace: manifest.metadata.namespace, body: manifest as unknown as V1Job, dryRun: 'All' },
          o,
        );
    });
  }

  /**
   * Creates the Job of one dispatch. A create that timed out may still have happened, so the dispatch
   * retries it: AlreadyExists with this dispatch's label is that earlier create (`created: false`);
   * a Job of the same name from anything else (another Jobbot installation too) is a conflict.
   */
  async createJob(
    cluster: string,
    manifest: JobManifest,
    opts: CallOptions = {},
  ): Promise<KubeResult<{ created: boolean }>> {
    const { name, namespace } = manifest.metadata;
    const wanted = manifest.metadata.labels?.[LABEL_DISPATCH];
    return this.call(
      cluster,
      async (c, o) => {
        const batch = c.makeApiClient(BatchV1Api);
        // Twice at most: the Job found by AlreadyExists may vanish before it is read.
        for (let attempt = 0; ; attempt++) {
          try {
            await batch.createNamespacedJob({ namespace, body: manifest as unknown as V1Job }, o);
            return { created: true };
          } catch (err) {
            if (!(err instanceof ApiException) || err.code !== 409) throw err;
          }
          let existing: V1Job;
          try {
            existing = await batch.readNamespacedJob({ name, namespace }, o);
          } catch (err) {
            if (err instanceof ApiException && err.code === 404 && attempt === 0) continue;
            throw err;
          }
          const labels = existing.metadata?.labels ?? {};
          const same =
            wanted !== undefined &&
            labels[LABEL_DISPATCH] === wanted &&
            labels[LABEL_MANAGED_BY] === manifest.metadata.labels?.[LABEL_MANAGED_BY] &&
            ofInstallation(labels, manifest.metadata.labels?.[LABEL_INSTALLATION]);
          if (same) return { created: false };
          throw new Refusal({
            kind: 'conflict',
            message: `A Job named ${name} already exists in namespace ${namespace} and was not created by this dispatch.`,
          });
        }
      },
      opts,
    );
  }

  /**
   * Deletes a Job and, in the background, its pods. Without propagationPolicy the API server would
   * orphan the pods (batch/v1's default), leaving them running or cluttering the namespace.
   */
  async deleteJob(
    cluster: string,
    namespace: string,
    name: string,
    opts: CallOptions = {},
  ): Promise<KubeResult<{ existed: boolean }>> {
    return this.call(
      cluster,
      async (c, o) => {
        try {
          await c
            .makeApiClient(BatchV1Api)
            .deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }, o);
          return { existed: true };
        } catch (err) {
          if (err instanceof ApiException && err.code === 404) return { existed: false };
          throw err;
        }
      },
      opts,
    );
  }

  /** The Job, or undefined when there is none of that name (deleted, or never created). */
  async getJob(
    cluster: string,
    namespace: string,
    name: string,
    opts: CallOptions = {},
  ): Promise<KubeResult<V1Job | undefined>> {
    return this.call(
      cluster,
      async (c, o) => {
        try {
          return await c.makeApiClient(BatchV1Api).readNamespacedJob({ name, namespace }, o);
        } catch (err) {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        }
      },
      opts,
    );
  }

  async listPods(
    cluster: string,
    namespace: string,
    labelSelector: string,
    opts: CallOptions = {},
  ): Promise<KubeResult<V1Pod[]>> {
    return this.call(
      cluster,
      async (c, o) =>
        (await c.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector }, o)).items,
      opts,
    );
  }

  /**
   * Logs of every container of `pods` (see gatherPodLogs). Never fails for a single log; only an
   * unknown cluster is a failure. `opts.timeoutMs` bounds each wait of a read (for the answer, then
   * for each next part of the log) and defaults to the background timeout.
   */
  async gatherLogs(
    cluster: string,
    namespace: string,
    pods: V1Pod[],
    opts: Omit<GatherOptions, 'timeoutMs'> & { timeoutMs?: number },
  ): Promise<KubeResult<GatheredLog[]>> {
    const kc = this.kubeConfig(cluster);
    if (!kc) return { ok: false, failure: unknownCluster(cluster) };
    const value = await gatherPodLogs(kc, namespace, pods, { timeoutMs: this.backgroundMs, ...opts });
    return { ok: true, value };
  }

  private async call<T>(
    cluster: string,
    fn: (kc: KubeConfig, options: ConfigurationOptions) => Promise<T>,
    opts: CallOptions = {},
  ): Promise<KubeResult<T>> {
    const c = this.clusters.get(cluster);
    if (!c) return { ok: false, failure: unknownCluster(cluster) };
    const ms = opts.background ? this.backgroundMs : this.interactiveMs;
    try {
      return { ok: true, value: await withDeadline(ms, (options) => fn(c.kubeConfig, options)) };
    } catch (err) {
      const failure = err instanceof Refusal ? err.failure : classifyKubeError(err);
      // A failing cluster is re-checked now, so /readyz says so without waiting for the next round.
      if (failure.kind === 'unavailable') this.clusters.recheck(cluster);
      return { ok: false, failure };
    }
  }
}

function unknownCluster(cluster: string): KubeFailure {
  return { kind: 'not_found', message: `no cluster named ${cluster}` };
}
