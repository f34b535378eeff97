/**
 * What a dispatch looks like right now, derived from its Job and pods as the API server reports them.
 * The observation is plain JSON (strings and numbers only), so it can be stored and compared with the
 * next one to tell what happened in between (timeline.ts).
 *
 * Glossary:
 * - finished: the Job has condition Complete or Failed with status True; Kubernetes is done.
 * - finishing: the Job controller has decided (FailureTarget or SuccessCriteriaMet) but pods are still
 *   terminating; the verdict is known, the Job is not finished yet.
 * - warning: a sign that the Job is stuck rather than slow (an image that cannot be pulled, a crash
 *   loop, a pod no node can take). One warning per problem and container, not per pod: ten pods of
 *   the same Job failing to pull the same image are one problem.
 */
import {
  type ContainerStateLike,
  type ContainerStatusLike,
  conditionTrue,
  isoTime,
  type JobLike,
  LABEL_CONTROLLER_UID,
  LABEL_CONTROLLER_UID_LEGACY,
  type PodLike,
} from './kube-types.js';

export type DispatchPhase = 'pending' | 'running' | 'succeeded' | 'failed';

/** The documented reasons of a Failed Job; others may appear from newer clusters. */
export type FailureReason =
  | 'BackoffLimitExceeded'
  | 'DeadlineExceeded'
  | 'PodFailurePolicy'
  | 'MaxFailedIndexesExceeded'
  | (string & {});

export interface ContainerExit {
  container: string;
  exitCode?: number;
  signal?: number;
  /** The runtime's reason, e.g. Error, OOMKilled, Completed. */
  reason?: string;
  message?: string;
}

export interface PodSummary {
  name: string;
  phase: string;
  deleting: boolean;
  /** Names of its (non-init) containers. */
  containers: string[];
  startedAt?: string;
  /** When its last container stopped, for ordering failures. */
  finishedAt?: string;
  /** Pod-level reason for a failed pod, e.g. Evicted. */
  reason?: string;
  message?: string;
  /** Why a failed pod failed: its first container that exited non-zero. */
  exit?: ContainerExit;
  /** Containers that restarted in place (restartPolicy OnFailure), with how their last run ended. */
  restarts: { container: string; count: number; lastExit?: ContainerExit }[];
}

export type WarningReason =
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'InvalidImageName'
  | 'CrashLoopBackOff'
  | 'CreateContainerConfigError'
  | 'CreateContainerError'
  | 'RunContainerError'
  | 'Unschedulable';

export interface DispatchWarning {
  /** Stable per problem: reasons that alternate (ErrImagePull, ImagePullBackOff) share one key. */
  key: string;
  reason: WarningReason;
  /** The first affected pod and how many pods have the problem. */
  pod: string;
  podCount: number;
  /** Undefined for pod-level problems (Unschedulable). */
  container?: string;
  initContainer: boolean;
  image?: string;
  message: string;
}

export interface DispatchObservation {
  /** False until the Job is seen, and again once it is deleted. */
  exists: boolean;
  phase: DispatchPhase;
  finished: boolean;
  finishing: boolean;
  /** The Job has a deletionTimestamp. */
  deleting: boolean;
  counts: { active: number; ready: number; succeeded: number; failed: number; terminating: number };
  /** Set when the Job failed or is finishing as failed; reason '' when Kubernetes gave none. */
  failure?: { reason: FailureReason; message: string };
  startedAt?: string;
  completedAt?: string;
  spec: {
    backoffLimit: number;
    completions?: number;
    parallelism?: number;
    activeDeadlineSeconds?: number;
    restartPolicy?: string;
  };
  /** What counts against backoffLimit: failed pods, plus container restarts under OnFailure. */
  retriesUsed: number;
  pods: PodSummary[];
  warnings: DispatchWarning[];
}

/** Kubernetes' default when backoffLimit is left out. */
export const DEFAULT_BACKOFF_LIMIT = 6;

const WAITING_TROUBLE: ReadonlySet<string> = new Set<WarningReason>([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const FAMILY: Partial<Record<WarningReason, string>> = {
  ErrImagePull: 'image-pull',
  ImagePullBackOff: 'image-pull',
  CreateContainerError: 'start',
  RunContainerError: 'start',
};

const MAX_MESSAGE = 300;

export function deriveStatus(job: JobLike | undefined, pods: PodLike[]): DispatchObservation {
  const status = job?.status ?? {};
  const conditions = status.conditions;
  const complete = conditionTrue(conditions, 'Complete');
  const failed = conditionTrue(conditions, 'Failed');
  const target = failed ?? conditionTrue(conditions, 'FailureTarget');
  const decided = complete ?? failed ?? target ?? conditionTrue(conditions, 'SuccessCriteriaMet');

  const own = ownPods(job, pods);
  const mine = own.map(summarizePod);
  const counts = {
    active: status.active ?? 0,
    ready: status.ready ?? 0,
    succeeded: status.succeeded ?? 0,
    failed: status.failed ?? 0,
    terminating: status.terminating ?? 0,
  };
  const restartPolicy = job?.spec?.template?.spec?.restartPolicy;
  const restarts = mine.reduce((sum, p) => sum + p.restarts.reduce((s, r) => s + r.count, 0), 0);
  const started =
    counts.succeeded + counts.failed + counts.ready > 0 ||
    mine.some((p) => p.phase === 'Running' || p.phase === 'Succeeded' || p.phase === 'Failed');

  const observation: DispatchObservation = {
    exists: job !== undefined,
    phase: complete ? 'succeeded' : failed ? 'failed' : started ? 'running' : 'pending',
    finished: complete !== undefined || failed !== undefined,
    finishing: decided !== undefined && complete === undefined && failed === undefined,
    deleting: job?.metadata?.deletionTimestamp !== undefined,
    counts,
    spec: {
      backoffLimit: job?.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT,
      ...defined('completions', job?.spec?.completions),
      ...defined('parallelism', job?.spec?.parallelism),
      ...defined('activeDeadlineSeconds', job?.spec?.activeDeadlineSeconds),
      ...defined('restartPolicy', restartPolicy),
    },
    retriesUsed: counts.failed + (restartPolicy === 'OnFailure' ? restarts : 0),
    pods: mine,
    warnings: collectWarnings(own),
  };
  if (target !== undefined && complete === undefined) {
    observation.failure = { reason: target.reason ?? '', message: target.message ?? '' };
  }
  const startedAt = isoTime(status.startTime);
  if (startedAt) observation.startedAt = startedAt;
  const completedAt = isoTime(status.completionTime) ?? isoTime(failed?.lastTransitionTime);
  if (completedAt && observation.finished) observation.completedAt = completedAt;
  return observation;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Pods of this Job only, oldest first: a label selector can also match a Job of the same name. */
function ownPods(job: JobLike | undefined, pods: PodLike[]): PodLike[] {
  const uid = job?.metadata?.uid;
  return pods
    .filter((p) => {
      const labels = p.metadata?.labels ?? {};
      const owner = labels[LABEL_CONTROLLER_UID] ?? labels[LABEL_CONTROLLER_UID_LEGACY];
      return p.metadata?.name !== undefined && (uid === undefined || owner === undefined || owner === uid);
    })
    .sort(
      (a, b) =>
        (isoTime(a.metadata?.creationTimestamp) ?? '').localeCompare(
          isoTime(b.metadata?.creationTimestamp) ?? '',
        ) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
}

function summarizePod(pod: PodLike): PodSummary {
  const st = pod.status ?? {};
  const containers = st.containerStatuses ?? [];
  const all = [...(st.initContainerStatuses ?? []), ...containers];
  const summary: PodSummary = {
    name: pod.metadata?.name ?? '',
    phase: st.phase ?? 'Pending',
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    containers: containers.map((c) => c.name),
    restarts: containers
      .filter((c) => (c.restartCount ?? 0) > 0)
      .map((c) => {
        const lastExit = exitOf(c.name, c.lastState);
        return { container: c.name, count: c.restartCount ?? 0, ...(lastExit ? { lastExit } : {}) };
      }),
  };
  const startedAt = isoTime(st.startTime);
  if (startedAt) summary.startedAt = startedAt;
  const finishedAt = all
    .map((c) => isoTime(c.state?.terminated?.finishedAt))
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  if (finishedAt) summary.finishedAt = finishedAt;
  if (summary.phase === 'Failed') {
    if (st.reason) summary.reason = st.reason;
    if (st.message) summary.message = clip(st.message);
    const exit = all
      .map((c) => exitOf(c.name, c.state))
      .find((e) => e !== undefined && (e.exitCode ?? 0) !== 0);
    if (exit) summary.exit = exit;
  }
  return summary;
}

function exitOf(container: string, state: ContainerStateLike | undefined): ContainerExit | undefined {
  const t = state?.terminated;
  if (t === undefined) return undefined;
  const exit: ContainerExit = { container };
  if (t.exitCode !== undefined) exit.exitCode = t.exitCode;
  if (t.signal !== undefined) exit.signal = t.signal;
  if (t.reason) exit.reason = t.reason;
  if (t.message) exit.message = clip(t.message);
  return exit;
}

function collectWarnings(pods: PodLike[]): DispatchWarning[] {
  const byKey = new Map<string, DispatchWarning>();
  const add = (w: Omit<DispatchWarning, 'podCount'>) => {
    const seen = byKey.get(w.key);
    if (seen) seen.podCount++;
    else byKey.set(w.key, { ...w, podCount: 1 });
  };
  for (const pod of pods) {
    // A pod being deleted is on its way out; what it is waiting for no longer matters.
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const name = pod.metadata?.name ?? '';
    const st = pod.status ?? {};
    const unscheduled = st.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
    );
    if (unscheduled) {
      add({
        key: 'Unschedulable',
        reason: 'Unschedulable',
        pod: name,
        initContainer: false,
        message: clip(unscheduled.message ?? ''),
      });
    }
    const statuses: [ContainerStatusLike, boolean][] = [
      ...(st.initContainerStatuses ?? []).map((c): [ContainerStatusLike, boolean] => [c, true]),
      ...(st.containerStatuses ?? []).map((c): [ContainerStatusLike, boolean] => [c, false]),
    ];
    for (const [c, init] of statuses) {
      const reason = c.state?.waiting?.reason;
      if (reason === undefined || !WAITING_TROUBLE.has(reason)) continue;
      const r = reason as WarningReason;
      const warning: Omit<DispatchWarning, 'podCount'> = {
        key: `${FAMILY[r] ?? r}:${c.name}`,
        reason: r,
        pod: name,
        container: c.name,
        initContainer: init,
        message: clip(c.state?.waiting?.message ?? ''),
      };
      if (c.image) warning.image = c.image;
      add(warning);
    }
  }
  return [...byKey.values()];
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
