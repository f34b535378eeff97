/**
 * One pass of the job controller's syncJob over a snapshot of a Job and its pods (see
 * job-controller.ts for the loop that runs it): counts finished pods, decides failure (backoff
 * limit, deadline) or success, manages the active pods and writes the status in the same steps
 * as kube-controller-manager.
 *
 * Glossary: "finished" is the terminal condition being reached: first the interim
 * FailureTarget / SuccessCriteriaMet, then Failed / Complete once no pod is left terminating and
 * every finished pod is counted.
 */

import {
  hasFinalizer,
  isPodFailed,
  isPodReady,
  isTerminal,
  type JobSyncHost,
  newCondition,
  type TrackingState,
  trackAndRemoveFinalizers,
} from './job-tracking.js';
import { type Condition, controllerOf, findCondition, type Job, type Pod } from './types.js';

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;
const COMPLETIONS_REACHED = {
  reason: 'CompletionsReached',
  message: 'Reached expected number of succeeded pods',
};

function podFinishTime(p: Pod, fallback: number): number {
  const times = (p.status.containerStatuses ?? [])
    .map((c) => c.state.terminated?.finishedAt)
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(t));
  if (times.length > 0) return Math.max(...times);
  return p.metadata.deletionTimestamp ? Date.parse(p.metadata.deletionTimestamp) : fallback;
}

export class JobSync {
  private readonly pods: Pod[];
  private readonly uncounted: { succeeded: Set<string>; failed: Set<string> };
  private active: number;
  private ready: number;
  private terminating: number;
  private succeeded = 0;
  private failed = 0;
  private finished: Condition | undefined;

  constructor(
    private readonly ctl: JobSyncHost,
    private readonly job: Job,
    private readonly key: string,
  ) {
    const uid = job.metadata.uid;
    this.pods = ctl.storeRef.listWhere(
      'pods',
      job.metadata.namespace,
      (p) => controllerOf(p as Pod)?.uid === uid,
    ) as Pod[];
    const u = job.status.uncountedTerminatedPods ?? {};
    this.uncounted = { succeeded: new Set(u.succeeded ?? []), failed: new Set(u.failed ?? []) };
    const activePods = this.activePods();
    this.active = activePods.length;
    this.ready = activePods.filter(isPodReady).length;
    this.terminating = this.pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length;
  }

  private activePods(): Pod[] {
    return this.pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
  }

  private get suspended(): boolean {
    return this.job.spec.suspend === true;
  }

  run(): void {
    const { job, ctl } = this;
    const status = job.status;
    status.uncountedTerminatedPods ??= {};
    const newSucceeded = this.pods.filter(
      (p) =>
        hasFinalizer(p) &&
        !this.uncounted.succeeded.has(p.metadata.uid ?? '') &&
        p.status.phase === 'Succeeded',
    );
    const newFailed = this.pods.filter(
      (p) => hasFinalizer(p) && !this.uncounted.failed.has(p.metadata.uid ?? '') && isPodFailed(p),
    );
    this.succeeded = (status.succeeded ?? 0) + newSucceeded.length + this.uncounted.succeeded.size;
    this.failed = (status.failed ?? 0) + newFailed.length + this.uncounted.failed.size;
    if (!status.startTime && !this.suspended) status.startTime = ctl.iso();
    this.updateBackoff(newSucceeded, newFailed);

    const now = ctl.iso();
    const scm = findCondition(status.conditions, 'SuccessCriteriaMet');
    if (scm?.status === 'True') this.finished = scm;
    const target = findCondition(status.conditions, 'FailureTarget');
    if (!this.finished && target?.status === 'True') this.finished = { ...target, type: 'Failed' };
    if (!this.finished) {
      if (this.failed > (job.spec.backoffLimit ?? 6) || this.pastBackoffLimitOnFailure()) {
        this.finished = newCondition(
          'FailureTarget',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          now,
        );
      } else if (this.pastActiveDeadline()) {
        this.finished = newCondition(
          'FailureTarget',
          'DeadlineExceeded',
          'Job was active longer than specified deadline',
          now,
        );
      } else if (job.spec.activeDeadlineSeconds !== undefined && !this.suspended && status.startTime) {
        const due = Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000;
        ctl.enqueue(this.key, Math.max(1, due - ctl.now()));
      }
    }

    let suspendChanged = false;
    if (this.finished) {
      for (const p of this.activePods()) {
        ctl.deletePod(job, p, false);
        if (isPodReady(p)) this.ready--;
        this.active--;
        this.terminating++;
      }
    } else {
      const manage = !job.metadata.deletionTimestamp;
      if (manage) this.manage();
      const completions = job.spec.completions;
      const complete =
        completions === undefined
          ? this.succeeded > 0 && this.active === 0
          : this.succeeded >= completions && this.active === 0;
      if (complete) {
        this.finished = newCondition(
          'SuccessCriteriaMet',
          COMPLETIONS_REACHED.reason,
          COMPLETIONS_REACHED.message,
          now,
        );
      } else if (manage) suspendChanged = this.updateSuspendCondition(now);
    }
    const needsFlush =
      suspendChanged ||
      this.active !== (status.active ?? 0) ||
      this.ready !== status.ready ||
      this.terminating !== status.terminating;
    status.active = this.active;
    status.ready = this.ready;
    status.terminating = this.terminating;
    const tracking: TrackingState = {
      ctl: this.ctl,
      job: this.job,
      pods: this.pods,
      uncounted: this.uncounted,
      terminating: this.terminating,
      finished: this.finished,
    };
    trackAndRemoveFinalizers(tracking, needsFlush);
  }

  private pastBackoffLimitOnFailure(): boolean {
    if (this.job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const p of this.pods) {
      if (p.status.phase !== 'Running' && p.status.phase !== 'Pending') continue;
      for (const c of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) {
        restarts += c.restartCount;
      }
    }
    const limit = this.job.spec.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  private pastActiveDeadline(): boolean {
    const { activeDeadlineSeconds } = this.job.spec;
    const start = this.job.status.startTime;
    if (activeDeadlineSeconds === undefined || !start || this.suspended) return false;
    return this.ctl.now() - Date.parse(start) >= activeDeadlineSeconds * 1000;
  }

  private updateBackoff(newSucceeded: Pod[], newFailed: Pod[]): void {
    if (newSucceeded.length === 0 && newFailed.length === 0) return;
    if (newFailed.length === 0) {
      this.ctl.setBackoffRecord(this.key, { failuresAfterLastSuccess: 0, lastFailureTime: 0 });
      return;
    }
    const prev = this.ctl.backoffRecord(this.key);
    const now = this.ctl.now();
    this.ctl.setBackoffRecord(this.key, {
      failuresAfterLastSuccess: prev.failuresAfterLastSuccess + newFailed.length,
      lastFailureTime: Math.max(prev.lastFailureTime, ...newFailed.map((p) => podFinishTime(p, now))),
    });
  }

  private remainingBackoff(): number {
    const rec = this.ctl.backoffRecord(this.key);
    if (rec.failuresAfterLastSuccess === 0) return 0;
    const delay = Math.min(BACKOFF_BASE_MS * 2 ** (rec.failuresAfterLastSuccess - 1), BACKOFF_MAX_MS);
    return Math.max(0, rec.lastFailureTime + delay - this.ctl.now());
  }

  /** manageJob: suspend, scale down, or create pods (after the failure back-off). */
  private manage(): void {
    const { job, ctl } = this;
    const active = this.activePods();
    if (this.suspended) {
      for (const p of active) this.removeActive(p);
      return;
    }
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions;
    let want: number;
    if (completions === undefined) want = this.succeeded > 0 ? this.active : parallelism;
    else want = Math.max(0, Math.min(completions - this.succeeded, parallelism));
    if (this.active > want) {
      // Not-ready before ready, pending before running, newest first.
      const order = [...active].sort(
        (a, b) =>
          Number(isPodReady(a)) - Number(isPodReady(b)) ||
          Number(a.status.phase === 'Running') - Number(b.status.phase === 'Running') ||
          (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
      );
      for (const p of order.slice(0, this.active - want)) this.removeActive(p);
      return;
    }
    const terminatingToWait = job.spec.podReplacementPolicy === 'Failed' ? this.terminating : 0;
    const diff = Math.min(want - terminatingToWait - this.active, 500);
    if (diff <= 0) return;
    const wait = this.remainingBackoff();
    if (wait > 0) {
      ctl.enqueue(this.key, wait);
      return;
    }
    for (let i = 0; i < diff; i++) ctl.createPod(job);
    this.active += diff;
  }

  private removeActive(p: Pod): void {
    this.ctl.deletePod(this.job, p, true);
    if (isPodReady(p)) this.ready--;
    this.active--;
    this.terminating++;
  }

  private updateSuspendCondition(now: string): boolean {
    const { job, ctl } = this;
    const status = job.status;
    status.conditions ??= [];
    const existing = findCondition(status.conditions, 'Suspended');
    if (this.suspended) {
      if (existing?.status === 'True') return false;
      const c = newCondition('Suspended', 'JobSuspended', 'Job suspended', now);
      if (existing) Object.assign(existing, c);
      else status.conditions.push(c);
      ctl.event(job, 'Normal', 'Suspended', 'Job suspended');
      return true;
    }
    if (!existing || existing.status === 'False') return false;
    Object.assign(existing, {
      ...newCondition('Suspended', 'JobResumed', 'Job resumed', now),
      status: 'False',
    });
    // activeDeadlineSeconds counts continuous activity, so resuming restarts the clock.
    status.startTime = now;
    ctl.event(job, 'Normal', 'Resumed', 'Job resumed');
    return true;
  }
}
