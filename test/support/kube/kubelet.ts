/**
 * The emulated scheduler + kubelet of one cluster (a single node).
 *
 * It binds every new pod to the node, runs its init containers one after the other and then its
 * containers side by side, and writes pod status the way a kubelet does: phase Pending -> Running ->
 * Succeeded/Failed, conditions, containerStatuses. A pod marked for deletion gets SIGTERM, turns
 * Failed (unless it had already succeeded) and is then released (deletionGracePeriodSeconds 0), which
 * lets the API remove it once no finalizer is left.
 */

import type { BehaviourRegistry } from './behaviours.js';
import type { EmulatedClock } from './clock.js';
import { type ContainerHost, ContainerRuntime } from './container-runtime.js';
import type { EventRecorder } from './events.js';
import type { IdSource } from './ids.js';
import type { LogStore } from './logs.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import { type Condition, controllerOf, type Pod, type PodStatus } from './types.js';

interface PodRuntime {
  uid: string;
  namespace: string;
  name: string;
  init: ContainerRuntime[];
  main: ContainerRuntime[];
  initIndex: number;
  restartPolicy: string;
  podIP: string;
  startTime: string;
  stopping: boolean;
  released: boolean;
  writePending: boolean;
}

export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  private readonly attempts = new Map<string, number>();
  private ipCounter = 1;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: EmulatedClock,
    private readonly logs: LogStore,
    private readonly behaviours: BehaviourRegistry,
    private readonly events: EventRecorder,
    private readonly ids: IdSource,
    readonly nodeName: string,
  ) {
    store.subscribe((e) => this.onChange(e));
  }

  stop(): void {
    this.stopped = true;
  }

  private onChange(e: ChangeEvent): void {
    if (e.resource !== 'pods' || this.stopped) return;
    const pod = e.object as Pod;
    const uid = pod.metadata.uid ?? '';
    if (e.type === 'DELETED') {
      for (const c of this.pods.get(uid)?.main ?? []) c.kill(0);
      this.pods.delete(uid);
      this.logs.forget(uid);
      return;
    }
    if (e.type === 'ADDED' && !pod.spec.nodeName) {
      this.clock.setTimeout(() => this.bind(pod.metadata.namespace ?? '', pod.metadata.name ?? '', uid), 0);
      return;
    }
    const rt = this.pods.get(uid);
    if (pod.metadata.deletionTimestamp && !rt?.stopping) {
      this.clock.setTimeout(
        () => this.beginStop(pod.metadata.namespace ?? '', pod.metadata.name ?? '', uid),
        0,
      );
    }
  }

  private fetch(namespace: string, name: string, uid: string): Pod | undefined {
    const pod = this.store.get('pods', namespace, name) as Pod | undefined;
    return pod && pod.metadata.uid === uid ? pod : undefined;
  }

  /** The scheduler's binding, then the kubelet admitting the pod. */
  private bind(namespace: string, name: string, uid: string): void {
    const pod = this.fetch(namespace, name, uid);
    if (!pod || pod.metadata.deletionTimestamp || this.stopped) return;
    const now = this.clock.iso();
    pod.spec.nodeName = this.nodeName;
    pod.status = {
      ...pod.status,
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now }],
    };
    this.store.update('pods', pod);
    this.events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${name} to ${this.nodeName}`,
      'default-scheduler',
    );
    this.admit(pod);
  }

  private admit(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const rt: PodRuntime = {
      uid,
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      init: [],
      main: [],
      initIndex: 0,
      restartPolicy: pod.spec.restartPolicy ?? 'Always',
      podIP: `10.244.0.${(this.ipCounter++ % 250) + 2}`,
      startTime: this.clock.iso(),
      stopping: false,
      released: false,
      writePending: false,
    };
    const host = this.hostFor(rt, pod);
    rt.init = (pod.spec.initContainers ?? []).map((c) => new ContainerRuntime(c, host));
    const mainWaiting = rt.init.length > 0 ? 'PodInitializing' : 'ContainerCreating';
    rt.main = pod.spec.containers.map((c) => new ContainerRuntime(c, host, mainWaiting));
    this.pods.set(uid, rt);
    if (rt.init.length > 0) rt.init[0]!.start();
    else for (const c of rt.main) c.start();
    this.writeStatus(rt);
  }

  private hostFor(rt: PodRuntime, pod: Pod): ContainerHost {
    const owner = controllerOf(pod);
    const jobName = owner?.kind === 'Job' ? owner.name : undefined;
    const attemptScope = owner?.uid ?? rt.uid;
    return {
      clock: this.clock,
      logs: this.logs,
      podUid: rt.uid,
      podRef: `${rt.name}_${rt.namespace}(${rt.uid})`,
      restartPolicy: rt.restartPolicy,
      nextBehaviour: (container) => {
        const key = `${attemptScope}/${container.name}`;
        const attempt = this.attempts.get(key) ?? 0;
        this.attempts.set(key, attempt + 1);
        return this.behaviours.resolve(
          {
            namespace: rt.namespace,
            job: jobName,
            pod: rt.name,
            container: container.name,
            image: container.image ?? '',
            attempt,
          },
          container,
        );
      },
      changed: () => this.changed(rt),
      event: (type, reason, message) => {
        const current = this.fetch(rt.namespace, rt.name, rt.uid);
        if (current) this.events.record(current, type, reason, message, 'kubelet');
      },
      randomHex: (length) =>
        Array.from({ length }, () => Math.floor(this.ids.next() * 16).toString(16)).join(''),
    };
  }

  /** Coalesces the status changes of one instant into a single write. */
  private changed(rt: PodRuntime): void {
    if (rt.writePending || this.stopped) return;
    rt.writePending = true;
    this.clock.setTimeout(() => {
      rt.writePending = false;
      this.progressInit(rt);
      this.writeStatus(rt);
      if (rt.stopping) this.maybeRelease(rt);
    }, 0);
  }

  private progressInit(rt: PodRuntime): void {
    if (rt.stopping) return;
    while (rt.initIndex < rt.init.length) {
      const c = rt.init[rt.initIndex]!;
      if (!c.done || c.exitCode !== 0) return;
      rt.initIndex++;
      if (rt.initIndex < rt.init.length) rt.init[rt.initIndex]!.start();
      else for (const m of rt.main) m.start();
    }
  }

  private phase(rt: PodRuntime, previous: PodStatus['phase']): NonNullable<PodStatus['phase']> {
    if (previous === 'Succeeded' || previous === 'Failed') return previous;
    const initFailed = rt.init.some((c) => c.done && c.exitCode !== 0);
    if (initFailed) return 'Failed';
    const allDone = rt.main.every((c) => c.done);
    if (rt.initIndex >= rt.init.length && allDone) {
      return rt.main.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    if (rt.stopping && ![...rt.init, ...rt.main].some((c) => c.running)) return 'Failed';
    return rt.main.some((c) => c.started) ? 'Running' : 'Pending';
  }

  private writeStatus(rt: PodRuntime): void {
    const pod = this.fetch(rt.namespace, rt.name, rt.uid);
    if (!pod || rt.released) return;
    const phase = this.phase(rt, pod.status.phase);
    const now = this.clock.iso();
    const old = pod.status.conditions ?? [];
    const cond = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
      const status = ok ? 'True' : 'False';
      const prev = old.find((c) => c.type === type);
      const c: Condition = {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: prev?.status === status ? (prev.lastTransitionTime ?? now) : now,
      };
      if (reason) c.reason = reason;
      if (message) c.message = message;
      return c;
    };
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const initDone = rt.initIndex >= rt.init.length;
    const unready = rt.main.filter((c) => !c.ready).map((c) => c.name);
    const allReady = unready.length === 0 && !terminal && !rt.stopping;
    const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
    const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    const pendingInit = rt.init.slice(rt.initIndex).map((c) => c.name);
    const status: PodStatus = {
      ...pod.status,
      phase,
      conditions: [
        cond('PodReadyToStartContainers', !terminal),
        initDone
          ? cond('Initialized', true, terminal && rt.init.length > 0 ? 'PodCompleted' : undefined)
          : cond(
              'Initialized',
              false,
              'ContainersNotInitialized',
              `containers with incomplete status: [${pendingInit.join(' ')}]`,
            ),
        allReady ? cond('Ready', true) : cond('Ready', false, readyReason, readyMessage),
        allReady ? cond('ContainersReady', true) : cond('ContainersReady', false, readyReason, readyMessage),
        cond('PodScheduled', true),
      ],
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      podIP: rt.podIP,
      podIPs: [{ ip: rt.podIP }],
      startTime: rt.startTime,
      containerStatuses: rt.main.map((c) => c.status()),
      qosClass: 'BestEffort',
    };
    if (rt.init.length > 0) status.initContainerStatuses = rt.init.map((c) => c.status());
    pod.status = status;
    this.store.update('pods', pod);
  }

  private beginStop(namespace: string, name: string, uid: string): void {
    const rt = this.pods.get(uid);
    const pod = this.fetch(namespace, name, uid);
    if (!pod) return;
    if (!rt) {
      // Deleted before the kubelet admitted it: nothing runs, release at once.
      this.release(pod);
      return;
    }
    if (rt.stopping) return;
    rt.stopping = true;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    for (const c of [...rt.init, ...rt.main]) c.kill(grace);
    this.changed(rt);
  }

  private maybeRelease(rt: PodRuntime): void {
    if (rt.released || [...rt.init, ...rt.main].some((c) => c.running)) return;
    const pod = this.fetch(rt.namespace, rt.name, rt.uid);
    if (!pod) return;
    rt.released = true;
    this.release(pod);
  }

  /** The kubelet's final DELETE with grace 0: the API removes the pod once finalizers are gone. */
  private release(pod: Pod): void {
    if (pod.metadata.deletionGracePeriodSeconds === 0) return;
    pod.metadata.deletionGracePeriodSeconds = 0;
    this.store.update('pods', pod);
  }
}
