/** Jobs and pods as the API server reports them for the dispatch tests: the docs' "pi" Job, dispatch 42. */
import type { JobTemplate } from '../../src/domain/definition/index.js';
import type {
  ConditionLike,
  ContainerStatusLike,
  JobLike,
  PodLike,
} from '../../src/domain/dispatch/index.js';

export { PI_TEMPLATE } from '../domain/fixtures.js';

export const UID = 'c0ffee00-0000-4000-8000-000000000042';
const T0 = Date.parse('2025-03-01T10:00:00Z');

/** An RFC 3339 time `s` seconds after the test's start. */
export function at(s: number): string {
  return new Date(T0 + s * 1000).toISOString();
}

export function condition(type: string, reason?: string, message?: string, time = at(60)): ConditionLike {
  return {
    type,
    status: 'True',
    lastTransitionTime: time,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export function job(status: NonNullable<JobLike['status']> = {}, spec: JobLike['spec'] = {}): JobLike {
  return {
    metadata: { name: 'pi-42', uid: UID, labels: { 'jobbot.dev/dispatch': '42' } },
    spec: { backoffLimit: 4, template: { spec: { restartPolicy: 'Never' } }, ...spec },
    status,
  };
}

export interface PodOptions {
  phase?: string;
  created?: number;
  containers?: ContainerStatusLike[];
  init?: ContainerStatusLike[];
  conditions?: ConditionLike[];
  reason?: string;
  message?: string;
  deleting?: boolean;
  uid?: string;
}

export function pod(name: string, o: PodOptions = {}): PodLike {
  return {
    metadata: {
      name,
      creationTimestamp: at(o.created ?? 1),
      labels: { 'batch.kubernetes.io/controller-uid': o.uid ?? UID, 'job-name': 'pi-42' },
      ...(o.deleting ? { deletionTimestamp: at(100) } : {}),
    },
    status: {
      phase: o.phase ?? 'Pending',
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.message ? { message: o.message } : {}),
      ...(o.conditions ? { conditions: o.conditions } : {}),
      ...(o.containers ? { containerStatuses: o.containers } : {}),
      ...(o.init ? { initContainerStatuses: o.init } : {}),
    },
  };
}

export function waiting(
  name: string,
  reason: string,
  message = '',
  image = 'perl:5.34.0',
): ContainerStatusLike {
  return { name, image, ready: false, restartCount: 0, state: { waiting: { reason, message } } };
}

export function running(name = 'pi', restartCount = 0, lastExit?: number): ContainerStatusLike {
  return {
    name,
    image: 'perl:5.34.0',
    ready: true,
    restartCount,
    state: { running: { startedAt: at(5) } },
    ...(lastExit === undefined
      ? {}
      : { lastState: { terminated: { exitCode: lastExit, reason: 'Error', finishedAt: at(4) } } }),
  };
}

export function exited(
  name: string,
  exitCode: number,
  finished: number,
  reason = 'Error',
): ContainerStatusLike {
  return {
    name,
    image: 'perl:5.34.0',
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason, startedAt: at(finished - 2), finishedAt: at(finished) } },
  };
}

/** A template with two containers and an init container, for container= tests. */
export function twoContainers(template: JobTemplate): JobTemplate {
  const t = structuredClone(template);
  const pi = t.spec.template.spec.containers[0]!;
  pi.env = [
    { name: 'MODE', value: 'fast' },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
  ];
  t.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36', args: ['sleep', '5'] });
  t.spec.template.spec.initContainers = [{ name: 'setup', image: 'busybox:1.36' }];
  return t;
}
