/**
 * The emulated Job controller, a port of the decisions of kube-controller-manager's job controller
 * (pkg/controller/job, v1.32) for NonIndexed Jobs:
 *
 * - keeps min(parallelism, completions - succeeded) pods active, with the failure back-off
 *   (10 s doubling, capped at 6 min) before replacing failed pods;
 * - counts finished pods through `status.uncountedTerminatedPods` and the
 *   `batch.kubernetes.io/job-tracking` finalizer (add UID, remove finalizer, move to counter);
 * - fails the Job on backoffLimit (failed pods, or container restarts with OnFailure) or
 *   activeDeadlineSeconds: FailureTarget first, active pods deleted, Failed once none terminate;
 * - completes it with SuccessCriteriaMet, then Complete and completionTime;
 * - suspends (pods deleted without counting them) and resumes (startTime reset);
 * - deletes finished Jobs after ttlSecondsAfterFinished.
 */

import type { ClockTimer, EmulatedClock } from './clock.js';
import { defaultPodSpec, podFromTemplate } from './defaults.js';
import { deleteJob, deletePod as deletePodObject, removeFinalizer } from './deletion.js';
import type { EventRecorder } from './events.js';
import type { IdSource } from './ids.js';
import { JobSync } from './job-sync.js';
import { type BackoffRecord, hasFinalizer, isJobFinished, type JobSyncHost } from './job-tracking.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import { controllerOf, findCondition, JOB_TRACKING_FINALIZER, type Job, type Pod } from './types.js';

export class JobController implements JobSyncHost {
  private readonly queued = new Set<string>();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly delayed = new Map<string, ClockTimer>();
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: EmulatedClock,
    private readonly ids: IdSource,
    private readonly events: EventRecorder,
  ) {
    store.subscribe((e) => this.onChange(e));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.delayed.values()) t.cancel();
  }

  private onChange(e: ChangeEvent): void {
    if (this.stopped) return;
    if (e.resource === 'jobs') this.enqueue(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    if (e.resource !== 'pods' || e.type === 'DELETED') {
      if (e.resource === 'pods') this.enqueueOwner(e.object as Pod);
      return;
    }
    const pod = e.object as Pod;
    this.enqueueOwner(pod);
    if (hasFinalizer(pod)) this.clock.setTimeout(() => this.syncOrphanPod(pod), 0);
  }

  private enqueueOwner(pod: Pod): void {
    const owner = controllerOf(pod);
    if (owner?.kind === 'Job') this.enqueue(`${pod.metadata.namespace}/${owner.name}`);
  }

  enqueue(key: string, delayMs = 0): void {
    if (delayMs > 0) {
      // One pending timer per Job: keep whichever is due first (deadline vs failure back-off).
      const existing = this.delayed.get(key);
      if (existing && existing.due <= this.clock.now() + delayMs) return;
      existing?.cancel();
      const timer = this.clock.setTimeout(() => {
        this.delayed.delete(key);
        this.enqueue(key);
      }, delayMs);
      this.delayed.set(key, timer);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.clock.setTimeout(() => {
      this.queued.delete(key);
      if (!this.stopped) this.sync(key);
    }, 0);
  }

  /** Pods whose Job is gone or finished must not keep the tracking finalizer forever. */
  private syncOrphanPod(snapshot: Pod): void {
    const pod = this.store.get('pods', snapshot.metadata.namespace, snapshot.metadata.name ?? '') as
      | Pod
      | undefined;
    if (!pod || !hasFinalizer(pod)) return;
    const owner = controllerOf(pod);
    if (owner?.kind === 'Job') {
      const job = this.store.get('jobs', pod.metadata.namespace, owner.name) as Job | undefined;
      if (job && job.metadata.uid === owner.uid && !isJobFinished(job)) return;
    }
    removeFinalizer(this.store, 'pods', pod, JOB_TRACKING_FINALIZER);
  }

  private sync(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const job = this.store.get('jobs', namespace, name) as Job | undefined;
    if (!job) {
      this.backoff.delete(key);
      return;
    }
    job.status ??= {};
    if (isJobFinished(job)) {
      this.backoff.delete(key);
      this.scheduleTtl(key, job);
      return;
    }
    new JobSync(this, job, key).run();
  }

  private scheduleTtl(key: string, job: Job): void {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || job.metadata.deletionTimestamp) return;
    const finishedAt = (
      findCondition(job.status.conditions, 'Complete') ?? findCondition(job.status.conditions, 'Failed')
    )?.lastTransitionTime;
    const due = Date.parse(finishedAt ?? this.clock.iso()) + ttl * 1000;
    const wait = due - this.clock.now();
    if (wait > 0) {
      this.enqueue(key, wait);
      return;
    }
    deleteJob(this.store, this.clock, job, 'Background');
  }

  // Services for JobSync: kept here so the per-sync state object stays small.

  get storeRef(): ObjectStore {
    return this.store;
  }

  now(): number {
    return this.clock.now();
  }

  iso(at?: number): string {
    return this.clock.iso(at);
  }

  event(job: Job, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.record(job, type, reason, message, 'job-controller');
  }

  backoffRecord(key: string): BackoffRecord {
    return this.backoff.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureTime: 0 };
  }

  setBackoffRecord(key: string, record: BackoffRecord): void {
    this.backoff.set(key, record);
  }

  createPod(job: Job): Pod {
    const pod = podFromTemplate({
      job,
      name: this.ids.generateName(`${job.metadata.name}-`),
      uid: this.ids.uid(),
      createdAt: this.clock.iso(),
    });
    defaultPodSpec(pod.spec);
    const created = this.store.create('pods', pod) as Pod;
    this.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    return created;
  }

  deletePod(job: Job, pod: Pod, dropFinalizer: boolean): void {
    if (dropFinalizer) removeFinalizer(this.store, 'pods', pod, JOB_TRACKING_FINALIZER);
    const current = this.store.get('pods', pod.metadata.namespace, pod.metadata.name ?? '') as
      | Pod
      | undefined;
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    deletePodObject(this.store, this.clock, current);
    this.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }
}
