/**
 * The cluster side of dispatching, as the dispatch service sees it: Job create/delete through
 * KubeJobs (background timeouts), logs gathered from every pod, and Job/Pod state from the one shared
 * watch per cluster and namespace. A Job seen only as a tombstone (deleted) counts as gone.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { JobManifest } from '../domain/definition/index.js';
import type { JobLike, PodLike } from '../domain/dispatch/index.js';
import type { DispatchKube, GatheredLog } from '../services/dispatches.js';
import type { KubeJobs } from './jobs.js';
import type { JobWatcher } from './watcher.js';
import { WorkLimit } from './work-limit.js';

export interface DispatchKubeOptions {
  /**
   * Bytes kept of each container's log, its head and real end (the service's cap, so what it stores
   * is what was kept here). The whole log is read as a stream; this bounds the memory of each read.
   */
  logCapBytes: number;
  logRetries: number;
  /** First wait before retrying a log read. */
  logRetryMs?: number;
  /** Job creations, deletions, existence checks and log gatherings in flight at once (see WorkLimit). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 4;

export class KubeDispatchAdapter implements DispatchKube {
  /** Per cluster: one that does not answer must not hold up the others. */
  readonly #limits = new Map<string, WorkLimit>();

  constructor(
    private readonly jobs: KubeJobs,
    private readonly watcher: JobWatcher,
    private readonly options: DispatchKubeOptions = { logCapBytes: 1024 * 1024, logRetries: 3 },
  ) {}

  private limited<T>(cluster: string, work: () => Promise<T>): Promise<T> {
    let limit = this.#limits.get(cluster);
    if (!limit) {
      limit = new WorkLimit(Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY));
      this.#limits.set(cluster, limit);
    }
    return limit.run(work);
  }

  createJob(cluster: string, manifest: JobManifest) {
    return this.limited(cluster, () => this.jobs.createJob(cluster, manifest, { background: true }));
  }

  deleteJob(cluster: string, namespace: string, name: string) {
    return this.limited(cluster, () => this.jobs.deleteJob(cluster, namespace, name, { background: true }));
  }

  async jobExists(cluster: string, namespace: string, name: string) {
    const job = await this.limited(cluster, () =>
      this.jobs.getJob(cluster, namespace, name, { background: true }),
    );
    return job.ok ? { ok: true as const, value: job.value !== undefined } : job;
  }

  unsyncedFor(cluster: string, namespace: string): number {
    return this.watcher.unsyncedFor(cluster, namespace);
  }

  async gatherLogs(cluster: string, namespace: string, pods: PodLike[]): Promise<GatheredLog[]> {
    const result = await this.limited(cluster, () =>
      this.jobs.gatherLogs(cluster, namespace, pods as V1Pod[], {
        maxBytes: this.options.logCapBytes,
        retries: this.options.logRetries,
        ...(this.options.logRetryMs !== undefined ? { backoffMs: this.options.logRetryMs } : {}),
      }),
    );
    if (result.ok) return result.value;
    return (pods as V1Pod[]).flatMap((p) =>
      (p.spec?.containers ?? []).map((c) => ({
        pod: p.metadata?.name ?? '',
        container: c.name,
        init: false,
        previous: false,
        text: '',
        originalBytes: 0,
        truncated: false,
        error: `could not be read: ${result.failure.message}`,
      })),
    );
  }

  watch(cluster: string, namespace: string): void {
    this.watcher.watch(cluster, namespace);
  }

  snapshot(
    cluster: string,
    namespace: string,
    dispatch: number,
  ): { job: JobLike | undefined; pods: PodLike[]; synced: boolean } {
    const s = this.watcher.snapshot(cluster, namespace, dispatch);
    return {
      job: s.jobDeleted ? undefined : (s.job as JobLike | undefined),
      pods: s.pods as PodLike[],
      synced: s.synced,
    };
  }
}
