/**
 * Reading a Job definition from pasted YAML, and writing a manifest back as YAML.
 *
 * Reading is defensive: a size limit first, js-yaml's safe default schema, exactly one document, and a
 * walk that copies the tree while counting values, so anchors and aliases that share one node many
 * times ("billion laughs") or point at themselves are refused instead of expanding. Only a batch/v1
 * Job is accepted. What the API server or controller wrote (`status`, metadata other than labels and
 * annotations, the generated selector and pod labels) is dropped, so `kubectl get job X -o yaml`
 * output can be pasted as-is.
 */
import yaml from 'js-yaml';
import { type LineOf, lineRecorder } from './line-index.js';
import { PlainError, plainCopy } from './plain-copy.js';
import { type FieldError, isPlainObject, type JobTemplate, type PlainObject } from './types.js';

export const DEFAULT_MAX_YAML_BYTES = 256 * 1024;

export type ParseResult =
  | {
      ok: true;
      /** The template to store: the Job without status, name and namespace. */
      manifest: JobTemplate;
      name?: string;
      namespace?: string;
      /** The YAML line of a manifest path, to add to validation errors (see withLines). */
      lineOf: LineOf;
    }
  | { ok: false; errors: FieldError[] };

// Kubernetes reads YAML with sigs.k8s.io/yaml, where `2024-01-01` stays text; js-yaml's default schema
// would turn it into a Date. A timestamp type that never matches keeps such values as strings.
const SCHEMA = yaml.DEFAULT_SCHEMA.extend({
  implicit: [new yaml.Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', resolve: () => false })],
});

// A value needs at least a character or two of YAML unless an alias repeats it, so a tree with more
// values than the text has characters was multiplied by aliases. The allowance leaves room for honest
// reuse (a shared env list) in short documents.
const NODE_ALLOWANCE = 10_000;

/** Ownership marks the job controller adds; sent back, they make the API refuse the Job. */
const CONTROLLER_LABELS = [
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
];

const OTHER_KINDS: Record<string, string> = {
  CronJob: "A CronJob's spec.jobTemplate.spec is a Job's spec: move it under spec of a Job.",
  Pod: "A Pod's spec goes under spec.template.spec of a Job.",
  Deployment: 'A Deployment keeps pods running; a Job runs them to completion.',
};

export function parseJobYaml(text: string, opts: { maxBytes?: number } = {}): ParseResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_YAML_BYTES;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return fail(
      '',
      `The YAML is ${size(bytes)}; Jobbot accepts at most ${size(maxBytes)}. Remove comments and unused ` +
        'fields, or move large data into a ConfigMap.',
    );
  }

  const recorder = lineRecorder();
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, null, { schema: SCHEMA, listener: recorder.listener });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const line = err.mark.line + 1;
      return fail(
        '',
        `YAML syntax error on line ${line}, column ${err.mark.column + 1}: ${err.reason}.`,
        line,
      );
    }
    if (err instanceof RangeError) return fail('', `The YAML is nested too deeply to read (${err.message}).`);
    throw err;
  }

  const present = documents.filter((d) => d !== null && d !== undefined);
  if (present.length === 0) {
    return fail('', 'The YAML is empty: paste one Kubernetes Job (apiVersion: batch/v1, kind: Job).');
  }
  if (present.length > 1) {
    return fail(
      '',
      `The YAML holds ${present.length} documents separated by ---; paste exactly one Job.`,
      recorder.lineOf(present[1])(''),
    );
  }
  const root = present[0];
  if (!isPlainObject(root)) {
    return fail(
      '',
      `The YAML is ${Array.isArray(root) ? 'a list' : 'a single value'}; a Job is a mapping with apiVersion, ` +
        'kind, metadata and spec.',
    );
  }
  const lineOf = recorder.lineOf(root);

  let plain: PlainObject;
  try {
    plain = plainCopy(root, NODE_ALLOWANCE + text.length);
  } catch (err) {
    if (err instanceof PlainError) return fail(err.path, err.message, lineOf(err.path));
    throw err;
  }

  const kindError = checkKind(plain);
  if (kindError !== undefined) return { ok: false, errors: [{ ...kindError, line: lineOf(kindError.path) }] };

  const errors: FieldError[] = [];
  const metadata = plain.metadata ?? {};
  if (!isPlainObject(metadata)) errors.push({ path: 'metadata', message: 'metadata must be a mapping.' });
  const meta = isPlainObject(metadata) ? metadata : {};
  for (const field of ['name', 'namespace'] as const) {
    if (meta[field] !== undefined && typeof meta[field] !== 'string') {
      errors.push({ path: `metadata.${field}`, message: `metadata.${field} must be text.` });
    }
  }
  if (errors.length > 0) return { ok: false, errors: withLines(errors, lineOf) };

  const manifest = toTemplate(plain, meta);
  return {
    ok: true,
    manifest,
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    lineOf,
  };
}

/** Fills in `line` for errors whose path is found in the YAML (validation runs on the parsed tree). */
export function withLines(errors: FieldError[], lineOf: LineOf): FieldError[] {
  return errors.map((e) => {
    if (e.line !== undefined) return e;
    const line = lineOf(e.path);
    return line === undefined ? e : { ...e, line };
  });
}

const KEY_ORDER = [
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'name',
  'namespace',
  'labels',
  'annotations',
  'image',
];

function keyRank(key: string): number {
  const rank = KEY_ORDER.indexOf(key);
  return rank < 0 ? KEY_ORDER.length : rank;
}

/**
 * YAML for people to read: apiVersion, kind, metadata, spec first; names before other fields; the
 * rest in their stored order. Never anchors, never folded lines (a folded command is hard to copy).
 */
export function renderYaml(manifest: object): string {
  return yaml.dump(manifest, {
    noRefs: true,
    lineWidth: -1,
    sortKeys: (a: string, b: string) => keyRank(a) - keyRank(b),
  });
}

function checkKind(doc: PlainObject): FieldError | undefined {
  const { apiVersion, kind } = doc;
  if (kind === 'Job' && apiVersion === 'batch/v1') return undefined;
  if (kind === undefined) {
    return { path: 'kind', message: 'The YAML has no kind; a Job needs apiVersion: batch/v1 and kind: Job.' };
  }
  if (kind === 'Job') {
    const found = apiVersion === undefined ? 'the YAML has none' : `not ${JSON.stringify(apiVersion)}`;
    return { path: 'apiVersion', message: `A Job's apiVersion must be batch/v1; ${found}.` };
  }
  const what =
    typeof kind === 'string'
      ? `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`
      : `kind ${JSON.stringify(kind)}`;
  const version = typeof apiVersion === 'string' ? ` (${apiVersion})` : '';
  const hint = typeof kind === 'string' ? OTHER_KINDS[kind] : undefined;
  return {
    path: 'kind',
    message: `This is ${what}${version}; Jobbot needs a Job: apiVersion: batch/v1 and kind: Job.${hint ? ` ${hint}` : ''}`,
  };
}

function toTemplate(doc: PlainObject, meta: PlainObject): JobTemplate {
  const template: PlainObject = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'status') continue;
    template[key] = key === 'metadata' ? labelsAndAnnotations(meta) : value;
  }
  if (isPlainObject(template.metadata) && Object.keys(template.metadata).length === 0)
    delete template.metadata;

  const spec = template.spec;
  if (isPlainObject(spec)) {
    // The API server generates the selector; one sent back without manualSelector is refused.
    if (spec.manualSelector !== true) delete spec.selector;
    const pod = spec.template;
    if (isPlainObject(pod) && pod.metadata !== undefined && isPlainObject(pod.metadata)) {
      const podMeta = labelsAndAnnotations(pod.metadata);
      if (isPlainObject(podMeta.labels) && spec.manualSelector !== true) {
        for (const label of CONTROLLER_LABELS) delete podMeta.labels[label];
        if (Object.keys(podMeta.labels).length === 0) delete podMeta.labels;
      }
      if (Object.keys(podMeta).length === 0) delete pod.metadata;
      else pod.metadata = podMeta;
    }
  }
  return template as JobTemplate;
}

function labelsAndAnnotations(meta: PlainObject): PlainObject {
  const out: PlainObject = {};
  if (meta.labels !== undefined && meta.labels !== null) out.labels = meta.labels;
  if (meta.annotations !== undefined && meta.annotations !== null) out.annotations = meta.annotations;
  return out;
}

function fail(path: string, message: string, line?: number): ParseResult {
  return { ok: false, errors: [line === undefined ? { path, message } : { path, message, line }] };
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.ceil(bytes / 1024)} KiB`;
}
