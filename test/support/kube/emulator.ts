/**
 * Entry point of the Kubernetes API emulator: `startKubeEmulator()` starts one independent cluster
 * per name (default `alpha` and `beta`), each on its own port, all on one emulated clock.
 *
 * The KubeEmulator forwards cluster-scoped calls (faults, watches, state) to its primary cluster
 * (the first one, also the kubeconfig's current context); `behave` applies to every cluster. Use
 * `cluster(name)` to address another one.
 */

import { writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import type { AccessRule } from './access.js';
import type { BehaviourInput, BehaviourMatcher } from './behaviours.js';
import { EmulatedClock } from './clock.js';
import { KubeCluster } from './cluster.js';
import type { VersionInfo } from './discovery.js';
import { type FaultOptions, type RecordedRequest, RequestLog } from './faults.js';
import type { Job, Pod } from './types.js';

export interface KubeEmulatorOptions {
  /** Cluster (and kubeconfig context) names; default ['alpha', 'beta']. */
  clusters?: string[];
  /** Emulated ms per real ms (default 1). 0 freezes time until `clock.advance()`. */
  speed?: number;
  /** Inject a clock (then `speed` and `start` are ignored). */
  clock?: EmulatedClock;
  /** Emulated start instant; default now. At high speed timestamps run ahead of real time. */
  start?: Date | number;
  /** Namespaces created besides default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Change events kept for watches to resume from, per cluster; default 1000. */
  watchHistory?: number;
  /** Emulated seconds between BOOKMARK events on watches that allow them; default 60. */
  bookmarkIntervalSeconds?: number;
  /** Bearer token the clusters accept; default 'kube-emulator-token'. */
  token?: string;
  /** Seed for UIDs and generated names; default 1. */
  seed?: number;
  /** Record core/v1 Events (default true). */
  events?: boolean;
  version?: Partial<VersionInfo>;
  /** Requests every cluster (or the rule's `cluster`) refuses with 403; see access.ts. */
  forbid?: AccessRule[];
}

export interface KubeconfigOptions {
  /** Clusters to include; default all. */
  clusters?: string[];
  /** Default the first included cluster. */
  currentContext?: string;
  /** Namespace of every context; default 'default'. */
  namespace?: string;
  /** Token written for every user (e.g. a wrong one to test 401). */
  token?: string;
}

export class KubeEmulator {
  readonly clusters: KubeCluster[];

  constructor(
    readonly clock: EmulatedClock,
    clusters: KubeCluster[],
    private readonly requestLog: RequestLog,
    private readonly ownsClock: boolean,
  ) {
    this.clusters = clusters;
  }

  get primary(): KubeCluster {
    return this.clusters[0]!;
  }

  get url(): string {
    return this.primary.url;
  }

  cluster(name: string): KubeCluster {
    const found = this.clusters.find((c) => c.name === name);
    if (!found)
      throw new Error(
        `kube emulator has no cluster "${name}" (have ${this.clusters.map((c) => c.name).join(', ')})`,
      );
    return found;
  }

  /** Container behaviour for every cluster; later rules win. */
  behave(matcher: BehaviourMatcher, behaviour: BehaviourInput): void {
    for (const c of this.clusters) c.behave(matcher, behaviour);
  }

  failNext(count: number, opts: FaultOptions = {}): void {
    this.primary.failNext(count, opts);
  }

  /** Ends the open watches of every cluster. */
  dropWatches(opts: { abrupt?: boolean } = {}): number {
    return this.clusters.reduce((n, c) => n + c.dropWatches(opts), 0);
  }

  expireWatchesBefore(revision: number, opts: { closeOpen?: boolean } = {}): void {
    this.primary.expireWatchesBefore(revision, opts);
  }

  sendBookmarks(): void {
    for (const c of this.clusters) c.sendBookmarks();
  }

  /** Requests to every cluster, in arrival order; each names its cluster. */
  get requests(): RecordedRequest[] {
    return this.requestLog.entries;
  }

  clearRequests(): void {
    this.requestLog.clear();
  }

  /** Every request to any cluster as it arrives (`requests` keeps only the last 5000); returns the unsubscribe. */
  onRequest(observer: (request: RecordedRequest) => void): () => void {
    return this.requestLog.observe(observer);
  }

  get resourceVersion(): number {
    return this.primary.resourceVersion;
  }

  job(namespace: string, name: string): Job | undefined {
    return this.primary.job(namespace, name);
  }

  pods(namespace: string, jobName?: string): Pod[] {
    return this.primary.pods(namespace, jobName);
  }

  waitFor<T>(
    probe: () => T | undefined | null | false,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<T> {
    return this.primary.waitFor(probe, opts);
  }

  kubeconfig(opts: KubeconfigOptions = {}): string {
    const names = opts.clusters ?? this.clusters.map((c) => c.name);
    const included = names.map((n) => this.cluster(n));
    const namespace = opts.namespace ?? 'default';
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      'current-context': opts.currentContext ?? included[0]?.name ?? '',
      clusters: included.map((c) => ({
        name: c.name,
        // client-node refuses an http:// server unless TLS verification is explicitly off.
        cluster: { server: c.url, 'insecure-skip-tls-verify': true },
      })),
      users: included.map((c) => ({ name: `${c.name}-user`, user: { token: opts.token ?? c.token } })),
      contexts: included.map((c) => ({
        name: c.name,
        context: { cluster: c.name, user: `${c.name}-user`, namespace },
      })),
    };
    return yaml.dump(doc);
  }

  /** Writes a kubeconfig with one context per cluster; returns the path. */
  async writeKubeconfig(path: string, opts: KubeconfigOptions = {}): Promise<string> {
    await writeFile(path, this.kubeconfig(opts), { mode: 0o600 });
    return path;
  }

  async close(): Promise<void> {
    await Promise.all(this.clusters.map((c) => c.close()));
    if (this.ownsClock) this.clock.dispose();
  }
}

export async function startKubeEmulator(opts: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const names = opts.clusters ?? ['alpha', 'beta'];
  if (names.length === 0 || new Set(names).size !== names.length) {
    throw new Error('kube emulator needs distinct cluster names');
  }
  const clock =
    opts.clock ??
    new EmulatedClock({ speed: opts.speed ?? 1, ...(opts.start !== undefined && { start: opts.start }) });
  const requestLog = new RequestLog();
  const version: VersionInfo = { major: '1', minor: '32', gitVersion: 'v1.32.0', ...opts.version };
  const clusters: KubeCluster[] = [];
  try {
    for (const [i, name] of names.entries()) {
      clusters.push(
        await KubeCluster.start({
          name,
          token: opts.token ?? 'kube-emulator-token',
          clock,
          requestLog,
          seed: (opts.seed ?? 1) * 7919 + i,
          namespaces: opts.namespaces ?? ['jobbot', 'team-a'],
          watchHistory: opts.watchHistory ?? 1000,
          bookmarkIntervalSeconds: opts.bookmarkIntervalSeconds ?? 60,
          version,
          recordEvents: opts.events ?? true,
          ...(opts.forbid ? { forbid: opts.forbid } : {}),
        }),
      );
    }
  } catch (err) {
    await Promise.all(clusters.map((c) => c.close()));
    throw err;
  }
  return new KubeEmulator(clock, clusters, requestLog, opts.clock === undefined);
}
