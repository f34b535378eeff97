import { describe, expect, it } from 'vitest';
import { type DispatchObservation, deriveStatus, timelineFor } from '../../src/domain/dispatch/index.js';
import { at, condition, exited, job, pod, running, waiting } from './fixtures.js';

const created = deriveStatus(job({ active: 1, startTime: at(0) }), []);
const scheduled = deriveStatus(job({ active: 1, startTime: at(0) }), [
  pod('pi-42-aaaaa', { containers: [waiting('pi', 'ContainerCreating')] }),
]);
const started = deriveStatus(job({ active: 1, ready: 1, startTime: at(0) }), [
  pod('pi-42-aaaaa', { phase: 'Running', containers: [running()] }),
]);
const retried = deriveStatus(job({ active: 1, failed: 1, startTime: at(0) }), [
  pod('pi-42-aaaaa', { phase: 'Failed', containers: [exited('pi', 1, 20)] }),
  pod('pi-42-bbbbb', { phase: 'Running', created: 30, containers: [running()] }),
]);
const stuck = deriveStatus(job({ active: 1, failed: 1, startTime: at(0) }), [
  pod('pi-42-aaaaa', { phase: 'Failed', containers: [exited('pi', 1, 20)] }),
  pod('pi-42-bbbbb', {
    created: 30,
    containers: [waiting('pi', 'ImagePullBackOff', 'Back-off pulling image "perl:5.99"', 'perl:5.99')],
  }),
]);
const done = deriveStatus(
  job({
    succeeded: 1,
    failed: 1,
    startTime: at(0),
    completionTime: at(72),
    conditions: [condition('Complete', 'CompletionsReached')],
  }),
  [
    pod('pi-42-aaaaa', { phase: 'Failed', containers: [exited('pi', 1, 20)] }),
    pod('pi-42-bbbbb', { phase: 'Succeeded', created: 30, containers: [exited('pi', 0, 70, 'Completed')] }),
  ],
);

function texts(previous: DispatchObservation | undefined, next: DispatchObservation): string[] {
  return timelineFor(previous, next).map((e) => e.text);
}

describe('timelineFor', () => {
  it('tells the story of a dispatch step by step', () => {
    expect(timelineFor(undefined, created)).toEqual([]);
    expect(timelineFor(created, scheduled)).toEqual([
      {
        key: 'pods-created',
        kind: 'pods-created',
        text: 'Pod pi-42-aaaaa created; waiting for it to start.',
      },
    ]);
    expect(timelineFor(scheduled, started)).toEqual([
      { key: 'running', kind: 'running', text: 'Running: pod pi-42-aaaaa started.' },
    ]);
    expect(timelineFor(started, retried)).toEqual([
      {
        key: 'pod-failed:pi-42-aaaaa',
        kind: 'pod-failed',
        text: 'Pod pi-42-aaaaa failed (exit code 1); retrying (1 of 4 retries used).',
      },
    ]);
    expect(timelineFor(retried, stuck)).toEqual([
      {
        key: 'warning:image-pull:pi',
        kind: 'warning',
        text: 'Container pi in pod pi-42-bbbbb cannot pull image perl:5.99 (ImagePullBackOff): Back-off pulling image "perl:5.99"',
      },
    ]);
    expect(timelineFor(stuck, done)).toEqual([
      { key: 'finished', kind: 'finished', text: 'Succeeded in 1m12s.' },
    ]);
    expect(timelineFor(done, done)).toEqual([]);
  });

  it('gives the same keys when it has no previous observation, so a restart posts nothing twice', () => {
    const seen = new Set<string>();
    const steps = [created, scheduled, started, retried, stuck];
    steps.forEach((next, i) => {
      for (const e of timelineFor(steps[i - 1], next)) seen.add(e.key);
    });
    for (const next of steps.slice(1)) {
      const again = timelineFor(undefined, next).filter((e) => !seen.has(e.key));
      expect(again).toEqual([]);
    }
  });

  it('goes straight to running when the first pod is seen already started', () => {
    expect(texts(created, started)).toEqual(['Running: pod pi-42-aaaaa started.']);
    const two = deriveStatus(job({ active: 2 }), [
      pod('a', { phase: 'Running', containers: [running()] }),
      pod('b', { phase: 'Running', containers: [running()] }),
    ]);
    expect(texts(undefined, two)).toEqual(['Running: 2 pods started.']);
    expect(texts(undefined, deriveStatus(job(), [pod('a'), pod('b')]))).toEqual([
      '2 pods created; waiting for them to start.',
    ]);
  });

  it('numbers retries by the order pods failed, whichever observation shows them', () => {
    const three = deriveStatus(job({ failed: 3, active: 1 }, { backoffLimit: 3 }), [
      pod('pi-42-ccccc', { phase: 'Failed', created: 3, containers: [exited('pi', 2, 30)] }),
      pod('pi-42-aaaaa', { phase: 'Failed', created: 1, containers: [exited('pi', 137, 10, 'OOMKilled')] }),
      pod('pi-42-bbbbb', { phase: 'Failed', created: 2, reason: 'Evicted', message: 'Node low on memory.' }),
      pod('pi-42-ddddd', { phase: 'Running', created: 4, containers: [running()] }),
    ]);
    expect(texts(started, three)).toEqual([
      'Pod pi-42-bbbbb failed (Evicted: Node low on memory.); retrying (1 of 3 retries used).',
      'Pod pi-42-aaaaa failed (OOMKilled, exit code 137); retrying (2 of 3 retries used).',
      'Pod pi-42-ccccc failed (exit code 2); retrying (3 of 3 retries used).',
    ]);
  });

  it('says when no retries are left', () => {
    const last = deriveStatus(job({ failed: 1 }, { backoffLimit: 0 }), [
      pod('p', { phase: 'Failed', containers: [exited('pi', 1, 10), exited('sidecar', 0, 10, 'Completed')] }),
    ]);
    expect(texts(started, last)).toEqual(['Pod p failed (container pi: exit code 1); no retries allowed.']);
    const over = deriveStatus(job({ failed: 2 }, { backoffLimit: 1 }), [
      pod('p1', { phase: 'Failed', containers: [exited('pi', 1, 10)] }),
      pod('p2', { phase: 'Failed', created: 2, containers: [exited('pi', 1, 20)] }),
    ]);
    expect(texts(started, over)).toEqual([
      'Pod p1 failed (exit code 1); retrying (1 of 1 retry used).',
      'Pod p2 failed (exit code 1); no retries left (all 1 used).',
    ]);
  });

  it('reports restarts in place under OnFailure', () => {
    const onFailure = { template: { spec: { restartPolicy: 'OnFailure' } } };
    const before = deriveStatus(job({ active: 1 }, onFailure), [
      pod('p', { phase: 'Running', containers: [running('pi', 1, 1)] }),
    ]);
    const after = deriveStatus(job({ active: 1 }, onFailure), [
      pod('p', { phase: 'Running', containers: [running('pi', 2, 3)] }),
    ]);
    expect(timelineFor(before, after)).toEqual([
      {
        key: 'restart:p:pi:2',
        kind: 'container-restarted',
        text: 'Container pi in pod p stopped (exit code 3); retrying (2 of 4 retries used).',
      },
    ]);
  });

  it('says it is giving up before pods have stopped, then gives the verdict', () => {
    const message = 'Job was active longer than specified deadline';
    const giving = deriveStatus(
      job(
        {
          active: 1,
          startTime: at(0),
          conditions: [condition('FailureTarget', 'DeadlineExceeded', message)],
        },
        {
          activeDeadlineSeconds: 60,
        },
      ),
      [pod('p', { phase: 'Running', containers: [running()], deleting: true })],
    );
    expect(timelineFor(started, giving)).toEqual([
      {
        key: 'giving-up',
        kind: 'giving-up',
        text: 'Giving up: DeadlineExceeded (Job was active longer than specified deadline); stopping the remaining pods.',
      },
    ]);
    const failed = deriveStatus(
      job(
        { failed: 1, startTime: at(0), conditions: [condition('Failed', 'DeadlineExceeded', message)] },
        {
          activeDeadlineSeconds: 60,
        },
      ),
      [pod('p', { phase: 'Failed', containers: [exited('pi', 143, 61)] })],
    );
    expect(texts(giving, failed)).toEqual(['Failed: DeadlineExceeded after 60s.']);
  });

  it('keeps warnings but not progress when first seen finished', () => {
    const failed = deriveStatus(
      job({ failed: 1, conditions: [condition('Failed', 'BackoffLimitExceeded')] }, { backoffLimit: 0 }),
      [
        pod('p', { phase: 'Failed', containers: [exited('pi', 1, 10)] }),
        pod('q', { containers: [waiting('pi', 'CreateContainerConfigError', 'secret "db" not found')] }),
      ],
    );
    expect(texts(undefined, failed)).toEqual([
      'Container pi in pod q cannot be created; check the Secrets and ConfigMaps it uses (CreateContainerConfigError): secret "db" not found',
      'Failed: BackoffLimitExceeded (1 pod failed).',
    ]);
  });

  it.each([
    ['InvalidImageName', 'Container pi in pod p has an invalid image name perl:5.34.0 (InvalidImageName): m'],
    ['CrashLoopBackOff', 'Container pi in pod p keeps crashing (CrashLoopBackOff): m'],
    ['RunContainerError', 'Container pi in pod p cannot start (RunContainerError): m'],
    ['ErrImagePull', 'Container pi in pod p cannot pull image perl:5.34.0 (ErrImagePull): m'],
  ])('words a %s warning', (reason, text) => {
    const o = deriveStatus(job(), [pod('p', { containers: [waiting('pi', reason, 'm')] })]);
    expect(
      timelineFor(created, o)
        .filter((e) => e.kind === 'warning')
        .map((e) => e.text),
    ).toEqual([text]);
  });

  it('words an unschedulable pod and counts the other pods with the problem', () => {
    const unschedulable = {
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes fit.' },
      ],
    };
    const o = deriveStatus(job(), [pod('p', unschedulable), pod('q', { ...unschedulable, created: 2 })]);
    expect(timelineFor(undefined, o)).toEqual([
      { key: 'pods-created', kind: 'pods-created', text: '2 pods created; waiting for them to start.' },
      {
        key: 'warning:Unschedulable',
        kind: 'warning',
        text: 'Pod p and 1 more cannot be scheduled on any node: 0/3 nodes fit.',
      },
    ]);
  });
});
