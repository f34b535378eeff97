/**
 * The one line that ends a dispatch's thread: "Succeeded in 1m12s", "Failed: BackoffLimitExceeded
 * (3 pods failed)", "Failed: DeadlineExceeded after 600s", "Cancelled by <@U123>". Kubernetes' reason
 * names are kept as they are: people search for them.
 */
import type { DispatchObservation } from './observe.js';

export type FinalOutcome =
  | { state: 'succeeded' | 'failed'; observation: DispatchObservation }
  | { state: 'cancelled'; observation?: DispatchObservation }
  | { state: 'failed_to_start'; error: string };

export interface VerdictContext {
  /** `<@U…>` of whoever dispatched, to notify them; left out of the text when they cancelled it. */
  dispatcherMention?: string;
  startedAt?: string | number | Date;
  finishedAt?: string | number | Date;
  /** `<@U…>` of whoever cancelled. */
  cancelledBy?: string;
}

/** 850ms, 12s, 1m12s, 2h03m, 3d04h: two units at most, the smaller one zero-padded. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : 0;
  if (total < 1000) return `${total}ms`;
  const s = Math.floor(total / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

export function verdictText(final: FinalOutcome, ctx: VerdictContext = {}): string {
  let text: string;
  switch (final.state) {
    case 'failed_to_start':
      text = `Failed to start: ${final.error}`;
      break;
    case 'cancelled':
      text = ctx.cancelledBy ? `Cancelled by ${ctx.cancelledBy}` : 'Cancelled';
      break;
    default:
      text = observationVerdict(final.observation, ctx);
  }
  const notify = ctx.dispatcherMention && ctx.dispatcherMention !== ctx.cancelledBy;
  return notify ? `${text} — ${ctx.dispatcherMention}` : text;
}

/** The verdict Kubernetes reached, timed by `times` when given and by the Job's status otherwise. */
export function observationVerdict(
  o: DispatchObservation,
  times: { startedAt?: string | number | Date; finishedAt?: string | number | Date } = {},
): string {
  const took = elapsed(times.startedAt ?? o.startedAt, times.finishedAt ?? o.completedAt);
  if (o.phase === 'succeeded') {
    const pods = o.counts.succeeded > 1 ? ` (${o.counts.succeeded} pods succeeded)` : '';
    return `${took === undefined ? 'Succeeded' : `Succeeded in ${formatDuration(took)}`}${pods}`;
  }
  if (o.phase !== 'failed') return o.phase === 'running' ? 'Running' : 'Pending';
  const reason = o.failure?.reason;
  switch (reason) {
    case undefined:
    case '':
      return o.failure?.message ? `Failed (${o.failure.message})` : 'Failed';
    case 'BackoffLimitExceeded':
      return `Failed: BackoffLimitExceeded (${retries(o)})`;
    case 'DeadlineExceeded': {
      const limit = o.spec.activeDeadlineSeconds;
      if (limit !== undefined) return `Failed: DeadlineExceeded after ${limit}s`;
      return took === undefined
        ? 'Failed: DeadlineExceeded'
        : `Failed: DeadlineExceeded after ${formatDuration(took)}`;
    }
    default:
      return o.failure?.message ? `Failed: ${reason} (${o.failure.message})` : `Failed: ${reason}`;
  }
}

function retries(o: DispatchObservation): string {
  const pods = `${o.counts.failed} ${o.counts.failed === 1 ? 'pod' : 'pods'} failed`;
  const restarts = o.retriesUsed - o.counts.failed;
  if (restarts <= 0) return pods;
  const times = `${restarts} container ${restarts === 1 ? 'restart' : 'restarts'}`;
  return o.counts.failed > 0 ? `${pods}, ${times}` : times;
}

function elapsed(
  from: string | number | Date | undefined,
  to: string | number | Date | undefined,
): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
