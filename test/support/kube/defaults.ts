/**
 * Server-side defaulting for Jobs and the Pods the job controller stamps out of their template,
 * matching what `kubectl get -o yaml` shows on a real cluster (backoffLimit 6, completions and
 * parallelism 1, generated selector and labels, container defaults...).
 */

import {
  CONTROLLER_UID_LABEL,
  type Container,
  JOB_NAME_LABEL,
  JOB_TRACKING_FINALIZER,
  type Job,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  type Pod,
  type PodSpec,
} from './types.js';

function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  const lastSegment = image.split('/').pop() ?? image;
  if (image.includes('@')) return 'IfNotPresent';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.resources ??= {};
}

export function defaultPodSpec(spec: PodSpec): void {
  // The Pod default is Always; Job validation then rejects it, as the real server does.
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
}

/** Fills spec defaults and, unless manualSelector, the generated selector and template labels. */
export function applyJobDefaults(job: Job, uid: string): void {
  const spec = job.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (!spec.template || typeof spec.template !== 'object') return;
  spec.template.metadata ??= {};
  if (spec.manualSelector !== true) {
    const name = job.metadata.name ?? '';
    spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
    spec.template.metadata.labels = {
      ...spec.template.metadata.labels,
      [CONTROLLER_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: name,
      [LEGACY_CONTROLLER_UID_LABEL]: uid,
      [LEGACY_JOB_NAME_LABEL]: name,
    };
  }
  if (spec.template.spec && typeof spec.template.spec === 'object') defaultPodSpec(spec.template.spec);
}

export interface NewPodInput {
  job: Job;
  name: string;
  uid: string;
  createdAt: string;
}

/** The Pod the job controller creates: template + owner reference + tracking finalizer. */
export function podFromTemplate({ job, name, uid, createdAt }: NewPodInput): Pod {
  const template = structuredClone(job.spec.template);
  const spec = template.spec;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    {
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 300,
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...template.metadata,
      name,
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace,
      uid,
      creationTimestamp: createdAt,
      labels: { ...template.metadata?.labels },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name ?? '',
          uid: job.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec,
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}
