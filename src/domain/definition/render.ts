/**
 * The Job that one dispatch creates: the definition's template with this dispatch's overrides, named
 * `<definition>-<dispatch number>`, placed in the definition's namespace and marked so Jobbot can find
 * it again. The same labels go on the Job and its pod template, so one label-selected watch sees both
 * Jobs and Pods. Labels hold only label-safe values; who dispatched (free text) is in annotations.
 *
 * Overrides change one dispatch only; the stored template is never modified.
 */
import { kubernetesJobName, sanitizeLabelValue } from './names.js';
import {
  type FieldError,
  isPlainObject,
  type JobManifest,
  type JobTemplate,
  type PlainObject,
} from './types.js';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_DEFINITION = 'jobbot.dev/definition';
export const LABEL_DISPATCH = 'jobbot.dev/dispatch';
/** Which Jobbot installation made the Job (store/migrations/installation-uid.ts). */
export const LABEL_INSTALLATION = 'jobbot.dev/installation';

/**
 * Whether a Job or pod with these labels may be this installation's (`installation`; undefined when
 * Jobbot runs without one, as in tests): one without an id was made before installations had ids.
 */
export function ofInstallation(labels: Record<string, string> | undefined, installation?: string): boolean {
  const label = labels?.[LABEL_INSTALLATION];
  return label === undefined || installation === undefined || label === installation;
}
export const ANNOTATION_DISPATCHED_BY_ID = 'jobbot.dev/dispatched-by-id';
export const ANNOTATION_DISPATCHED_BY_NAME = 'jobbot.dev/dispatched-by-name';
export const ANNOTATION_REVISION = 'jobbot.dev/definition-revision';
export const MANAGED_BY = 'jobbot';

/** Values for one dispatch. image, command, args and env apply to one container. */
export interface DispatchOverrides {
  /** The container that image, command, args and env apply to; the first container when left out. */
  container?: string;
  image?: string;
  command?: string[];
  args?: string[];
  /** Literal values; each replaces the variable of that name (even a secret reference) or is added. */
  env?: Record<string, string>;
  activeDeadlineSeconds?: number;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
}

export interface Dispatch {
  number: number;
  dispatchedBy: { id: string; name: string };
  overrides?: DispatchOverrides;
  /** The installation's id, labelled on the Job and its pods (left out: no label). */
  installation?: string;
}

export interface RenderableDefinition {
  name: string;
  namespace: string;
  template: JobTemplate;
  revision?: number;
}

/** Label selector for Jobbot's Jobs and Pods, optionally of one definition or one dispatch. */
export function jobbotSelector(filter: { definition?: string; dispatch?: number } = {}): string {
  const parts = [`${LABEL_MANAGED_BY}=${MANAGED_BY}`];
  if (filter.definition !== undefined)
    parts.push(`${LABEL_DEFINITION}=${sanitizeLabelValue(filter.definition)}`);
  if (filter.dispatch !== undefined) parts.push(`${LABEL_DISPATCH}=${filter.dispatch}`);
  return parts.join(',');
}

/**
 * The template with one dispatch's overrides applied. Only structure is checked here (the container
 * exists); run validateTemplate on the result for the value rules before dispatching.
 */
export function applyOverrides(
  template: JobTemplate,
  overrides: DispatchOverrides,
): { template: JobTemplate } | { errors: FieldError[] } {
  const copy = structuredClone(template);
  const spec = copy.spec;
  for (const field of ['activeDeadlineSeconds', 'completions', 'parallelism', 'backoffLimit'] as const) {
    const value = overrides[field];
    if (value !== undefined) spec[field] = value;
  }

  const touchesContainer = ['image', 'command', 'args', 'env'].some(
    (f) => overrides[f as keyof DispatchOverrides] !== undefined,
  );
  if (!touchesContainer) return { template: copy };
  const containers = Array.isArray(spec.template?.spec?.containers) ? spec.template.spec.containers : [];
  const names = containers.map((c) => c.name);
  const container =
    overrides.container === undefined
      ? containers[0]
      : containers.find((c) => c.name === overrides.container);
  if (container === undefined) {
    const message =
      overrides.container === undefined
        ? 'This definition has no container to apply the values to.'
        : `There is no container "${overrides.container}" in this definition; choose one of: ${names.join(', ')}.`;
    return { errors: [{ path: 'container', message }] };
  }
  if (overrides.image !== undefined) container.image = overrides.image;
  if (overrides.command !== undefined) container.command = [...overrides.command];
  if (overrides.args !== undefined) container.args = [...overrides.args];
  if (overrides.env !== undefined) {
    const env = Array.isArray(container.env) ? container.env : [];
    for (const [name, value] of Object.entries(overrides.env)) {
      const index = env.findIndex((v) => v.name === name);
      if (index >= 0) env[index] = { name, value };
      else env.push({ name, value });
    }
    container.env = env;
  }
  return { template: copy };
}

/**
 * The batch/v1 Job to create. Throws if the overrides do not fit the template; check them with
 * applyOverrides (and validateTemplate) first to show a person what is wrong.
 */
export function renderJob(def: RenderableDefinition, dispatch: Dispatch): JobManifest {
  const applied = dispatch.overrides
    ? applyOverrides(def.template, dispatch.overrides)
    : { template: def.template };
  if ('errors' in applied) {
    throw new RangeError(`dispatch overrides do not fit: ${applied.errors.map((e) => e.message).join(' ')}`);
  }
  const template = structuredClone(applied.template);
  const labels: Record<string, string> = {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_DEFINITION]: sanitizeLabelValue(def.name),
    [LABEL_DISPATCH]: String(dispatch.number),
    ...(dispatch.installation ? { [LABEL_INSTALLATION]: dispatch.installation } : {}),
  };
  const annotations: Record<string, string> = {
    ...stringMap(template.metadata?.annotations),
    [ANNOTATION_DISPATCHED_BY_ID]: dispatch.dispatchedBy.id,
    [ANNOTATION_DISPATCHED_BY_NAME]: dispatch.dispatchedBy.name,
  };
  if (def.revision !== undefined) annotations[ANNOTATION_REVISION] = String(def.revision);

  const spec = template.spec;
  // The API server generates the selector; a stale one without manualSelector is refused.
  if (spec.manualSelector !== true) delete spec.selector;
  const pod = spec.template;
  const podMeta: PlainObject = isPlainObject(pod.metadata) ? pod.metadata : {};
  pod.metadata = { ...podMeta, labels: { ...stringMap(podMeta.labels), ...labels } };

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: kubernetesJobName(def.name, dispatch.number),
      namespace: def.namespace,
      labels: { ...stringMap(template.metadata?.labels), ...labels },
      annotations,
    },
    spec,
  };
}

function stringMap(value: unknown): Record<string, string> {
  return isPlainObject(value) ? (value as Record<string, string>) : {};
}
