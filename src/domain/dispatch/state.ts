/**
 * The life of one dispatch, from the row Jobbot records to the verdict it posts. Kubernetes only
 * knows the middle part; the states before it (the create call) and after it (logs, deletion) are
 * Jobbot's own, so a restarted process knows exactly what is left to do.
 *
 *   pending ─createStarted─▶ creating ─created─▶ running ─finished─▶ finishing(outcome)
 *    │   │                     │                  │  │                 │ logsGathered
 *    │   └─createFailed─┐      │ createFailed     │  │                 ▼
 *    │                  ▼      ▼                  │  │              cleaning(outcome)
 *    │              failed_to_start               │  │                 │ deleted
 *    │                                            │  │                 ▼
 *    └─cancelRequested─▶ cancelled                │  │      succeeded | failed | cancelled
 *                                                 │  └─cancelRequested─▶ finishing(cancelled)
 *                                                 └─deleted (outside Jobbot)─▶ failed
 *
 *   finished = the `finished` event, or `observed` with a finished Job (Complete or Failed True).
 *
 * - A cancel while the create call is in flight is remembered (creating + cancelRequested) and acted
 *   on as soon as the Job exists; a cancel after Kubernetes finished is refused, the verdict stands.
 * - A cancelled dispatch still goes through finishing, so the logs of what ran are kept.
 * - observed(…) with an existing Job also recovers pending/creating after a crash between the create
 *   call and recording its success.
 * - succeeded, failed, cancelled and failed_to_start are terminal: every event is refused.
 */
import type { DispatchObservation } from './observe.js';

export type Outcome = 'succeeded' | 'failed' | 'cancelled';

export type DispatchState =
  | { name: 'pending' }
  | { name: 'creating'; cancelRequested?: boolean }
  | { name: 'running' }
  | { name: 'finishing'; outcome: Outcome }
  | { name: 'cleaning'; outcome: Outcome }
  | { name: 'succeeded' }
  | { name: 'failed' }
  | { name: 'cancelled' }
  | { name: 'failed_to_start' };

export type DispatchStateName = DispatchState['name'];

export const DISPATCH_STATES: readonly DispatchStateName[] = [
  'pending',
  'creating',
  'running',
  'finishing',
  'cleaning',
  'succeeded',
  'failed',
  'cancelled',
  'failed_to_start',
];

export type DispatchEvent =
  | { type: 'createStarted' }
  | { type: 'created' }
  | { type: 'createFailed' }
  | { type: 'observed'; observation: DispatchObservation }
  | { type: 'finished'; outcome: 'succeeded' | 'failed' }
  | { type: 'cancelRequested' }
  | { type: 'logsGathered' }
  | { type: 'deleted' };

export type TransitionResult =
  | { ok: true; state: DispatchState }
  | { ok: false; code: 'terminal' | 'not_allowed'; message: string };

const TERMINAL: ReadonlySet<DispatchStateName> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'failed_to_start',
]);

export function isTerminal(state: DispatchState | DispatchStateName): boolean {
  return TERMINAL.has(typeof state === 'string' ? state : state.name);
}

export function transition(state: DispatchState, event: DispatchEvent): TransitionResult {
  if (isTerminal(state)) {
    return { ok: false, code: 'terminal', message: `The dispatch has already ${describe(state.name)}.` };
  }
  const next = step(state, event);
  if (next !== undefined) return { ok: true, state: next };
  return {
    ok: false,
    code: 'not_allowed',
    message:
      event.type === 'cancelRequested'
        ? 'The Job has already finished in Kubernetes; its result stands.'
        : `A dispatch that is ${state.name} cannot take "${event.type}".`,
  };
}

function step(state: DispatchState, event: DispatchEvent): DispatchState | undefined {
  switch (event.type) {
    case 'createStarted':
      return state.name === 'pending' ? { name: 'creating' } : undefined;
    case 'created':
      if (state.name !== 'creating') return undefined;
      return state.cancelRequested ? { name: 'finishing', outcome: 'cancelled' } : { name: 'running' };
    case 'createFailed':
      return state.name === 'pending' || state.name === 'creating' ? { name: 'failed_to_start' } : undefined;
    case 'observed':
      return observed(state, event.observation);
    case 'finished':
      return state.name === 'running' ? { name: 'finishing', outcome: event.outcome } : undefined;
    case 'cancelRequested':
      if (state.name === 'pending') return { name: 'cancelled' };
      if (state.name === 'creating') return { name: 'creating', cancelRequested: true };
      if (state.name === 'running') return { name: 'finishing', outcome: 'cancelled' };
      return undefined;
    case 'logsGathered':
      return state.name === 'finishing' ? { name: 'cleaning', outcome: state.outcome } : undefined;
    case 'deleted':
      // Gone before Jobbot deleted it: someone removed it by hand, so there is no verdict to trust.
      if (state.name === 'running') return { name: 'failed' };
      if (state.name === 'finishing' || state.name === 'cleaning') return { name: state.outcome };
      return undefined;
  }
}

/** Observations move a dispatch forward only; what they cannot change is left as it is. */
function observed(state: DispatchState, o: DispatchObservation): DispatchState {
  if (!o.exists) return state;
  const cancelled = state.name === 'creating' && state.cancelRequested === true;
  if (state.name === 'pending' || state.name === 'creating' || state.name === 'running') {
    if (cancelled) return { name: 'finishing', outcome: 'cancelled' };
    if (o.finished) return { name: 'finishing', outcome: o.phase === 'succeeded' ? 'succeeded' : 'failed' };
    return { name: 'running' };
  }
  return state;
}

function describe(name: DispatchStateName): string {
  return name === 'failed_to_start' ? 'failed to start' : name;
}
