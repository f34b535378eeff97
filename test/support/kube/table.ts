/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), which is what
 * `kubectl get` asks for. Columns and cell rules follow pkg/printers/internalversion (v1.32).
 */

import { formatSelectorSpec } from './selectors.js';
import {
  type Container,
  isConditionTrue,
  type Job,
  type KubeObject,
  type Pod,
  type ResourceName,
} from './types.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, description: string, priority = 0, format = '', type = 'string'): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

const NAME = col(
  'Name',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  0,
  'name',
);
const AGE = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
);

const COLUMNS: Record<ResourceName, Column[]> = {
  jobs: [
    NAME,
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'),
    AGE,
    col('Containers', 'Names of each container in the template.', 1),
    col('Images', 'Images referenced by each container in the template.', 1),
    col('Selector', 'A label query over pods that should match the pod count.', 1),
  ],
  pods: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE,
    col('IP', 'podIP is the IP address allocated to the pod.', 1),
    col('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  namespaces: [NAME, col('Status', 'The status of the namespace'), AGE],
  events: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col('Object', 'The object that this event is about.'),
    col('Message', 'A human-readable description of the status of this operation.'),
  ],
};

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8) return days === 0 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

function since(ts: string | undefined, now: number): string {
  return ts ? humanDuration(now - Date.parse(ts)) : '<unknown>';
}

function containerCells(containers: Container[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image ?? '').join(',')];
}

function jobCells(job: Job, now: number): unknown[] {
  const s = job.status ?? {};
  const completions =
    job.spec.completions !== undefined
      ? `${s.succeeded ?? 0}/${job.spec.completions}`
      : (job.spec.parallelism ?? 0) > 1
        ? `${s.succeeded ?? 0}/1 of ${job.spec.parallelism}`
        : `${s.succeeded ?? 0}/1`;
  let duration = '';
  if (s.startTime) {
    const end = s.completionTime ? Date.parse(s.completionTime) : now;
    duration = humanDuration(end - Date.parse(s.startTime));
  }
  const conds = s.conditions;
  let status = 'Running';
  if (isConditionTrue(conds, 'Complete')) status = 'Complete';
  else if (isConditionTrue(conds, 'Failed')) status = 'Failed';
  else if (job.metadata.deletionTimestamp) status = 'Terminating';
  else if (isConditionTrue(conds, 'Suspended')) status = 'Suspended';
  else if (isConditionTrue(conds, 'FailureTarget')) status = 'FailureTarget';
  const [names, images] = containerCells(job.spec.template.spec.containers);
  return [
    job.metadata.name,
    status,
    completions,
    duration,
    since(job.metadata.creationTimestamp, now),
    names,
    images,
    formatSelectorSpec(job.spec.selector),
  ];
}

function podCells(pod: Pod, now: number): unknown[] {
  const st = pod.status ?? {};
  let reason: string = st.reason ?? st.phase ?? 'Pending';
  let restarts = 0;
  let ready = 0;
  let lastRestart = 0;
  let hasRunning = false;
  const statuses = st.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i]!;
    restarts += c.restartCount;
    const finished = c.lastState.terminated?.finishedAt;
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
    if (c.state.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state.terminated) reason = `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state.running) {
      hasRunning = true;
      ready++;
    }
  }
  if (reason === 'Completed' && hasRunning)
    reason = isConditionTrue(st.conditions, 'Ready') ? 'Running' : 'NotReady';
  if (pod.metadata.deletionTimestamp && st.phase !== 'Succeeded' && st.phase !== 'Failed')
    reason = 'Terminating';
  const restartText =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  return [
    pod.metadata.name,
    `${ready}/${pod.spec.containers.length}`,
    reason,
    restartText,
    since(pod.metadata.creationTimestamp, now),
    st.podIP ?? '<none>',
    pod.spec.nodeName ?? '<none>',
    '<none>',
    '<none>',
  ];
}

function cells(resource: ResourceName, obj: KubeObject, now: number): unknown[] {
  switch (resource) {
    case 'jobs':
      return jobCells(obj as Job, now);
    case 'pods':
      return podCells(obj as Pod, now);
    case 'namespaces':
      return [
        obj.metadata.name,
        (obj.status as { phase?: string })?.phase ?? 'Active',
        since(obj.metadata.creationTimestamp, now),
      ];
    case 'events': {
      const io = (obj.involvedObject ?? {}) as { kind?: string; name?: string };
      return [
        since(obj.lastTimestamp as string | undefined, now),
        obj.type,
        obj.reason,
        `${String(io.kind ?? '').toLowerCase()}/${io.name}`,
        obj.message,
      ];
    }
  }
}

function rowObject(obj: KubeObject, includeObject: string, apiVersion: string, kind: string): unknown {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object') return { ...obj, apiVersion, kind };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableOptions {
  resource: ResourceName;
  apiVersion: string;
  kind: string;
  includeObject: string;
  now: number;
  listMeta?: Record<string, unknown>;
}

export function renderTable(items: KubeObject[], o: TableOptions): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: o.listMeta ?? {},
    columnDefinitions: COLUMNS[o.resource],
    rows: items.map((obj) => {
      const row: Record<string, unknown> = { cells: cells(o.resource, obj, o.now) };
      const object = rowObject(obj, o.includeObject, o.apiVersion, o.kind);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
}

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.includes('as=Table'));
}
