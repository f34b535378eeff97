import { describe, expect, it } from 'vitest';
import {
  deriveStatus,
  formatDuration,
  observationVerdict,
  verdictText,
} from '../../src/domain/dispatch/index.js';
import { at, condition, job, pod, running } from './fixtures.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.6, '1s'],
    [12_400, '12s'],
    [59_999, '59s'],
    [72_000, '1m12s'],
    [65_000, '1m05s'],
    [3_599_000, '59m59s'],
    [2 * 3_600_000 + 3 * 60_000 + 59_000, '2h03m'],
    [26 * 3_600_000, '1d02h'],
    [-5, '0ms'],
    [Number.NaN, '0ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

const succeeded = deriveStatus(
  job({ succeeded: 1, startTime: at(0), completionTime: at(72), conditions: [condition('Complete')] }),
  [],
);

function failed(reason: string, message: string, status = {}, spec = {}) {
  return deriveStatus(job({ ...status, conditions: [condition('Failed', reason, message)] }, spec), []);
}

describe('verdictText', () => {
  it('times a success by the given times, else by the Job', () => {
    expect(verdictText({ state: 'succeeded', observation: succeeded })).toBe('Succeeded in 1m12s');
    expect(
      verdictText(
        { state: 'succeeded', observation: succeeded },
        { startedAt: at(0), finishedAt: Date.parse(at(0)) + 850 },
      ),
    ).toBe('Succeeded in 850ms');
    const five = deriveStatus(job({ succeeded: 5, conditions: [condition('Complete')] }), []);
    expect(verdictText({ state: 'succeeded', observation: five })).toBe('Succeeded (5 pods succeeded)');
  });

  it('names the failure reason with what explains it', () => {
    const backoff = failed('BackoffLimitExceeded', 'Job has reached the specified backoff limit', {
      failed: 3,
    });
    expect(verdictText({ state: 'failed', observation: backoff })).toBe(
      'Failed: BackoffLimitExceeded (3 pods failed)',
    );

    const restarts = deriveStatus(
      job(
        { conditions: [condition('Failed', 'BackoffLimitExceeded')] },
        { template: { spec: { restartPolicy: 'OnFailure' } } },
      ),
      [pod('p', { phase: 'Running', containers: [running('pi', 5)] })],
    );
    expect(observationVerdict(restarts)).toBe('Failed: BackoffLimitExceeded (5 container restarts)');

    const deadline = failed(
      'DeadlineExceeded',
      'Job was active longer than specified deadline',
      {},
      {
        activeDeadlineSeconds: 600,
      },
    );
    expect(verdictText({ state: 'failed', observation: deadline })).toBe(
      'Failed: DeadlineExceeded after 600s',
    );

    const policy = failed('PodFailurePolicy', 'Container pi for pod jobs/pi-42-x failed with exit code 42');
    expect(verdictText({ state: 'failed', observation: policy })).toBe(
      'Failed: PodFailurePolicy (Container pi for pod jobs/pi-42-x failed with exit code 42)',
    );
    expect(observationVerdict(failed('', ''))).toBe('Failed');
    expect(observationVerdict(failed('', 'Something new'))).toBe('Failed (Something new)');
  });

  it('says who cancelled, and mentions the dispatcher when it is someone else', () => {
    expect(
      verdictText({ state: 'cancelled' }, { cancelledBy: '<@U123>', dispatcherMention: '<@U123>' }),
    ).toBe('Cancelled by <@U123>');
    expect(
      verdictText({ state: 'cancelled' }, { cancelledBy: '<@U456>', dispatcherMention: '<@U123>' }),
    ).toBe('Cancelled by <@U456> — <@U123>');
    expect(
      verdictText({ state: 'succeeded', observation: succeeded }, { dispatcherMention: '<@U123>' }),
    ).toBe('Succeeded in 1m12s — <@U123>');
  });

  it('gives the reason a dispatch never started', () => {
    expect(verdictText({ state: 'failed_to_start', error: 'namespace "jobs" not found' })).toBe(
      'Failed to start: namespace "jobs" not found',
    );
  });
});
