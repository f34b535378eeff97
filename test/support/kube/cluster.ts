/**
 * One emulated cluster: its own API server (node:http on 127.0.0.1, random port), storage,
 * job controller, garbage collector and kubelet, sharing the emulator's clock.
 *
 * This class is also the test-facing handle of a cluster: container behaviours, faults, watch
 * manipulation, the request log, direct state reads and reachability.
 */

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type AccessRule, AccessRules } from './access.js';
import { type BehaviourInput, type BehaviourMatcher, BehaviourRegistry } from './behaviours.js';
import type { EmulatedClock } from './clock.js';
import type { VersionInfo } from './discovery.js';
import { EventRecorder } from './events.js';
import { FaultInjector, type FaultOptions, type RecordedRequest, type RequestLog } from './faults.js';
import { GarbageCollector } from './gc.js';
import type { ClusterState } from './http.js';
import { IdSource } from './ids.js';
import { JobController } from './job-controller.js';
import { Kubelet } from './kubelet.js';
import { LogStore } from './logs.js';
import { type ServeHost, serveRequest } from './serve.js';
import { ObjectStore } from './store.js';
import type { Job, KubeObject, Pod, ResourceName } from './types.js';
import { WatchHub } from './watch.js';

export interface ClusterOptions {
  name: string;
  token: string;
  clock: EmulatedClock;
  requestLog: RequestLog;
  seed: number;
  namespaces: string[];
  watchHistory: number;
  bookmarkIntervalSeconds: number;
  version: VersionInfo;
  recordEvents: boolean;
  forbid?: readonly AccessRule[];
}

export type UnreachableMode = 'refuse' | 'hang';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class KubeCluster implements ClusterState {
  readonly name: string;
  readonly token: string;
  readonly clock: EmulatedClock;
  readonly store: ObjectStore;
  readonly ids: IdSource;
  readonly logs = new LogStore();
  readonly watches: WatchHub;
  readonly faults = new FaultInjector();
  readonly events: EventRecorder;
  readonly version: VersionInfo;
  readonly behaviours = new BehaviourRegistry();
  /** What this cluster refuses (403) and says no to in SelfSubjectAccessReview; see access.ts. */
  readonly access: AccessRules;
  bookmarkIntervalSeconds: number;
  /** TCP connections accepted so far, to see clients reuse them. */
  connections = 0;
  private readonly requestLog: RequestLog;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private readonly stoppers: (() => void)[] = [];
  private port = 0;
  private mode: 'up' | UnreachableMode = 'up';

  private constructor(opts: ClusterOptions) {
    this.name = opts.name;
    this.token = opts.token;
    this.clock = opts.clock;
    this.version = opts.version;
    this.requestLog = opts.requestLog;
    this.bookmarkIntervalSeconds = opts.bookmarkIntervalSeconds;
    this.store = new ObjectStore(opts.watchHistory);
    this.ids = new IdSource(opts.seed);
    this.events = new EventRecorder(this.store, this.clock, this.ids);
    this.events.enabled = opts.recordEvents;
    this.access = new AccessRules(this.name, opts.forbid);
    this.watches = new WatchHub(this.store, this.clock, () => this.bookmarkIntervalSeconds * 1000);
    for (const ns of [...SYSTEM_NAMESPACES, ...opts.namespaces]) this.addNamespace(ns);
    const controller = new JobController(this.store, this.clock, this.ids, this.events);
    const gc = new GarbageCollector(this.store, this.clock);
    const kubelet = new Kubelet(
      this.store,
      this.clock,
      this.logs,
      this.behaviours,
      this.events,
      this.ids,
      `${this.name}-worker`,
    );
    this.stoppers.push(
      () => controller.stop(),
      () => gc.stop(),
      () => kubelet.stop(),
    );
    const host: ServeHost = {
      state: this,
      token: this.token,
      requestLog: this.requestLog,
      faults: this.faults,
      hanging: () => this.mode === 'hang',
      hold: (res) => {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
      },
    };
    this.server = createServer((req, res) => {
      void serveRequest(host, req, res);
    });
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(opts: ClusterOptions): Promise<KubeCluster> {
    const cluster = new KubeCluster(opts);
    await cluster.listen(0);
    return cluster;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** TCP connections open now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  serverAddress(): string {
    return `127.0.0.1:${this.port}`;
  }

  // ---- test API -------------------------------------------------------------------------------

  /** Sets what matching containers do; later rules win. See `behaviours` for builders. */
  behave(matcher: BehaviourMatcher, behaviour: BehaviourInput): void {
    this.behaviours.add(matcher, behaviour);
  }

  /** Fails (or delays, or hangs) the next `count` requests matching `opts.method`/`opts.path`. */
  failNext(count: number, opts: FaultOptions = {}): void {
    this.faults.failNext(count, opts);
  }

  /** Ends every open watch; `abrupt` destroys the sockets instead of ending the streams. */
  dropWatches(opts: { abrupt?: boolean } = {}): number {
    return this.watches.dropAll(opts.abrupt);
  }

  /**
   * Compacts history: a watch (re)started from a resourceVersion below `revision` gets the 410
   * ERROR event. With `closeOpen`, open watches positioned before it get it right away.
   */
  expireWatchesBefore(revision: number, opts: { closeOpen?: boolean } = {}): void {
    this.store.compact(revision);
    if (opts.closeOpen) this.watches.expireBefore(revision);
  }

  /** Keeps only the last `size` change events for watches to resume from. */
  setWatchHistory(size: number): void {
    this.store.setHistoryLimit(size);
  }

  sendBookmarks(): void {
    this.watches.bookmarkAll();
  }

  /** Open watches go silent without ending (a dead connection); new watches work. Returns how many. */
  muteWatches(): number {
    return this.watches.muteAll();
  }

  /** Requests held unanswered (hang faults, 'hang' mode) whose client has not hung up yet. */
  get heldRequests(): number {
    return this.hung.size;
  }

  get requests(): RecordedRequest[] {
    return this.requestLog.entries.filter((r) => r.cluster === this.name);
  }

  clearRequests(): void {
    this.requestLog.clear(this.name);
  }

  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resource, namespace, name);
  }

  list(resource: ResourceName, namespace?: string): KubeObject[] {
    return this.store.list(resource, namespace);
  }

  job(namespace: string, name: string): Job | undefined {
    return this.store.get('jobs', namespace, name) as Job | undefined;
  }

  /** Pods of a Job (by its controller-uid label) or, without a name, all pods of the namespace. */
  pods(namespace: string, jobName?: string): Pod[] {
    const pods = this.store.list('pods', namespace) as Pod[];
    return jobName === undefined
      ? pods
      : pods.filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === jobName);
  }

  /**
   * Resolves with the first truthy value of `probe`, re-checked after every change in this
   * cluster. Rejects after `timeoutMs` real milliseconds.
   */
  waitFor<T>(
    probe: () => T | undefined | null | false,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let unsubscribe = () => {};
      const check = (): boolean => {
        const value = probe();
        if (!value) return false;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new Error(
            `kube emulator (${this.name}): timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}`,
          ),
        );
      }, timeoutMs);
      if (check()) return;
      unsubscribe = this.store.subscribe(() => queueMicrotask(check));
    });
  }

  /**
   * Makes the API server unreachable: 'refuse' closes the listener (connection refused),
   * 'hang' accepts connections but never answers (client timeouts).
   */
  async setUnreachable(mode: UnreachableMode = 'refuse'): Promise<void> {
    if (this.mode !== 'up') await this.setReachable();
    this.mode = mode;
    if (mode === 'refuse') {
      this.watches.dropAll(true);
      await this.closeListener();
    }
  }

  async setReachable(): Promise<void> {
    const previous = this.mode;
    this.mode = 'up';
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
    if (previous === 'refuse') await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const stop of this.stoppers) stop();
    this.watches.dropAll(true);
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
    if (this.mode !== 'refuse') await this.closeListener();
    this.mode = 'refuse';
  }

  // ---- internals ------------------------------------------------------------------------------

  private addNamespace(name: string): void {
    if (this.store.get('namespaces', undefined, name)) return;
    this.store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: this.ids.uid(),
        creationTimestamp: this.clock.iso(),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve();
      });
    });
  }

  private closeListener(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
