/**
 * When things happened in the emulated clusters, in real time (Date.now(), the clock the Slack
 * emulator stamps its calls with): a pod created, a pod running, a Job complete, a pod's log read, a
 * Job deletion requested. Taken from the clusters' stores and request streams as they happen.
 */
import type { KubeEmulator } from '../../test/support/kube/index.js';

interface Conditioned {
  status?: { conditions?: { type: string; status: string }[]; phase?: string };
}

const key = (cluster: string, namespace: string | undefined, name: string | undefined) =>
  `${cluster}/${namespace ?? ''}/${name ?? ''}`;

export class KubeTimeline {
  /** `cluster/namespace/pod` → when it was created. */
  readonly podCreated = new Map<string, number>();
  readonly podRunning = new Map<string, number>();
  /** `cluster/namespace/job` → when its Complete (or Failed) condition turned True. */
  readonly jobFinished = new Map<string, number>();
  readonly jobCreated = new Map<string, number>();
  /** First pods/log read of a pod of the Job, and the Job's DELETE, as they reached the API server. */
  readonly logRead = new Map<string, number>();
  readonly jobDeleteRequested = new Map<string, number>();
  /** Pods in phase Running now, and the most at once. */
  running = 0;
  maxRunning = 0;
  private readonly stops: (() => void)[] = [];

  constructor(kube: KubeEmulator) {
    for (const c of kube.clusters) {
      this.stops.push(
        c.store.subscribe((e) => {
          const now = Date.now();
          const m = e.object.metadata;
          const k = key(c.name, m.namespace, m.name);
          const obj = e.object as Conditioned;
          if (e.resource === 'pods') {
            const before = (e.type === 'DELETED' ? e.object : e.previous) as Conditioned | undefined;
            const wasRunning = before?.status?.phase === 'Running';
            const isRunning = e.type !== 'DELETED' && obj.status?.phase === 'Running';
            if (e.type === 'ADDED') this.podCreated.set(k, now);
            if (isRunning && !this.podRunning.has(k)) this.podRunning.set(k, now);
            if (isRunning && !wasRunning) this.running++;
            if (!isRunning && wasRunning) this.running--;
            this.maxRunning = Math.max(this.maxRunning, this.running);
          } else if (e.resource === 'jobs') {
            if (e.type === 'ADDED') this.jobCreated.set(k, now);
            const done = obj.status?.conditions?.some(
              (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
            );
            if (done && !this.jobFinished.has(k)) this.jobFinished.set(k, now);
          }
        }),
      );
    }
    this.stops.push(
      kube.onRequest((r) => {
        const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(r.path);
        if (log && r.method === 'GET') {
          // Pods of a Job are named JOB-xxxxx.
          const job = log[2]!.replace(/-[a-z0-9]{5}$/, '');
          const k = key(r.cluster, log[1], job);
          if (!this.logRead.has(k)) this.logRead.set(k, r.receivedAt);
        }
        const del = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(r.path);
        if (del && r.method === 'DELETE') {
          const k = key(r.cluster, del[1], del[2]);
          if (!this.jobDeleteRequested.has(k)) this.jobDeleteRequested.set(k, r.receivedAt);
        }
      }),
    );
  }

  static key = key;

  stop(): void {
    for (const s of this.stops) s();
  }
}
