/**
 * The sentences a dispatch's Slack thread gets as it moves: pods created, running, a pod failed and
 * is retried, a warning, giving up, the verdict. `timelineFor(previous, next)` lists what `next`
 * shows that `previous` did not.
 *
 * Every event has a `key` that names the fact, not the moment ("pod-failed:pi-42-x7k2q"), so a caller
 * that records the keys it posted never posts the same event twice, even when it restarts and compares
 * against no previous observation at all. Progress events are left out once the Job has finished: the
 * verdict says it all. Warnings are kept, they often explain the verdict.
 */
import type { ContainerExit, DispatchObservation, DispatchWarning, PodSummary } from './observe.js';
import { observationVerdict } from './verdict.js';

export type TimelineKind =
  | 'pods-created'
  | 'running'
  | 'pod-failed'
  | 'container-restarted'
  | 'warning'
  | 'giving-up'
  | 'finished';

export interface TimelineEvent {
  key: string;
  kind: TimelineKind;
  text: string;
}

export function timelineFor(
  previous: DispatchObservation | undefined,
  next: DispatchObservation,
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const progressing = !next.finished;
  const stopping = next.finishing || next.finished;

  if (progressing && next.phase === 'running' && previous?.phase !== 'running') {
    events.push({ key: 'running', kind: 'running', text: runningText(next.pods) });
  } else if (progressing && next.pods.length > 0 && (previous?.pods.length ?? 0) === 0) {
    events.push({ key: 'pods-created', kind: 'pods-created', text: createdText(next.pods) });
  }

  if (!stopping) {
    events.push(...podFailures(previous, next));
    events.push(...restarts(previous, next));
  }

  const seen = new Set(previous?.warnings.map((w) => w.key));
  for (const w of next.warnings) {
    if (!seen.has(w.key)) events.push({ key: `warning:${w.key}`, kind: 'warning', text: warningText(w) });
  }

  if (next.finishing && next.failure && !previous?.finishing) {
    const { reason, message } = next.failure;
    const why = `${reason ? `: ${reason}` : ''}${message ? ` (${message})` : ''}`;
    events.push({
      key: 'giving-up',
      kind: 'giving-up',
      text: `Giving up${why}; stopping the remaining pods.`,
    });
  }
  if (next.finished && !previous?.finished) {
    events.push({ key: 'finished', kind: 'finished', text: `${observationVerdict(next)}.` });
  }
  return events;
}

function runningText(pods: PodSummary[]): string {
  const started = pods.filter((p) => p.phase !== 'Pending');
  if (started.length === 1) return `Running: pod ${started[0]!.name} started.`;
  return started.length > 1 ? `Running: ${started.length} pods started.` : 'Running.';
}

function createdText(pods: PodSummary[]): string {
  if (pods.length === 1) return `Pod ${pods[0]!.name} created; waiting for it to start.`;
  return `${pods.length} pods created; waiting for them to start.`;
}

/**
 * Failed pods not failed before, oldest first. A pod's place among all failed pods gives its retry
 * number, so the number is the same whichever observation first shows the failure.
 */
function podFailures(previous: DispatchObservation | undefined, next: DispatchObservation): TimelineEvent[] {
  const before = new Set(previous?.pods.filter((p) => p.phase === 'Failed').map((p) => p.name));
  const failed = next.pods
    .filter((p) => p.phase === 'Failed')
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? '') || a.name.localeCompare(b.name));
  // Failed pods that are already gone still count against the limit.
  const unseen = Math.max(0, next.counts.failed - failed.length);
  const limit = next.spec.backoffLimit;
  return failed.flatMap((pod, i) => {
    if (before.has(pod.name)) return [];
    const used = unseen + i + 1;
    return [
      {
        key: `pod-failed:${pod.name}`,
        kind: 'pod-failed' as const,
        text: `Pod ${pod.name} failed (${failureCause(pod)}); ${retryClause(used, limit)}.`,
      },
    ];
  });
}

function restarts(previous: DispatchObservation | undefined, next: DispatchObservation): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const pod of next.pods) {
    const old = previous?.pods.find((p) => p.name === pod.name);
    for (const r of pod.restarts) {
      const was = old?.restarts.find((o) => o.container === r.container)?.count ?? 0;
      if (r.count <= was) continue;
      const exit = r.lastExit ? ` (${exitText(r.lastExit)})` : '';
      events.push({
        key: `restart:${pod.name}:${r.container}:${r.count}`,
        kind: 'container-restarted',
        text:
          `Container ${r.container} in pod ${pod.name} stopped${exit}; ` +
          `${retryClause(next.retriesUsed, next.spec.backoffLimit)}.`,
      });
    }
  }
  return events;
}

function retryClause(used: number, limit: number): string {
  if (limit === 0) return 'no retries allowed';
  if (used > limit) return `no retries left (all ${limit} used)`;
  return `retrying (${used} of ${limit} ${limit === 1 ? 'retry' : 'retries'} used)`;
}

function failureCause(pod: PodSummary): string {
  const parts: string[] = [];
  if (pod.reason) parts.push(pod.message ? `${pod.reason}: ${pod.message}` : pod.reason);
  if (pod.exit) parts.push(exitText(pod.exit, pod.containers.length > 1));
  return parts.length > 0 ? parts.join('; ') : 'no exit code reported';
}

function exitText(exit: ContainerExit, nameContainer = false): string {
  const code =
    exit.signal !== undefined
      ? `signal ${exit.signal}`
      : exit.exitCode !== undefined
        ? `exit code ${exit.exitCode}`
        : 'no exit code';
  const reason =
    exit.reason && exit.reason !== 'Error' && exit.reason !== 'Completed' ? `${exit.reason}, ` : '';
  return `${nameContainer ? `container ${exit.container}: ` : ''}${reason}${code}`;
}

function warningText(w: DispatchWarning): string {
  const where = w.podCount > 1 ? `pod ${w.pod} and ${w.podCount - 1} more` : `pod ${w.pod}`;
  const what = `${w.initContainer ? 'Init container' : 'Container'} ${w.container} in ${where}`;
  const detail = w.message ? `: ${w.message}` : '.';
  switch (w.reason) {
    case 'Unschedulable':
      return `${capital(where)} cannot be scheduled on any node${detail}`;
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return `${what} cannot pull ${image(w)} (${w.reason})${detail}`;
    case 'InvalidImageName':
      return `${what} has an invalid image name${w.image ? ` ${w.image}` : ''} (${w.reason})${detail}`;
    case 'CrashLoopBackOff':
      return `${what} keeps crashing (${w.reason})${detail}`;
    case 'CreateContainerConfigError':
      return `${what} cannot be created; check the Secrets and ConfigMaps it uses (${w.reason})${detail}`;
    default:
      return `${what} cannot start (${w.reason})${detail}`;
  }
}

function image(w: DispatchWarning): string {
  return w.image ? `image ${w.image}` : 'its image';
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
