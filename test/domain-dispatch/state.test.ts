import { describe, expect, it } from 'vitest';
import {
  DISPATCH_STATES,
  type DispatchEvent,
  type DispatchState,
  deriveStatus,
  isTerminal,
  transition,
} from '../../src/domain/dispatch/index.js';
import { condition, job } from './fixtures.js';

function run(state: DispatchState, ...events: DispatchEvent[]): DispatchState {
  let current = state;
  for (const event of events) {
    const result = transition(current, event);
    if (!result.ok) throw new Error(`${event.type} in ${current.name}: ${result.message}`);
    current = result.state;
  }
  return current;
}

const RUNNING = deriveStatus(job({ active: 1 }), []);
const SUCCEEDED = deriveStatus(job({ succeeded: 1, conditions: [condition('Complete')] }), []);
const FAILED = deriveStatus(
  job({ failed: 5, conditions: [condition('Failed', 'BackoffLimitExceeded')] }),
  [],
);
const FINISHING = deriveStatus(job({ conditions: [condition('FailureTarget', 'DeadlineExceeded')] }), []);
const GONE = deriveStatus(undefined, []);

describe('transition', () => {
  it('walks the happy path', () => {
    expect(
      run(
        { name: 'pending' },
        { type: 'createStarted' },
        { type: 'created' },
        { type: 'observed', observation: RUNNING },
        { type: 'observed', observation: FINISHING },
        { type: 'observed', observation: SUCCEEDED },
        { type: 'logsGathered' },
        { type: 'deleted' },
      ),
    ).toEqual({ name: 'succeeded' });
  });

  it('stays running while Kubernetes is only finishing, and takes the verdict of the finished Job', () => {
    const running: DispatchState = { name: 'running' };
    expect(run(running, { type: 'observed', observation: FINISHING })).toEqual(running);
    expect(run(running, { type: 'observed', observation: FAILED })).toEqual({
      name: 'finishing',
      outcome: 'failed',
    });
    expect(run(running, { type: 'finished', outcome: 'succeeded' })).toEqual({
      name: 'finishing',
      outcome: 'succeeded',
    });
    expect(
      run(running, { type: 'finished', outcome: 'failed' }, { type: 'logsGathered' }, { type: 'deleted' }),
    ).toEqual({ name: 'failed' });
  });

  it('fails to start when the create call fails', () => {
    expect(run({ name: 'pending' }, { type: 'createFailed' })).toEqual({ name: 'failed_to_start' });
    expect(run({ name: 'pending' }, { type: 'createStarted' }, { type: 'createFailed' })).toEqual({
      name: 'failed_to_start',
    });
  });

  it('cancels: at once when nothing exists, after gathering logs when the Job runs', () => {
    expect(run({ name: 'pending' }, { type: 'cancelRequested' })).toEqual({ name: 'cancelled' });
    expect(
      run({ name: 'running' }, { type: 'cancelRequested' }, { type: 'logsGathered' }, { type: 'deleted' }),
    ).toEqual({ name: 'cancelled' });
    const creating = run({ name: 'pending' }, { type: 'createStarted' }, { type: 'cancelRequested' });
    expect(creating).toEqual({ name: 'creating', cancelRequested: true });
    expect(run(creating, { type: 'created' })).toEqual({ name: 'finishing', outcome: 'cancelled' });
    expect(run(creating, { type: 'observed', observation: RUNNING })).toEqual({
      name: 'finishing',
      outcome: 'cancelled',
    });
    expect(run(creating, { type: 'createFailed' })).toEqual({ name: 'failed_to_start' });
  });

  it('refuses a cancel once Kubernetes has finished', () => {
    for (const state of [
      { name: 'finishing', outcome: 'succeeded' },
      { name: 'cleaning', outcome: 'failed' },
    ] as DispatchState[]) {
      expect(transition(state, { type: 'cancelRequested' })).toEqual({
        ok: false,
        code: 'not_allowed',
        message: 'The Job has already finished in Kubernetes; its result stands.',
      });
    }
  });

  it('recovers from a crash between the create call and recording it', () => {
    expect(run({ name: 'pending' }, { type: 'observed', observation: RUNNING })).toEqual({ name: 'running' });
    expect(run({ name: 'creating' }, { type: 'observed', observation: SUCCEEDED })).toEqual({
      name: 'finishing',
      outcome: 'succeeded',
    });
    expect(run({ name: 'creating' }, { type: 'observed', observation: GONE })).toEqual({ name: 'creating' });
  });

  it('ignores observations once the outcome is known', () => {
    const finishing: DispatchState = { name: 'finishing', outcome: 'cancelled' };
    expect(run(finishing, { type: 'observed', observation: SUCCEEDED })).toEqual(finishing);
    expect(run({ name: 'cleaning', outcome: 'failed' }, { type: 'observed', observation: GONE })).toEqual({
      name: 'cleaning',
      outcome: 'failed',
    });
  });

  it('fails a running dispatch whose Job was deleted by someone else, keeps the outcome otherwise', () => {
    expect(run({ name: 'running' }, { type: 'deleted' })).toEqual({ name: 'failed' });
    expect(run({ name: 'finishing', outcome: 'succeeded' }, { type: 'deleted' })).toEqual({
      name: 'succeeded',
    });
  });

  it('refuses events that do not fit the state', () => {
    expect(transition({ name: 'pending' }, { type: 'created' })).toEqual({
      ok: false,
      code: 'not_allowed',
      message: 'A dispatch that is pending cannot take "created".',
    });
    expect(transition({ name: 'running' }, { type: 'logsGathered' }).ok).toBe(false);
    expect(transition({ name: 'cleaning', outcome: 'failed' }, { type: 'createStarted' }).ok).toBe(false);
  });

  it('never changes a terminal state', () => {
    const events: DispatchEvent[] = [
      { type: 'createStarted' },
      { type: 'created' },
      { type: 'createFailed' },
      { type: 'observed', observation: SUCCEEDED },
      { type: 'finished', outcome: 'failed' },
      { type: 'cancelRequested' },
      { type: 'logsGathered' },
      { type: 'deleted' },
    ];
    for (const name of ['succeeded', 'failed', 'cancelled', 'failed_to_start'] as const) {
      for (const event of events) {
        const result = transition({ name }, event);
        expect(result).toMatchObject({ ok: false, code: 'terminal' });
      }
    }
    expect(transition({ name: 'failed_to_start' }, { type: 'created' })).toMatchObject({
      message: 'The dispatch has already failed to start.',
    });
  });
});

describe('isTerminal', () => {
  it('is true for the four end states only', () => {
    expect(DISPATCH_STATES.filter((s) => isTerminal(s))).toEqual([
      'succeeded',
      'failed',
      'cancelled',
      'failed_to_start',
    ]);
    expect(isTerminal({ name: 'cleaning', outcome: 'succeeded' })).toBe(false);
    expect(isTerminal({ name: 'cancelled' })).toBe(true);
  });
});
