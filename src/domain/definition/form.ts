/**
 * The definition form: the fields a person edits in the Slack modal, as plain strings, and the mapping
 * between them and a Job template. The line syntaxes are in form-syntax.ts.
 *
 * Editing through the form never loses what the form does not show: the template being edited is the
 * starting point and only the form's fields are written. A field whose text is unchanged keeps its
 * stored value exactly, and in list fields (env, ports, mounts, volumes) an unchanged line keeps its
 * stored item, so details a line cannot express (a volume's items, an optional secret) survive until
 * that line is edited. formCaveats says which fields hold such details.
 *
 * Form errors use form field keys as their path: `completions`, `volumes`, `containers[1].env`.
 */
import {
  envCodec,
  fieldLines,
  formatArgs,
  formatCommand,
  formatCount,
  type LineCodec,
  mountCodec,
  parseArgs,
  parseCommand,
  parseCount,
  portCodec,
  volumeCodec,
} from './form-syntax.js';
import { pathSegments } from './paths.js';
import { type FieldError, isPlainObject, type JobTemplate, type PlainObject } from './types.js';

export interface ContainerForm {
  name: string;
  image: string;
  command: string;
  args: string;
  env: string;
  ports: string;
  volumeMounts: string;
}

export interface DefinitionForm {
  containers: ContainerForm[];
  /** 'Never' or 'OnFailure'; the modal offers only these two. */
  restartPolicy: string;
  completions: string;
  parallelism: string;
  activeDeadlineSeconds: string;
  volumes: string;
}

export const CONTAINER_FIELDS = ['name', 'image', 'command', 'args', 'env', 'ports', 'volumeMounts'] as const;
const COUNT_FIELDS = [
  ['activeDeadlineSeconds', '600'],
  ['completions', '1'],
  ['parallelism', '1'],
] as const;
const LIST_FIELDS = { env: envCodec, ports: portCodec, volumeMounts: mountCodec } as const;

export function emptyContainerForm(): ContainerForm {
  return { name: '', image: '', command: '', args: '', env: '', ports: '', volumeMounts: '' };
}

export function templateToForm(template: JobTemplate): DefinitionForm {
  const spec = obj(template.spec);
  const pod = obj(obj(spec.template).spec);
  return {
    containers: list(pod.containers).map(containerToForm),
    restartPolicy: typeof pod.restartPolicy === 'string' ? pod.restartPolicy : '',
    completions: formatCount(spec.completions),
    parallelism: formatCount(spec.parallelism),
    activeDeadlineSeconds: formatCount(spec.activeDeadlineSeconds),
    volumes: formatList(pod.volumes, volumeCodec),
  };
}

function containerToForm(container: unknown): ContainerForm {
  const c = obj(container);
  return {
    name: typeof c.name === 'string' ? c.name : '',
    image: typeof c.image === 'string' ? c.image : '',
    command: formatCommand(c.command),
    args: formatArgs(c.args),
    env: formatList(c.env, envCodec),
    ports: formatList(c.ports, portCodec),
    volumeMounts: formatList(c.volumeMounts, mountCodec),
  };
}

export function formToTemplate(
  form: DefinitionForm,
  base?: JobTemplate,
): { template: JobTemplate } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const template: PlainObject = base
    ? structuredClone(base)
    : { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [] } } } };
  template.apiVersion = 'batch/v1';
  template.kind = 'Job';
  const spec = child(template, 'spec');
  const pod = child(child(spec, 'template'), 'spec');
  const before = base ? templateToForm(base) : undefined;

  for (const [field, example] of COUNT_FIELDS) {
    if (before?.[field] === form[field]) continue;
    const parsed = parseCount(form[field], example);
    if ('error' in parsed) errors.push({ path: field, message: parsed.error });
    else setOrDelete(spec, field, parsed.value);
  }
  if (before?.restartPolicy !== form.restartPolicy)
    setOrDelete(pod, 'restartPolicy', form.restartPolicy.trim() || undefined);
  if (before?.volumes !== form.volumes) {
    setOrDelete(pod, 'volumes', editList(form.volumes, pod.volumes, volumeCodec, 'volumes', errors));
  }

  const baseContainers = list(pod.containers);
  const formNames = new Set(form.containers.map((c) => c.name.trim()));
  const claimed = new Set<number>();
  pod.containers = form.containers.map((fields, i) => {
    const name = fields.name.trim();
    // Match by name, so removing or reordering containers keeps each one's hidden fields; an unmatched
    // container at the same position whose old name is gone was renamed.
    let match = baseContainers.findIndex((c, j) => !claimed.has(j) && obj(c).name === name);
    const old = obj(baseContainers[i]).name;
    if (match < 0 && i < baseContainers.length && !claimed.has(i) && !formNames.has(String(old))) match = i;
    if (match >= 0) claimed.add(match);
    return editContainer(fields, match >= 0 ? baseContainers[match] : undefined, `containers[${i}]`, errors);
  });

  return errors.length > 0 ? { errors } : { template: template as JobTemplate };
}

function editContainer(form: ContainerForm, base: unknown, key: string, errors: FieldError[]): PlainObject {
  const container: PlainObject = isPlainObject(base) ? structuredClone(base) : {};
  const before = isPlainObject(base) ? containerToForm(base) : undefined;
  container.name = form.name.trim();
  if (before?.image !== form.image) setOrDelete(container, 'image', form.image.trim() || undefined);
  if (before?.command !== form.command) {
    const parsed = parseCommand(form.command);
    if ('error' in parsed) errors.push({ path: `${key}.command`, message: parsed.error });
    else setOrDelete(container, 'command', parsed.value);
  }
  if (before?.args !== form.args) setOrDelete(container, 'args', parseArgs(form.args));
  for (const [field, codec] of Object.entries(LIST_FIELDS) as [keyof typeof LIST_FIELDS, LineCodec][]) {
    if (before?.[field] === form[field]) continue;
    setOrDelete(container, field, editList(form[field], container[field], codec, `${key}.${field}`, errors));
  }
  return container;
}

/** Parses a list field; a line equal to a stored item's line keeps that item as it was. */
function editList(
  field: string,
  stored: unknown,
  codec: LineCodec,
  key: string,
  errors: FieldError[],
): unknown[] | undefined {
  const unchanged = new Map<string, unknown[]>();
  for (const item of list(stored)) {
    const line = codec.format(item).trim();
    unchanged.set(line, [...(unchanged.get(line) ?? []), item]);
  }
  const items: unknown[] = [];
  for (const { line, number } of fieldLines(field)) {
    const kept = unchanged.get(line)?.shift();
    if (kept !== undefined) {
      items.push(kept);
      continue;
    }
    const parsed = codec.parse(line);
    if ('error' in parsed) errors.push({ path: key, message: `Line ${number}: ${parsed.error}` });
    else items.push(parsed.value);
  }
  return items.length > 0 ? items : undefined;
}

/**
 * The form field that shows a validation error's path, so the modal can put the message under the
 * right input; undefined for paths the form does not show (they belong in a general message).
 */
export function formKeyForPath(path: string): string | undefined {
  if (['name', 'namespace', 'cluster', 'description'].includes(path)) return path;
  if (path === 'metadata.namespace') return 'namespace';
  const s = pathSegments(path);
  if (s[0] !== 'spec') return undefined;
  if (s.length === 2 && COUNT_FIELDS.some(([field]) => field === s[1])) return s[1] as string;
  if (s[1] !== 'template' || s[2] !== 'spec') return undefined;
  if (s[3] === 'restartPolicy' || s[3] === 'volumes') return s[3];
  if (s[3] !== 'containers') return undefined;
  if (s.length === 4) return 'containers';
  const field = s[5];
  if (typeof s[4] !== 'number' || !CONTAINER_FIELDS.some((f) => f === field)) return undefined;
  return `containers[${s[4]}].${field}`;
}

const CAVEAT =
  'This field holds details the form cannot show (such as multi-line values or extra options). They ' +
  'are kept while the field, or the line that holds them, is left unchanged; edit the definition as ' +
  'YAML to change them safely.';

/** Form fields whose text cannot express everything the template holds for them. */
export function formCaveats(template: JobTemplate): FieldError[] {
  const form = templateToForm(template);
  const fresh = formToTemplate(form);
  if ('errors' in fresh) return fresh.errors.map((e) => ({ path: e.path, message: CAVEAT }));
  const caveats: FieldError[] = [];
  const pod = obj(obj(obj(template.spec).template).spec);
  const freshPod = obj(obj(obj(fresh.template.spec).template).spec);
  if (!sameValue(pod.volumes, freshPod.volumes)) caveats.push({ path: 'volumes', message: CAVEAT });
  const containers = list(pod.containers);
  const freshContainers = list(freshPod.containers);
  containers.forEach((container, i) => {
    for (const field of CONTAINER_FIELDS) {
      if (!sameValue(obj(container)[field], obj(freshContainers[i])[field])) {
        caveats.push({ path: `containers[${i}].${field}`, message: CAVEAT });
      }
    }
  });
  return caveats;
}

/** Deep equality of JSON-like values, ignoring key order; an empty list equals a missing one. */
function sameValue(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

function formatList(items: unknown, codec: LineCodec): string {
  return list(items)
    .map((item) => codec.format(item))
    .join('\n');
}

function obj(value: unknown): PlainObject {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function child(parent: PlainObject, key: string): PlainObject {
  const existing = parent[key];
  if (isPlainObject(existing)) return existing;
  const created: PlainObject = {};
  parent[key] = created;
  return created;
}

function setOrDelete(target: PlainObject, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
