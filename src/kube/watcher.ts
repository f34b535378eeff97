/**
 * Following dispatched Jobs: one shared watch of Jobbot's Jobs and one of their Pods per cluster and
 * namespace (selected by the managed-by label), never one per dispatch, so a hundred running
 * dispatches cost two connections. Listeners learn *which* dispatch changed and read its state from
 * the informer caches with `snapshot`: they are level-triggered, not fed individual events.
 *
 * Glossary:
 * - ref: {cluster, namespace, dispatch}, what a listener is called with.
 * - tombstone: the last state of a deleted Job, kept only until the change that reports the deletion
 *   has been delivered, so a listener reading the snapshot then still sees how the Job ended.
 * - synced: both caches of the namespace hold a complete list and their watches are open; false
 *   before that, during a re-list, and while a failed watch waits to restart.
 * - batch: refs are gathered and delivered on the next turn of the event loop, once a re-list has
 *   filled the whole cache: one call per changed dispatch per batch. The same dispatch comes again in
 *   later batches, and after every (re)list each cached dispatch comes once, so nothing is missed
 *   across a gap. Read the snapshot inside the listener (synchronously) to see a tombstone.
 *
 * - sync listener: told each time a namespace's caches become synced again (after the first list, a
 *   re-list or a restart after failure), so a caller can re-check dispatches no event would name
 *   (one whose Job vanished while nobody watched).
 *
 * Cached objects come from a list (client-typed: timestamps as Date) or a watch event (raw JSON:
 * timestamps as strings); the domain's JobLike and PodLike accept both.
 */
import {
  BatchV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  type KubernetesObject,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { jobbotSelector, LABEL_DISPATCH, ofInstallation } from '../domain/definition/index.js';
import type { Logger } from '../logger.js';
import type { ClusterRegistry } from './clusters.js';
import { InformerStream, type StreamOptions, type StreamSink } from './informer-stream.js';

export interface DispatchRef {
  cluster: string;
  namespace: string;
  dispatch: number;
}

export interface DispatchSnapshot {
  /** The dispatch's Job; during the delivery of its deletion, its last state (then jobDeleted). */
  job: V1Job | undefined;
  /** The Job was deleted; `job` is its last state. Only while that change is being delivered. */
  jobDeleted: boolean;
  /** Its pods, oldest first. */
  pods: V1Pod[];
  synced: boolean;
}

export type ChangeListener = (ref: DispatchRef) => void;
export type SyncListener = (where: { cluster: string; namespace: string }) => void;

export interface JobWatcherOptions {
  /** First wait before restarting a failed watch; doubled per failure in a row. Default 1 s. */
  initialBackoffMs?: number;
  /** Longest wait between restarts. Default 30 s. */
  maxBackoffMs?: number;
  /** Bound of each list call. Default 30 s. */
  listTimeoutMs?: number;
  /** Silence on an open watch after which it is re-listed. Default 6 min. */
  silenceMs?: number;
  /** Server-side end of each watch (the informer re-watches). Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Source of the jitter, for tests. */
  random?: () => number;
  /** Told of each failed watch before it restarts (for /metrics). */
  onRestart?: (cluster: string, namespace: string, reason: string) => void;
  /**
   * This installation's id (`jobbot.dev/installation`): Jobs and pods carrying another id belong to
   * another Jobbot dispatching into the same namespace, and are not seen. Those without one (made
   * before installations had ids) are.
   */
  installation?: string;
}

interface Pair {
  jobs: InformerStream<V1Job>;
  pods: InformerStream<V1Pod>;
  tombstones: Map<number, V1Job>;
}

export class JobWatcher {
  readonly #pairs = new Map<string, Pair>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #syncListeners = new Set<SyncListener>();
  /** Refs waiting to be delivered, by key; delivered together after the caches settle. */
  #pending = new Map<string, DispatchRef>();
  #flush: NodeJS.Immediate | undefined;
  #closed = false;
  readonly #opts: StreamOptions;
  readonly #onRestart: JobWatcherOptions['onRestart'];
  readonly #installation: string | undefined;

  constructor(
    private readonly clusters: ClusterRegistry,
    private readonly log: Logger,
    options: JobWatcherOptions = {},
  ) {
    this.#onRestart = options.onRestart;
    this.#installation = options.installation;
    this.#opts = {
      initialBackoffMs: options.initialBackoffMs ?? 1_000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      listTimeoutMs: options.listTimeoutMs ?? 30_000,
      silenceMs: options.silenceMs ?? 360_000,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      random: options.random ?? Math.random,
    };
  }

  /** Makes sure the namespace's Jobs and Pods are watched; cheap to call for every dispatch. */
  watch(cluster: string, namespace: string): void {
    if (this.#closed) return;
    const k = pairKey(cluster, namespace);
    if (this.#pairs.has(k)) return;
    const kc = this.clusters.get(cluster)?.kubeConfig;
    if (!kc) throw new RangeError(`no cluster named ${cluster}`);
    const labelSelector = jobbotSelector();
    const tombstones = new Map<number, V1Job>();
    const batch = kc.makeApiClient(BatchV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const enqueue = (obj: KubernetesObject) => {
      const dispatch = this.#dispatchOf(obj);
      if (dispatch !== undefined) this.#enqueue({ cluster, namespace, dispatch });
    };
    const health = {
      synced: () => {
        // Both caches must be synced; delivered after the refs the list queued, like any change.
        if (this.isSynced(cluster, namespace)) setImmediate(() => this.#synced(cluster, namespace));
      },
      // A failing watch is often the first sign of a failing cluster: /readyz should know now.
      failed: (reason: string) => {
        this.#onRestart?.(cluster, namespace, reason);
        this.clusters.recheck(cluster);
      },
    };
    const jobSink: StreamSink<V1Job> = {
      ...health,
      changed: (job) => {
        const d = this.#dispatchOf(job);
        if (d !== undefined) tombstones.delete(d);
        enqueue(job);
      },
      deleted: (job) => {
        const d = this.#dispatchOf(job);
        if (d !== undefined) tombstones.set(d, job);
        enqueue(job);
      },
      listed: (jobs, vanished) => {
        for (const job of vanished) jobSink.deleted(job);
        for (const job of jobs) jobSink.changed(job);
      },
    };
    const podSink: StreamSink<V1Pod> = {
      ...health,
      changed: enqueue,
      deleted: enqueue,
      listed: (pods, vanished) => {
        for (const pod of [...vanished, ...pods]) enqueue(pod);
      },
    };
    const stream = <T extends KubernetesObject>(
      kind: string,
      path: string,
      list: (options: ConfigurationOptions) => Promise<{ items: T[] }>,
      sink: StreamSink<T>,
    ) =>
      new InformerStream<T>(
        { kubeConfig: kc, path, labelSelector, list, context: { cluster, namespace, kind } },
        sink,
        this.log,
        this.#opts,
      );
    const pair: Pair = {
      jobs: stream(
        'jobs',
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        (o) => batch.listNamespacedJob({ namespace, labelSelector }, o),
        jobSink,
      ),
      pods: stream(
        'pods',
        `/api/v1/namespaces/${namespace}/pods`,
        (o) => core.listNamespacedPod({ namespace, labelSelector }, o),
        podSink,
      ),
      tombstones,
    };
    this.#pairs.set(k, pair);
    pair.jobs.start();
    pair.pods.start();
  }

  /** Called at least once after every change to a dispatch's Job or pods; returns an unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called each time a namespace's watches are synced again; returns an unsubscribe. */
  onSync(listener: SyncListener): () => void {
    this.#syncListeners.add(listener);
    return () => this.#syncListeners.delete(listener);
  }

  /** How long the namespace has gone without synced watches (0 while synced; unknown pairs: 0). */
  unsyncedFor(cluster: string, namespace: string, now = Date.now()): number {
    const pair = this.#pairs.get(pairKey(cluster, namespace));
    if (!pair) return 0;
    const since = Math.min(pair.jobs.downSince ?? now, pair.pods.downSince ?? now);
    return Math.max(0, now - since);
  }

  snapshot(cluster: string, namespace: string, dispatch: number): DispatchSnapshot {
    const pair = this.#pairs.get(pairKey(cluster, namespace));
    if (!pair) return { job: undefined, jobDeleted: false, pods: [], synced: false };
    const jobs = pair.jobs.list().filter((j) => this.#dispatchOf(j) === dispatch);
    const live = jobs.find((j) => !j.metadata?.deletionTimestamp) ?? jobs[0];
    const tombstone = live ? undefined : pair.tombstones.get(dispatch);
    const pods = pair.pods
      .list()
      .filter((p) => this.#dispatchOf(p) === dispatch)
      .sort(
        (a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
      );
    return {
      job: live ?? tombstone,
      jobDeleted: tombstone !== undefined,
      pods,
      synced: pair.jobs.synced && pair.pods.synced,
    };
  }

  isSynced(cluster: string, namespace: string): boolean {
    const pair = this.#pairs.get(pairKey(cluster, namespace));
    return pair?.jobs.synced === true && pair.pods.synced;
  }

  /** Stops every watch and pending restart; no change is delivered afterwards. */
  close(): void {
    this.#closed = true;
    for (const pair of this.#pairs.values()) {
      pair.jobs.stop();
      pair.pods.stop();
    }
    this.#pairs.clear();
    this.#listeners.clear();
    this.#syncListeners.clear();
    this.#pending.clear();
    if (this.#flush) clearImmediate(this.#flush);
    this.#flush = undefined;
  }

  #synced(cluster: string, namespace: string): void {
    if (this.#closed || !this.isSynced(cluster, namespace)) return;
    this.clusters.recheck(cluster);
    for (const listener of [...this.#syncListeners]) {
      try {
        listener({ cluster, namespace });
      } catch (err) {
        this.log.error({ err, cluster, namespace }, 'sync listener failed');
      }
    }
  }

  /** The dispatch an object of this installation belongs to; undefined for anything else. */
  #dispatchOf(obj: KubernetesObject): number | undefined {
    return ofInstallation(obj.metadata?.labels, this.#installation) ? dispatchOf(obj) : undefined;
  }

  #enqueue(ref: DispatchRef): void {
    if (this.#closed) return;
    this.#pending.set(`${pairKey(ref.cluster, ref.namespace)}\u0000${ref.dispatch}`, ref);
    // Deferred so a re-list has filled the whole cache before anyone reads a snapshot.
    this.#flush ??= setImmediate(() => this.#deliver());
  }

  /**
   * Delivers pending refs a slice at a time, each slice in its own turn of the event loop: after a
   * re-list of hundreds of dispatches, their reconciling must not keep Slack's requests waiting.
   */
  #deliver(): void {
    this.#flush = undefined;
    const refs: DispatchRef[] = [];
    for (const [key, ref] of this.#pending) {
      if (refs.length >= DELIVERY_SLICE) break;
      this.#pending.delete(key);
      refs.push(ref);
    }
    for (const ref of refs) {
      for (const listener of [...this.#listeners]) {
        try {
          listener(ref);
        } catch (err) {
          this.log.error({ err, ...ref }, 'dispatch change listener failed');
        }
      }
      this.#pairs.get(pairKey(ref.cluster, ref.namespace))?.tombstones.delete(ref.dispatch);
    }
    if (this.#pending.size > 0 && !this.#closed) this.#flush = setImmediate(() => this.#deliver());
  }
}

/**
 * Refs delivered per turn of the event loop: each is a reconcile of well under a millisecond, so a
 * turn stays short for Slack's requests, and a burst of a thousand is seen within a few turns.
 */
const DELIVERY_SLICE = 100;

function pairKey(cluster: string, namespace: string): string {
  return `${cluster}\u0000${namespace}`;
}

function dispatchOf(obj: KubernetesObject): number | undefined {
  const value = obj.metadata?.labels?.[LABEL_DISPATCH];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function created(obj: KubernetesObject): number {
  const t = obj.metadata?.creationTimestamp as Date | string | undefined;
  return t === undefined ? 0 : new Date(t).getTime();
}
