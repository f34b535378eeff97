import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deriveStatus, type JobLike, type PodLike } from '../../src/domain/dispatch/index.js';
import { at, condition, exited, job, pod, running, waiting } from './fixtures.js';

describe('deriveStatus', () => {
  it('is pending before the Job is seen', () => {
    expect(deriveStatus(undefined, [])).toEqual({
      exists: false,
      phase: 'pending',
      finished: false,
      finishing: false,
      deleting: false,
      counts: { active: 0, ready: 0, succeeded: 0, failed: 0, terminating: 0 },
      spec: { backoffLimit: 6 },
      retriesUsed: 0,
      pods: [],
      warnings: [],
    });
  });

  it('is pending while pods wait to start, running once one does', () => {
    const j = job({ active: 1, startTime: at(0) });
    const waitingPod = pod('pi-42-abcde', { containers: [waiting('pi', 'ContainerCreating')] });
    const pending = deriveStatus(j, [waitingPod]);
    expect(pending.phase).toBe('pending');
    expect(pending.startedAt).toBe(at(0));
    expect(pending.pods).toEqual([
      { name: 'pi-42-abcde', phase: 'Pending', deleting: false, containers: ['pi'], restarts: [] },
    ]);
    expect(pending.warnings).toEqual([]);

    const run = deriveStatus(job({ active: 1, ready: 1, startTime: at(0) }), [
      pod('pi-42-abcde', { phase: 'Running', containers: [running()] }),
    ]);
    expect(run).toMatchObject({ phase: 'running', finished: false, counts: { active: 1, ready: 1 } });
  });

  it('takes counts and times from the Job and succeeds on Complete', () => {
    const o = deriveStatus(
      job({
        succeeded: 1,
        startTime: at(0),
        completionTime: at(72),
        conditions: [
          condition('SuccessCriteriaMet', 'CompletionsReached'),
          condition('Complete', 'CompletionsReached'),
        ],
      }),
      [pod('pi-42-abcde', { phase: 'Succeeded', containers: [exited('pi', 0, 70, 'Completed')] })],
    );
    expect(o).toMatchObject({
      phase: 'succeeded',
      finished: true,
      finishing: false,
      counts: { succeeded: 1, failed: 0 },
      startedAt: at(0),
      completedAt: at(72),
    });
    expect(o.failure).toBeUndefined();
    expect(o.pods[0]!.finishedAt).toBe(at(70));
  });

  it('is only finishing while FailureTarget or SuccessCriteriaMet waits for pods to stop', () => {
    const target = condition(
      'FailureTarget',
      'DeadlineExceeded',
      'Job was active longer than specified deadline',
    );
    const o = deriveStatus(job({ active: 1, terminating: 1, startTime: at(0), conditions: [target] }), [
      pod('pi-42-abcde', { phase: 'Running', containers: [running()], deleting: true }),
    ]);
    expect(o).toMatchObject({
      phase: 'running',
      finished: false,
      finishing: true,
      counts: { terminating: 1 },
      failure: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
    });
    expect(o.pods[0]!.deleting).toBe(true);
    expect(o.completedAt).toBeUndefined();

    const scm = deriveStatus(job({ succeeded: 1, conditions: [condition('SuccessCriteriaMet')] }), []);
    expect(scm).toMatchObject({ phase: 'running', finished: false, finishing: true });
    expect(scm.failure).toBeUndefined();
  });

  it('ignores conditions that are not True', () => {
    const o = deriveStatus(job({ active: 1, conditions: [{ type: 'Failed', status: 'False' }] }), []);
    expect(o).toMatchObject({ phase: 'pending', finished: false, finishing: false });
  });

  it.each([
    ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ['DeadlineExceeded', 'Job was active longer than specified deadline'],
    [
      'PodFailurePolicy',
      'Container pi for pod jobs/pi-42-abcde failed with exit code 42 matching FailJob rule at index 0',
    ],
    ['MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes'],
  ])('fails with the reason %s and its message', (reason, message) => {
    const o = deriveStatus(
      job({
        failed: 5,
        startTime: at(0),
        conditions: [
          condition('FailureTarget', reason, message, at(99)),
          condition('Failed', reason, message, at(100)),
        ],
      }),
      [],
    );
    expect(o).toMatchObject({
      phase: 'failed',
      finished: true,
      finishing: false,
      failure: { reason, message },
    });
    expect(o.completedAt).toBe(at(100));
    expect(o.retriesUsed).toBe(5);
  });

  it('describes failed pods by their first container that exited non-zero', () => {
    const o = deriveStatus(job({ failed: 2, active: 1 }), [
      pod('pi-42-bbbbb', { phase: 'Failed', created: 20, containers: [exited('pi', 137, 30, 'OOMKilled')] }),
      pod('pi-42-aaaaa', {
        phase: 'Failed',
        created: 10,
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
        init: [exited('setup', 0, 11, 'Completed')],
        containers: [exited('pi', 1, 15)],
      }),
      pod('pi-42-ccccc', { phase: 'Running', created: 40, containers: [running()] }),
    ]);
    expect(o.pods.map((p) => p.name)).toEqual(['pi-42-aaaaa', 'pi-42-bbbbb', 'pi-42-ccccc']);
    expect(o.pods[0]).toMatchObject({
      reason: 'Evicted',
      message: 'The node was low on resource: memory.',
      exit: { container: 'pi', exitCode: 1, reason: 'Error' },
      finishedAt: at(15),
    });
    expect(o.pods[1]!.exit).toEqual({ container: 'pi', exitCode: 137, reason: 'OOMKilled' });
  });

  it('counts container restarts against the backoff limit under OnFailure', () => {
    const onFailure = { template: { spec: { restartPolicy: 'OnFailure' } } };
    const o = deriveStatus(job({ active: 1 }, onFailure), [
      pod('pi-42-abcde', { phase: 'Running', containers: [running('pi', 3, 2)] }),
    ]);
    expect(o.spec.restartPolicy).toBe('OnFailure');
    expect(o.retriesUsed).toBe(3);
    expect(o.pods[0]!.restarts).toEqual([
      { container: 'pi', count: 3, lastExit: { container: 'pi', exitCode: 2, reason: 'Error' } },
    ]);
    // Under Never a restart cannot happen; only failed pods count.
    expect(deriveStatus(job({ failed: 1 }), [pod('p', { containers: [running('pi', 3)] })]).retriesUsed).toBe(
      1,
    );
  });

  it('warns about trouble once per problem and container, with every affected pod counted', () => {
    const pull = 'Back-off pulling image "perl:5.99"';
    const o = deriveStatus(job({ active: 3 }, { parallelism: 3 }), [
      pod('pi-42-aaaaa', { containers: [waiting('pi', 'ErrImagePull', 'manifest unknown', 'perl:5.99')] }),
      pod('pi-42-bbbbb', { created: 2, containers: [waiting('pi', 'ImagePullBackOff', pull, 'perl:5.99')] }),
      pod('pi-42-ccccc', {
        created: 3,
        init: [waiting('setup', 'CreateContainerConfigError', 'secret "api" not found', 'busybox')],
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available',
          },
        ],
      }),
      pod('pi-42-ddddd', { created: 4, deleting: true, containers: [waiting('pi', 'CrashLoopBackOff')] }),
      pod('pi-42-eeeee', { created: 5, containers: [waiting('pi', 'ContainerCreating')] }),
    ]);
    expect(o.warnings).toEqual([
      {
        key: 'image-pull:pi',
        reason: 'ErrImagePull',
        pod: 'pi-42-aaaaa',
        podCount: 2,
        container: 'pi',
        initContainer: false,
        image: 'perl:5.99',
        message: 'manifest unknown',
      },
      {
        key: 'Unschedulable',
        reason: 'Unschedulable',
        pod: 'pi-42-ccccc',
        podCount: 1,
        initContainer: false,
        message: '0/3 nodes are available',
      },
      {
        key: 'CreateContainerConfigError:setup',
        reason: 'CreateContainerConfigError',
        pod: 'pi-42-ccccc',
        podCount: 1,
        container: 'setup',
        initContainer: true,
        image: 'busybox',
        message: 'secret "api" not found',
      },
    ]);
  });

  it.each(['InvalidImageName', 'CrashLoopBackOff', 'CreateContainerError', 'RunContainerError'])(
    'treats %s as trouble',
    (reason) => {
      expect(deriveStatus(job(), [pod('p', { containers: [waiting('pi', reason)] })]).warnings).toHaveLength(
        1,
      );
    },
  );

  it("leaves out pods of another Job with the same name, and reads the client's Date timestamps", () => {
    const withDates: JobLike = {
      metadata: { uid: 'new', deletionTimestamp: new Date(at(5)) },
      status: {
        startTime: new Date(at(0)),
        completionTime: new Date(at(9)),
        conditions: [condition('Complete')],
      },
    };
    const stale = pod('pi-42-old', { uid: 'old', phase: 'Failed' });
    const o = deriveStatus(withDates, [stale]);
    expect(o).toMatchObject({ pods: [], deleting: true, startedAt: at(0), completedAt: at(9) });
  });

  it('accepts the Kubernetes client objects as they are', () => {
    const j: V1Job = { metadata: { name: 'pi-42' }, status: { active: 1 } };
    const p: V1Pod = { metadata: { name: 'pi-42-x' }, status: { phase: 'Running' } };
    const asJob: JobLike = j;
    const asPod: PodLike = p;
    expect(deriveStatus(asJob, [asPod]).phase).toBe('running');
  });
});
