/**
 * The files `jobbot import` reads and `jobbot export` writes. A file holds one YAML (or JSON) document:
 * - a Kubernetes Job (`kind: Job`, e.g. `kubectl get job X -o yaml`): it goes to --cluster (or the
 *   only cluster there is), in its metadata.namespace or --namespace; a saved description is kept;
 * - a definition file: the JSON body of `PUT /api/v1/jobs/{name}` (cluster, namespace, description,
 *   and the Job as `yaml` text or as a `job` mapping), checked with that endpoint's own schema.
 *   `export` writes this shape with the Job as a literal block (`yaml: |`), so the YAML a definition
 *   was saved with, comments included, comes back as it was.
 * Every problem is reported at its line in the file, also when it lies inside the embedded Job.
 */
import yaml from 'js-yaml';
import {
  DEFAULT_MAX_YAML_BYTES,
  type FieldError,
  isPlainObject,
  type LineOf,
  parseJobYaml,
  renderYaml,
} from '../domain/definition/index.js';
import { lineRecorder } from '../domain/definition/line-index.js';
import { PlainError, plainCopy } from '../domain/definition/plain-copy.js';
import { JobPutBody } from '../http/api/schemas.js';
import { definitionYaml } from '../slack/definition-flow.js';
import type { DefinitionRecord } from '../store/definitions.js';

/** A file larger than this cannot hold a definition Jobbot accepts (its YAML is at most 256 KiB). */
export const MAX_FILE_BYTES = 2 * DEFAULT_MAX_YAML_BYTES;

export interface Defaults {
  cluster: string | undefined;
  namespace: string | undefined;
  /** The configured clusters: a Job file goes to the only one when --cluster is left out. */
  clusters: string[];
}

export type SourceFile =
  | {
      ok: true;
      cluster: string;
      namespace: string;
      /** Undefined for a Job file: the saved description stays. */
      description: string | undefined;
      yaml: string;
      /** The same error with the line of the file it points at (or none when there is no such line). */
      locate(error: FieldError): FieldError;
    }
  | { ok: false; errors: FieldError[] };

// As in domain/definition/yaml.ts: Kubernetes keeps `2024-01-01` as text, js-yaml would make a Date.
const SCHEMA = yaml.DEFAULT_SCHEMA.extend({
  implicit: [new yaml.Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', resolve: () => false })],
});

/** Fields of the definition itself rather than of its Job. */
const PLACEMENT = new Set(['cluster', 'namespace', 'description']);

export function readSource(text: string, defaults: Defaults): SourceFile {
  const recorder = lineRecorder();
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: SCHEMA, listener: recorder.listener });
  } catch {
    // parseJobYaml reports the same syntax error with its line, in the words Slack uses.
    return jobFile(text, defaults);
  }
  if (isPlainObject(doc) && doc.kind === undefined && ['cluster', 'yaml', 'job'].some((k) => k in doc)) {
    return definitionFile(text, doc, recorder.lineOf(doc));
  }
  return jobFile(text, defaults);
}

function jobFile(text: string, defaults: Defaults): SourceFile {
  const parsed = parseJobYaml(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const only = defaults.clusters.length === 1 ? defaults.clusters[0] : undefined;
  const cluster = defaults.cluster ?? only;
  const namespace = defaults.namespace ?? parsed.namespace;
  const errors: FieldError[] = [];
  if (cluster === undefined) {
    const names = defaults.clusters.length > 0 ? ` (one of ${defaults.clusters.join(', ')})` : '';
    errors.push({
      path: 'cluster',
      message: `say which cluster this Job runs on: pass --cluster NAME${names}, or use a definition file.`,
    });
  }
  if (namespace === undefined) {
    errors.push({
      path: 'metadata.namespace',
      message: 'say which namespace this Job runs in: add metadata.namespace, or pass --namespace NAME.',
      line: parsed.lineOf('metadata'),
    });
  }
  if (cluster === undefined || namespace === undefined) return { ok: false, errors };
  const { lineOf } = parsed;
  return {
    ok: true,
    cluster,
    namespace,
    description: undefined,
    yaml: text,
    locate: (e) => {
      // The cluster and the namespace came from the command line; only the Job has lines.
      if (e.path === 'cluster' || e.path === 'description') return withoutLine(e);
      if (e.path === 'namespace')
        return withLine(e, parsed.namespace ? lineOf('metadata.namespace') : undefined);
      if (e.path === 'name') return withLine(e, lineOf('metadata.name'));
      return e;
    },
  };
}

function definitionFile(text: string, doc: Record<string, unknown>, fileLine: LineOf): SourceFile {
  let plain: Record<string, unknown>;
  try {
    // Refuses alias bombs and cycles before anything walks the tree, as parseJobYaml does for a Job.
    plain = plainCopy(doc, 10_000 + text.length);
  } catch (err) {
    if (err instanceof PlainError)
      return { ok: false, errors: [withLine({ path: err.path, message: err.message }, fileLine(err.path))] };
    throw err;
  }
  const body = JobPutBody.safeParse(plain);
  if (!body.success) {
    return {
      ok: false,
      errors: body.error.issues.map((issue) => {
        const path = issuePath(issue.path);
        const message = issue.message.endsWith('received undefined') ? 'is missing' : issue.message;
        return withLine(
          { path, message: `${message} (definition file: cluster, namespace, description?, yaml or job)` },
          fileLine(path),
        );
      }),
    };
  }
  const b = body.data;
  const place = (e: FieldError): FieldError | undefined =>
    PLACEMENT.has(e.path) ? withLine(e, fileLine(e.path)) : undefined;

  if (b.job !== undefined) {
    return {
      ok: true,
      cluster: b.cluster,
      namespace: b.namespace,
      description: b.description,
      yaml: renderYaml(b.job),
      locate: (e) => {
        const path = e.path === 'name' ? 'metadata.name' : e.path;
        return place(e) ?? withLine(e, fileLine(path === '' ? 'job' : `job.${path}`));
      },
    };
  }
  const jobText = b.yaml!;
  const keyLine = fileLine('yaml');
  const source = keyLine === undefined ? '' : (text.split('\n')[keyLine - 1] ?? '');
  // In a literal block (`yaml: |`) line N of the Job is line N after the key; in a quoted string
  // the lines do not map, so the error says which line of the Job it means instead.
  const literal = /^["']?yaml["']?\s*:\s*\|/.test(source);
  const parsed = parseJobYaml(jobText);
  return {
    ok: true,
    cluster: b.cluster,
    namespace: b.namespace,
    description: b.description,
    yaml: jobText,
    locate: (e) => {
      const placed = place(e);
      if (placed) return placed;
      const inJob = e.path === 'name' && parsed.ok ? parsed.lineOf('metadata.name') : e.line;
      if (inJob === undefined) return withLine(e, keyLine);
      if (literal && keyLine !== undefined) return withLine(e, keyLine + inJob);
      return withLine({ ...e, message: `${e.message} (line ${inJob} of its yaml)` }, keyLine);
    },
  };
}

/** What `export` writes for one definition: a definition file that `import` reads back unchanged. */
export function definitionFileText(def: DefinitionRecord): string {
  const body = {
    cluster: def.cluster,
    namespace: def.namespace,
    description: def.description,
    // A form-made definition has no YAML of its own: it gets the YAML /job edit shows.
    yaml: def.yaml ?? definitionYaml(def),
  };
  return `# Jobbot job definition ${def.name}. Change it here, then: jobbot import <this file>\n${yaml.dump(body, { noRefs: true, lineWidth: -1 })}`;
}

function withLine(e: FieldError, line: number | undefined): FieldError {
  const { line: _old, ...rest } = e;
  return line === undefined ? rest : { ...rest, line };
}

function withoutLine(e: FieldError): FieldError {
  return withLine(e, undefined);
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}
