/**
 * Deletion semantics shared by the HTTP handlers and the emulated controllers.
 *
 * Glossary:
 * - graceful deletion (pods): the API sets deletionTimestamp (now + grace) and
 *   deletionGracePeriodSeconds; the kubelet stops the containers and releases the pod with grace 0.
 * - propagation policy (jobs): Orphan keeps the pods (finalizer `orphan` until the garbage collector
 *   has removed their owner references), Foreground keeps the Job (finalizer `foregroundDeletion`)
 *   until its pods are gone, Background removes the Job now and lets the collector delete the pods.
 */

import type { EmulatedClock } from './clock.js';
import type { ObjectStore } from './store.js';
import type { Job, KubeObject, Pod } from './types.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface DeleteOutcome {
  /** The object's state after the call; `removed` when it is gone from storage. */
  object: KubeObject;
  removed: boolean;
}

/** Deletes a pod as the API server does for a DELETE with the given (or the pod's) grace period. */
export function deletePod(
  store: ObjectStore,
  clock: EmulatedClock,
  pod: Pod,
  graceSeconds?: number,
): DeleteOutcome {
  const phase = pod.status?.phase;
  let grace = graceSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  // Pods that never reached a node, or already finished, have nothing to stop.
  if (!pod.spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
  const finalizers = pod.metadata.finalizers ?? [];
  if (grace === 0 && finalizers.length === 0) {
    const removed = store.remove('pods', pod.metadata.namespace, pod.metadata.name ?? '') ?? pod;
    return { object: removed, removed: true };
  }
  const meta = pod.metadata;
  if (meta.deletionTimestamp && (meta.deletionGracePeriodSeconds ?? 0) <= grace) {
    return { object: pod, removed: false };
  }
  meta.deletionTimestamp = clock.iso(clock.now() + grace * 1000);
  meta.deletionGracePeriodSeconds = grace;
  const updated = store.update('pods', pod);
  return { object: updated, removed: store.get('pods', meta.namespace, meta.name ?? '') === undefined };
}

/** Deletes a Job with a propagation policy; the garbage collector does the rest. */
export function deleteJob(
  store: ObjectStore,
  clock: EmulatedClock,
  job: Job,
  policy: PropagationPolicy,
): DeleteOutcome {
  const meta = job.metadata;
  const finalizers = [...(meta.finalizers ?? [])];
  if (policy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER))
    finalizers.push(FOREGROUND_FINALIZER);
  if (finalizers.length === 0) {
    const removed = store.remove('jobs', meta.namespace, meta.name ?? '') ?? job;
    return { object: removed, removed: true };
  }
  meta.finalizers = finalizers;
  meta.deletionTimestamp ??= clock.iso();
  meta.deletionGracePeriodSeconds = 0;
  return { object: store.update('jobs', job), removed: false };
}

export function removeFinalizer(
  store: ObjectStore,
  resource: 'jobs' | 'pods',
  obj: KubeObject,
  finalizer: string,
): void {
  const current = store.get(resource, obj.metadata.namespace, obj.metadata.name ?? '');
  if (!current || current.metadata.uid !== obj.metadata.uid) return;
  const list = current.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) return;
  current.metadata.finalizers = list.filter((f) => f !== finalizer);
  store.update(resource, current);
}
