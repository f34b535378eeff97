/**
 * The emulated garbage collector: carries out Job deletion propagation for the pods the Jobs own.
 *
 * - `orphan` finalizer: strip the Job's owner reference from its pods, then drop the finalizer.
 * - `foregroundDeletion` finalizer: delete the pods and drop the finalizer once none is left.
 * - Background (the Job is already gone): delete pods whose owner UID no longer exists.
 */

import type { EmulatedClock } from './clock.js';
import { deletePod, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, removeFinalizer } from './deletion.js';
import type { ChangeEvent, ObjectStore } from './store.js';
import type { Job, Pod } from './types.js';

export class GarbageCollector {
  private pending = false;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: EmulatedClock,
  ) {
    store.subscribe((e) => this.onChange(e));
  }

  stop(): void {
    this.stopped = true;
  }

  private onChange(e: ChangeEvent): void {
    if (this.stopped || this.pending || (e.resource !== 'jobs' && e.resource !== 'pods')) return;
    this.pending = true;
    this.clock.setTimeout(() => {
      this.pending = false;
      if (!this.stopped) this.sweep();
    }, 0);
  }

  private sweep(): void {
    // Runs after every change: only the Jobs being deleted and the orphaned pods are cloned.
    const liveUids = new Set<string | undefined>();
    const deleting = this.store.listWhere('jobs', undefined, (j) => {
      liveUids.add(j.metadata.uid);
      return Boolean(j.metadata.deletionTimestamp);
    }) as Job[];
    for (const job of deleting) {
      const finalizers = job.metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) this.orphan(job);
      else if (finalizers.includes(FOREGROUND_FINALIZER)) this.foreground(job);
    }
    const orphans = this.store.listWhere('pods', undefined, (pod) => {
      const jobRefs = (pod.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Job');
      if (jobRefs.length === 0 || pod.metadata.deletionTimestamp) return false;
      return jobRefs.every((r) => !liveUids.has(r.uid));
    }) as Pod[];
    for (const pod of orphans) deletePod(this.store, this.clock, pod);
  }

  private dependents(job: Job): Pod[] {
    return (this.store.list('pods', job.metadata.namespace) as Pod[]).filter((p) =>
      (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid),
    );
  }

  private orphan(job: Job): void {
    for (const pod of this.dependents(job)) {
      pod.metadata.ownerReferences = (pod.metadata.ownerReferences ?? []).filter(
        (r) => r.uid !== job.metadata.uid,
      );
      if (pod.metadata.ownerReferences.length === 0) delete pod.metadata.ownerReferences;
      this.store.update('pods', pod);
    }
    removeFinalizer(this.store, 'jobs', job, ORPHAN_FINALIZER);
  }

  private foreground(job: Job): void {
    const dependents = this.dependents(job);
    for (const pod of dependents) if (!pod.metadata.deletionTimestamp) deletePod(this.store, this.clock, pod);
    if (dependents.length === 0) removeFinalizer(this.store, 'jobs', job, FOREGROUND_FINALIZER);
  }
}
