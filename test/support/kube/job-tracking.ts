/**
 * Finished-pod accounting of the job controller (trackJobStatusAndRemoveFinalizers and
 * enactJobFinished): a finished pod's UID goes into status.uncountedTerminatedPods, its
 * `batch.kubernetes.io/job-tracking` finalizer is removed, then it moves into the succeeded/failed
 * counters; the terminal condition is added once nothing is uncounted or terminating.
 *
 * Also holds the pod predicates and the host interface shared with job-sync.ts.
 */

import { removeFinalizer } from './deletion.js';
import type { ObjectStore } from './store.js';
import {
  type Condition,
  findCondition,
  isConditionTrue,
  JOB_TRACKING_FINALIZER,
  type Job,
  type Pod,
} from './types.js';

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number;
}

/** What a sync pass needs from the controller. */
export interface JobSyncHost {
  readonly storeRef: ObjectStore;
  now(): number;
  iso(at?: number): string;
  event(job: Job, type: 'Normal' | 'Warning', reason: string, message: string): void;
  backoffRecord(key: string): BackoffRecord;
  setBackoffRecord(key: string, record: BackoffRecord): void;
  createPod(job: Job): Pod;
  deletePod(job: Job, pod: Pod, dropFinalizer: boolean): void;
  enqueue(key: string, delayMs?: number): void;
}

export const hasFinalizer = (p: Pod) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
export const isTerminal = (p: Pod) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
/** Deleted pods count as failed unless they succeeded: they may never reach the Failed phase. */
export const isPodFailed = (p: Pod) =>
  p.status.phase === 'Failed' ||
  (p.metadata.deletionTimestamp !== undefined && p.status.phase !== 'Succeeded');
export const isPodReady = (p: Pod) => isConditionTrue(p.status.conditions, 'Ready');

export function isJobFinished(job: Job): boolean {
  return (
    isConditionTrue(job.status?.conditions, 'Complete') || isConditionTrue(job.status?.conditions, 'Failed')
  );
}

export function newCondition(type: string, reason: string, message: string, at: string): Condition {
  return { type, status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message };
}

/** The slice of a sync pass the accounting reads and updates. */
export interface TrackingState {
  readonly ctl: JobSyncHost;
  readonly job: Job;
  readonly pods: Pod[];
  readonly uncounted: { succeeded: Set<string>; failed: Set<string> };
  readonly terminating: number;
  finished: Condition | undefined;
}

/** trackJobStatusAndRemoveFinalizers + enactJobFinished. */
export function trackAndRemoveFinalizers(s: TrackingState, needsFlushIn: boolean): void {
  const { job, ctl } = s;
  const status = job.status;
  const uncountedStatus = status.uncountedTerminatedPods!;
  let needsFlush = needsFlushIn;
  const withFinalizer = new Set(s.pods.filter(hasFinalizer).map((p) => p.metadata.uid ?? ''));
  const toRelease: Pod[] = [];
  for (const p of s.pods) {
    const uid = p.metadata.uid ?? '';
    if (!hasFinalizer(p)) continue;
    const failed = isPodFailed(p);
    const canRemove =
      job.metadata.deletionTimestamp || s.finished || p.status.phase === 'Succeeded' || failed;
    if (!canRemove) continue;
    toRelease.push(p);
    if (p.status.phase === 'Succeeded' && !s.uncounted.failed.has(uid)) {
      if (!s.uncounted.succeeded.has(uid)) {
        uncountedStatus.succeeded = [...(uncountedStatus.succeeded ?? []), uid];
        s.uncounted.succeeded.add(uid);
        needsFlush = true;
      }
    } else if (failed || (s.finished && s.finished.type !== 'SuccessCriteriaMet')) {
      if (!s.uncounted.failed.has(uid)) {
        uncountedStatus.failed = [...(uncountedStatus.failed ?? []), uid];
        s.uncounted.failed.add(uid);
        needsFlush = true;
      }
    }
  }
  status.conditions ??= [];
  if (s.finished?.type === 'FailureTarget') {
    status.conditions.push(s.finished);
    needsFlush = true;
    s.finished = { ...s.finished, type: 'Failed' };
  }
  if (s.finished?.type === 'SuccessCriteriaMet') {
    if (!findCondition(status.conditions, 'SuccessCriteriaMet')) {
      status.conditions.push(s.finished);
      needsFlush = true;
    }
    s.finished = { ...s.finished, type: 'Complete' };
  }
  if (needsFlush) writeStatus(ctl, job);
  for (const p of toRelease) {
    removeFinalizer(ctl.storeRef, 'pods', p, JOB_TRACKING_FINALIZER);
    withFinalizer.delete(p.metadata.uid ?? '');
  }
  needsFlush = moveUncountedToCounters(job, withFinalizer);
  if (enactFinished(s)) needsFlush = true;
  if (needsFlush) writeStatus(ctl, job);
}

function moveUncountedToCounters(job: Job, withFinalizer: Set<string>): boolean {
  const status = job.status;
  const u = status.uncountedTerminatedPods!;
  const keepS = (u.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  const keepF = (u.failed ?? []).filter((uid) => withFinalizer.has(uid));
  const movedS = (u.succeeded ?? []).length - keepS.length;
  const movedF = (u.failed ?? []).length - keepF.length;
  if (movedS === 0 && movedF === 0) return false;
  status.succeeded = (status.succeeded ?? 0) + movedS;
  status.failed = (status.failed ?? 0) + movedF;
  status.uncountedTerminatedPods = {};
  if (keepS.length > 0) status.uncountedTerminatedPods.succeeded = keepS;
  if (keepF.length > 0) status.uncountedTerminatedPods.failed = keepF;
  return true;
}

function enactFinished(s: TrackingState): boolean {
  const { job, ctl } = s;
  const finished = s.finished;
  if (!finished) return false;
  const u = job.status.uncountedTerminatedPods ?? {};
  if ((u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) > 0) return false;
  if (s.terminating > 0) return false;
  const now = ctl.iso();
  job.status.conditions!.push(
    newCondition(finished.type, finished.reason ?? '', finished.message ?? '', now),
  );
  if (finished.type === 'Complete') {
    job.status.completionTime = now;
    ctl.event(job, 'Normal', 'Completed', 'Job completed');
  } else ctl.event(job, 'Warning', finished.reason ?? 'Failed', finished.message ?? '');
  return true;
}

function writeStatus(ctl: JobSyncHost, job: Job): void {
  const store = ctl.storeRef;
  const current = store.get('jobs', job.metadata.namespace, job.metadata.name ?? '') as Job | undefined;
  if (!current || current.metadata.uid !== job.metadata.uid) return;
  const status = structuredClone(job.status);
  // int32 counters are `omitempty` in the Go type: zero is not serialised (ready and
  // terminating are pointers and stay).
  for (const f of ['active', 'succeeded', 'failed'] as const) if (status[f] === 0) delete status[f];
  if (status.conditions?.length === 0) delete status.conditions;
  current.status = status;
  store.update('jobs', current);
}
