/**
 * Field validation for Jobs and Namespaces, with the messages and cause reasons of the real API
 * server (k8s.io/apimachinery field errors), so a client that shows them to users shows the same
 * text it would against a cluster.
 *
 * Glossary: a cause is one field error ({reason, message, field}); `invalid()` joins them into
 * the 422 Status.
 */

import type { StatusCause } from './status.js';
import { deepEqual, isObject, type Job } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function repr(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'null';
}

export const fieldErr = {
  required: (field: string, detail?: string): StatusCause => ({
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
    field,
  }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${repr(value)}: ${detail}`,
    field,
  }),
  notSupported: (field: string, value: unknown, supported: string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${repr(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
    field,
  }),
  duplicate: (field: string, value: unknown): StatusCause => ({
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${repr(value)}`,
    field,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
    field,
  }),
};

export function validateSubdomainName(field: string, name: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (name.length > 253) out.push(fieldErr.invalid(field, name, 'must be no more than 253 characters'));
  if (!DNS1123_SUBDOMAIN.test(name)) out.push(fieldErr.invalid(field, name, SUBDOMAIN_MSG));
  return out;
}

export function validateLabelName(field: string, name: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (name.length > 63) out.push(fieldErr.invalid(field, name, 'must be no more than 63 characters'));
  if (!DNS1123_LABEL.test(name)) out.push(fieldErr.invalid(field, name, LABEL_MSG));
  return out;
}

function validateLabels(field: string, labels: Record<string, string> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const value of Object.values(labels ?? {})) {
    if (value.length > 63) out.push(fieldErr.invalid(field, value, 'must be no more than 63 characters'));
    else if (!LABEL_VALUE.test(value)) out.push(fieldErr.invalid(field, value, LABEL_VALUE_MSG));
  }
  return out;
}

function nonNegative(field: string, value: unknown): StatusCause[] {
  if (typeof value === 'number' && value < 0) {
    return [fieldErr.invalid(field, value, 'must be greater than or equal to 0')];
  }
  return [];
}

/** Checks a defaulted Job before it is stored (create, update, patch and dry runs). */
export function validateJob(job: Job): StatusCause[] {
  const errs: StatusCause[] = [];
  const name = job.metadata.name ?? '';
  if (!name) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  else errs.push(...validateSubdomainName('metadata.name', name));
  errs.push(...validateLabels('metadata.labels', job.metadata.labels));

  const spec = job.spec;
  errs.push(...nonNegative('spec.parallelism', spec.parallelism));
  errs.push(...nonNegative('spec.completions', spec.completions));
  errs.push(...nonNegative('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds));
  errs.push(...nonNegative('spec.backoffLimit', spec.backoffLimit));
  errs.push(...nonNegative('spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished));
  if (spec.activeDeadlineSeconds === 0) {
    errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', 0, 'must be greater than or equal to 1'));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    errs.push(fieldErr.notSupported('spec.completionMode', mode, ['NonIndexed', 'Indexed']));
  }
  if (mode === 'Indexed' && spec.completions === undefined) {
    errs.push(fieldErr.required('spec.completions', 'when completion mode is Indexed'));
  }

  const template = spec.template;
  if (!isObject(template)) {
    errs.push(fieldErr.required('spec.template'));
    return errs;
  }
  const templateLabels = template.metadata?.labels ?? {};
  if (spec.manualSelector === true) {
    const matchLabels = spec.selector?.matchLabels;
    if (!matchLabels) errs.push(fieldErr.required('spec.selector'));
    else if (Object.entries(matchLabels).some(([k, v]) => templateLabels[k] !== v)) {
      errs.push(
        fieldErr.invalid(
          'spec.template.metadata.labels',
          templateLabels,
          '`selector` does not match template `labels`',
        ),
      );
    }
  }
  errs.push(...validateLabels('spec.template.labels', templateLabels));
  errs.push(...validatePodSpec('spec.template.spec', template.spec));
  return errs;
}

function validatePodSpec(path: string, spec: unknown): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!isObject(spec)) return [fieldErr.required(`${path}.containers`)];
  const policy = spec.restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') {
    errs.push(fieldErr.notSupported(`${path}.restartPolicy`, policy ?? '', ['OnFailure', 'Never']));
  }
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push(fieldErr.required(`${path}.containers`));
  const seen = new Set<string>();
  const check = (list: unknown[], listPath: string) => {
    list.forEach((c, i) => {
      const cPath = `${listPath}[${i}]`;
      const container = isObject(c) ? c : {};
      const cname = typeof container.name === 'string' ? container.name : '';
      if (!cname) errs.push(fieldErr.required(`${cPath}.name`));
      else {
        errs.push(...validateLabelName(`${cPath}.name`, cname));
        if (seen.has(cname)) errs.push(fieldErr.duplicate(`${cPath}.name`, cname));
        seen.add(cname);
      }
      if (typeof container.image !== 'string' || container.image.trim() === '') {
        errs.push(fieldErr.required(`${cPath}.image`));
      }
      const pull = container.imagePullPolicy;
      if (pull !== undefined && pull !== 'Always' && pull !== 'Never' && pull !== 'IfNotPresent') {
        errs.push(
          fieldErr.notSupported(`${cPath}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']),
        );
      }
    });
  };
  check(Array.isArray(spec.initContainers) ? spec.initContainers : [], `${path}.initContainers`);
  check(containers, `${path}.containers`);
  errs.push(...nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  return errs;
}

const SCHEDULING_FIELDS = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

/** The immutability rules a Job update must respect on top of `validateJob`. */
export function validateJobUpdate(next: Job, prev: Job): StatusCause[] {
  const errs: StatusCause[] = [];
  const same = deepEqual;
  if (!same(next.spec.selector, prev.spec.selector)) {
    errs.push(fieldErr.invalid('spec.selector', next.spec.selector ?? null, 'field is immutable'));
  }
  if (!same(next.spec.completions, prev.spec.completions)) {
    errs.push(fieldErr.invalid('spec.completions', next.spec.completions ?? null, 'field is immutable'));
  }
  if (!same(next.spec.completionMode, prev.spec.completionMode)) {
    errs.push(
      fieldErr.invalid('spec.completionMode', next.spec.completionMode ?? null, 'field is immutable'),
    );
  }
  // Suspended Jobs that never started may change scheduling directives and template metadata.
  const neverStarted = prev.spec.suspend === true && !prev.status.startTime;
  const strip = (job: Job) => {
    const t = structuredClone(job.spec.template) as { metadata?: unknown; spec: Record<string, unknown> };
    if (neverStarted) {
      delete t.metadata;
      for (const f of SCHEDULING_FIELDS) delete t.spec[f];
    }
    return t;
  };
  if (!same(strip(next), strip(prev))) {
    errs.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: core.PodTemplateSpec{...}: field is immutable',
      field: 'spec.template',
    });
  }
  return errs;
}

export function validateNamespace(name: string): StatusCause[] {
  if (!name) return [fieldErr.required('metadata.name', 'name or generateName is required')];
  return validateLabelName('metadata.name', name);
}
