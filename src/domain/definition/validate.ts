/**
 * Checking a job definition before anything reaches a cluster: the definition's own fields (name,
 * description, cluster and namespace against the configured ones) and its Job template with the API
 * server's rules. Every problem is collected, so a person fixes them all in one round.
 */
import { closest } from '../closest.js';
import {
  DNS_LABEL_MAX,
  dnsLabelProblem,
  labelKeyProblem,
  labelValueProblem,
  MAX_DEFINITION_NAME,
} from './names.js';
import { at } from './paths.js';
import type { ClusterContext, DefinitionInput, FieldError } from './types.js';
import { isPlainObject } from './types.js';
import { validatePodSpec } from './validate-pod.js';

export const MAX_DESCRIPTION = 500;

const JOB_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** Job spec counters: [field, minimum, what it means]. */
const COUNTS: [string, number, string][] = [
  ['completions', 0, 'how many pods must succeed'],
  ['parallelism', 0, 'how many pods run at once'],
  ['backoffLimit', 0, 'how many failed pods are retried'],
  ['activeDeadlineSeconds', 1, 'seconds the Job may run; leave it out for no limit'],
  ['ttlSecondsAfterFinished', 0, 'seconds before a finished Job is deleted'],
];

export function validateDefinition(def: DefinitionInput, ctx: ClusterContext): FieldError[] {
  const out: FieldError[] = [];

  const nameProblem = dnsLabelProblem(def.name, 'Definition name', DNS_LABEL_MAX);
  if (nameProblem) out.push({ path: 'name', message: nameProblem });
  else if (def.name.length > MAX_DEFINITION_NAME) {
    out.push({
      path: 'name',
      message:
        `Definition name "${def.name}" is ${def.name.length} characters long; the limit is ` +
        `${MAX_DEFINITION_NAME}, so that its Job names (the name, '-' and a dispatch number of up to 10 ` +
        `digits) fit in Kubernetes' ${DNS_LABEL_MAX} characters.`,
    });
  }

  if (def.description.length > MAX_DESCRIPTION) {
    out.push({
      path: 'description',
      message: `The description is ${def.description.length} characters long; the limit is ${MAX_DESCRIPTION}.`,
    });
  }

  checkPlacement(def, ctx, out);
  out.push(...validateTemplate(def.template));
  return out;
}

function checkPlacement(def: DefinitionInput, ctx: ClusterContext, out: FieldError[]): void {
  const names = ctx.clusters.map((c) => c.name);
  const cluster = ctx.clusters.find((c) => c.name === def.cluster);
  if (cluster === undefined) {
    let message: string;
    if (names.length === 0) message = 'No cluster is configured; ask an admin to add one to the kubeconfig.';
    else if (def.cluster === '') message = `Choose a cluster: ${names.join(', ')}.`;
    else {
      const guess = closest(def.cluster, names);
      message =
        `Unknown cluster "${def.cluster}"; choose one of: ${names.join(', ')}.` +
        (guess !== undefined ? ` Did you mean "${guess}"?` : '');
    }
    out.push({ path: 'cluster', message });
  }

  const namespaceProblem = dnsLabelProblem(def.namespace, 'Namespace');
  if (namespaceProblem) out.push({ path: 'namespace', message: namespaceProblem });
  else if (cluster !== undefined && !cluster.namespaces.includes(def.namespace)) {
    out.push({
      path: 'namespace',
      message:
        cluster.namespaces.length === 0
          ? `Cluster "${cluster.name}" allows Jobs in no namespace yet; ask an admin to allow one.`
          : `Namespace "${def.namespace}" is not allowed in cluster "${cluster.name}"; choose one of: ${cluster.namespaces.join(', ')}.`,
    });
  }

  const metadata = def.template.metadata;
  const yamlNamespace = def.yamlNamespace ?? (isPlainObject(metadata) ? metadata.namespace : undefined);
  if (typeof yamlNamespace === 'string' && yamlNamespace !== def.namespace) {
    out.push({
      path: 'metadata.namespace',
      message:
        `The YAML says namespace "${yamlNamespace}" but the definition runs in "${def.namespace}": ` +
        `remove metadata.namespace from the YAML or choose namespace "${yamlNamespace}".`,
    });
  }
}

/** The Job template alone: also what to re-check after dispatch overrides are applied. */
export function validateTemplate(template: unknown): FieldError[] {
  const out: FieldError[] = [];
  if (!isPlainObject(template)) {
    return [{ path: '', message: 'The template must be a Job: a mapping with apiVersion, kind and spec.' }];
  }
  if (template.apiVersion !== 'batch/v1') {
    out.push({
      path: 'apiVersion',
      message: `apiVersion must be batch/v1, not ${JSON.stringify(template.apiVersion ?? null)}.`,
    });
  }
  if (template.kind !== 'Job') {
    out.push({ path: 'kind', message: `kind must be Job, not ${JSON.stringify(template.kind ?? null)}.` });
  }
  for (const key of Object.keys(template)) {
    if (!JOB_FIELDS.includes(key)) {
      out.push({
        path: key,
        message: `Unknown field "${key}" at the top of the Job; a Job has apiVersion, kind, metadata and spec.`,
      });
    }
  }
  validateMeta(template.metadata, 'metadata', out);

  const spec = template.spec;
  if (!isPlainObject(spec)) {
    out.push({ path: 'spec', message: 'The Job needs a spec with template.spec.containers.' });
    return out;
  }
  for (const [field, min, meaning] of COUNTS) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) continue;
    const path = at('spec', field);
    const wanted = `a whole number${min === 0 ? ', 0 or more' : ` of at least ${min}`} (${meaning})`;
    out.push({
      path,
      message:
        typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? `${field} must be a number, not text: write ${value.trim()} without quotes.`
          : `${field} must be ${wanted}; found ${JSON.stringify(value)}.`,
    });
  }

  const pod = spec.template;
  if (!isPlainObject(pod)) {
    out.push({
      path: 'spec.template',
      message: 'The Job needs spec.template.spec with at least one container.',
    });
    return out;
  }
  validateMeta(pod.metadata, 'spec.template.metadata', out);
  validatePodSpec(pod.spec, 'spec.template.spec', out);
  return out;
}

function validateMeta(meta: unknown, path: string, out: FieldError[]): void {
  if (meta === undefined || meta === null) return;
  if (!isPlainObject(meta)) {
    out.push({ path, message: `${path} must be a mapping.` });
    return;
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = meta[field];
    if (map === undefined || map === null) continue;
    const here = at(path, field);
    if (!isPlainObject(map)) {
      out.push({ path: here, message: `${here} must be a mapping of key: value.` });
      continue;
    }
    // Keys hold dots and slashes (app.kubernetes.io/name), so errors point at the map and name the key.
    const singular = field === 'labels' ? 'Label' : 'Annotation';
    for (const [key, value] of Object.entries(map)) {
      const keyProblem = labelKeyProblem(key, `${singular} key`);
      if (keyProblem) out.push({ path: here, message: keyProblem });
      if (typeof value !== 'string') {
        out.push({
          path: here,
          message: `${singular} ${key} must be text: quote it, e.g. "${String(value)}".`,
        });
        continue;
      }
      const valueProblem = field === 'labels' ? labelValueProblem(value, `Label ${key}`) : undefined;
      if (valueProblem) out.push({ path: here, message: valueProblem });
    }
  }
}
