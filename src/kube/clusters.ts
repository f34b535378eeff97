/**
 * Clusters. Each kubeconfig context is one cluster named after the context; inside a pod the service
 * account gives the single cluster `in-cluster`. A cluster that cannot be reached is still registered:
 * Jobbot keeps serving the others and reports the failed check in the log and in /readyz, and keeps
 * checking so the report heals by itself.
 */

import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { KubeSource } from '../config.js';
import type { Policy } from '../domain/policy/index.js';
import type { Logger } from '../logger.js';
import { closeAgents } from './agents.js';
import { installHttpApi } from './http-api.js';
import { TimeoutError, withDeadline } from './timeout.js';

export interface ClusterCheck {
  cluster: string;
  reachable: boolean;
  checkedAt: string | undefined;
  /** Server version (gitVersion) on success. */
  version?: string;
  /** Why the last check failed, in words an operator can act on. */
  error?: string;
}

export interface Cluster {
  name: string;
  server: string;
  kubeConfig: KubeConfig;
}

export function loadKubeConfig(source: KubeSource): KubeConfig {
  const kc = new KubeConfig();
  if (source.kind === 'in-cluster') {
    kc.loadFromCluster();
    return kc;
  }
  if (source.kind === 'files') {
    const [first, ...rest] = source.paths;
    if (first) kc.loadFromFile(first);
    for (const file of rest) {
      const other = new KubeConfig();
      other.loadFromFile(file);
      kc.mergeConfig(other);
    }
  }
  return kc;
}

/**
 * One KubeConfig per context, each with that context current, so clients never share state but
 * their own cluster's kept-alive connections.
 */
export function clustersFrom(kc: KubeConfig, source: KubeSource): Cluster[] {
  return kc.getContexts().map((ctx) => {
    const single = new KubeConfig();
    single.loadFromOptions({
      clusters: kc.clusters,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: ctx.name,
    });
    installHttpApi(single);
    const name = source.kind === 'in-cluster' ? 'in-cluster' : ctx.name;
    return { name, server: single.getCurrentCluster()?.server ?? '', kubeConfig: single };
  });
}

export interface ClusterRegistryOptions {
  checkTimeoutMs?: number;
  recheckIntervalMs?: number;
  /** Least time between two checks of one cluster asked for by `recheck`. Default 1 s. */
  recheckSpacingMs?: number;
}

export class ClusterRegistry {
  readonly #clusters: Map<string, Cluster>;
  readonly #checks = new Map<string, ClusterCheck>();
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  readonly #spacingMs: number;
  /** Checks in flight, and when each cluster's last one ended, so `recheck` never piles them up. */
  readonly #inFlight = new Map<string, Promise<ClusterCheck>>();
  readonly #lastEnded = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(clusters: Cluster[], log: Logger, options: ClusterRegistryOptions = {}) {
    this.#clusters = new Map(clusters.map((c) => [c.name, c]));
    this.#log = log;
    this.#timeoutMs = options.checkTimeoutMs ?? 5_000;
    this.#intervalMs = options.recheckIntervalMs ?? 30_000;
    this.#spacingMs = options.recheckSpacingMs ?? 1_000;
    for (const c of clusters)
      this.#checks.set(c.name, { cluster: c.name, reachable: false, checkedAt: undefined });
  }

  names(): string[] {
    return [...this.#clusters.keys()];
  }

  get(name: string): Cluster | undefined {
    return this.#clusters.get(name);
  }

  checks(): ClusterCheck[] {
    return [...this.#checks.values()];
  }

  /** Checks every cluster now (in parallel), then every interval in the background. */
  async start(): Promise<void> {
    await this.checkAll();
    this.#timer = setInterval(() => void this.checkAll(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the checks and closes the clusters' kept-alive connections. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const c of this.#clusters.values()) closeAgents(c.kubeConfig);
  }

  async checkAll(): Promise<ClusterCheck[]> {
    return Promise.all([...this.#clusters.values()].map((c) => this.check(c)));
  }

  /**
   * Something just failed (or recovered) on this cluster: check it now rather than at the next round,
   * so /readyz follows the cluster closely. At most one check per cluster at a time, spaced out.
   */
  recheck(name: string): void {
    const cluster = this.#clusters.get(name);
    if (!cluster || this.#stopped || this.#inFlight.has(name)) return;
    if (Date.now() - (this.#lastEnded.get(name) ?? 0) < this.#spacingMs) return;
    void this.check(cluster);
  }

  private check(cluster: Cluster): Promise<ClusterCheck> {
    const running = this.#inFlight.get(cluster.name);
    if (running) return running;
    const check = this.checkNow(cluster).finally(() => {
      this.#inFlight.delete(cluster.name);
      this.#lastEnded.set(cluster.name, Date.now());
    });
    this.#inFlight.set(cluster.name, check);
    return check;
  }

  private async checkNow(cluster: Cluster): Promise<ClusterCheck> {
    const before = this.#checks.get(cluster.name);
    let result: ClusterCheck;
    try {
      const info = await withDeadline(this.#timeoutMs, (o) =>
        cluster.kubeConfig.makeApiClient(VersionApi).getCode(o),
      );
      result = {
        cluster: cluster.name,
        reachable: true,
        checkedAt: new Date().toISOString(),
        version: info.gitVersion,
      };
    } catch (err) {
      result = {
        cluster: cluster.name,
        reachable: false,
        checkedAt: new Date().toISOString(),
        error: describe(err, cluster.server),
      };
    }
    this.#checks.set(cluster.name, result);
    if (result.reachable && before?.reachable !== true) {
      this.#log.info({ cluster: cluster.name, version: result.version }, 'cluster reachable');
    } else if (!result.reachable && (before?.reachable !== false || before.checkedAt === undefined)) {
      this.#log.warn(
        { cluster: cluster.name, server: cluster.server, error: result.error },
        'cluster unreachable',
      );
    }
    return result;
  }
}

function describe(err: unknown, server: string): string {
  if (err instanceof TimeoutError) return `no answer from ${server} within ${err.ms} ms`;
  const e = err as { code?: unknown; message?: string; cause?: { code?: string } };
  if (typeof e.code === 'number') return `${server} answered HTTP ${e.code}`;
  const sys = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  return sys ? `cannot connect to ${server} (${sys})` : `cannot reach ${server}: ${e.message ?? String(err)}`;
}

/**
 * The clusters the policy names, each under its policy name and built from its kubeconfig context;
 * every context when the policy names none. Problems are for the operator, before start-up.
 */
export function policyClusters(all: Cluster[], policy: Policy): { clusters: Cluster[]; problems: string[] } {
  if (!policy.clusters) return { clusters: all, problems: [] };
  const problems: string[] = [];
  const clusters: Cluster[] = [];
  for (const [name, c] of Object.entries(policy.clusters)) {
    const context = c.context ?? name;
    const found = all.find((k) => k.name === context);
    if (found) clusters.push({ ...found, name });
    else
      problems.push(
        `The policy's cluster ${name} uses kubeconfig context ${context}, which the kubeconfig does not have (it has: ${all.map((k) => k.name).join(', ') || 'none'}).`,
      );
  }
  return { clusters, problems };
}
