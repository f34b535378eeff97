/**
 * Write verbs for batch/v1 Jobs: create (incl. dryRun=All and generateName), update (PUT), patch
 * (merge, strategic merge, JSON patch, approximate server-side apply) and the status subresource.
 *
 * Order of checks follows the API server: decode (400: bad JSON, wrong types, unknown fields with
 * fieldValidation=Strict), admission of the namespace (404), validation (422), storage (409).
 */

import { applyJobDefaults } from './defaults.js';
import { gr, JOBS, requireNamespace } from './handlers-read.js';
import { type Ctx, isDryRun, mediaType, parseBody, sendJson } from './http.js';
import { applyPatch, PATCH_TYPES } from './patch.js';
import { checkSchema, JOB_SHAPE } from './schema.js';
import {
  type ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  unsupportedMediaType,
} from './status.js';
import { deepEqual, isObject, type Job } from './types.js';
import { fieldErr, validateJob, validateJobUpdate } from './validation.js';

/** Decodes a Job body: type errors and (per fieldValidation) unknown fields. */
function decodeJob(ctx: Ctx, body: unknown): Job {
  if (!isObject(body))
    throw badRequest(
      'Job in version "v1" cannot be handled as a Job: the object provided is not a JSON object',
    );
  if (body.kind !== undefined && body.kind !== 'Job') {
    throw badRequest(
      `Job in version "v1" cannot be handled as a Job: no kind "${String(body.kind)}" is registered`,
    );
  }
  const report = checkSchema(body, JOB_SHAPE, 'Job');
  if (report.typeError)
    throw badRequest(`Job in version "v1" cannot be handled as a Job: ${report.typeError}`);
  const mode = ctx.query.get('fieldValidation') ?? 'Warn';
  if (!['Ignore', 'Warn', 'Strict'].includes(mode)) {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict"`);
  }
  if (report.unknown.length > 0 && mode === 'Strict') {
    throw badRequest(
      `strict decoding error: ${report.unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  }
  if (mode === 'Warn') for (const f of report.unknown) ctx.warnings.push(`unknown field "${f}"`);
  const job = body as unknown as Job;
  job.metadata = isObject(job.metadata) ? job.metadata : {};
  job.spec = (isObject(job.spec) ? job.spec : {}) as Job['spec'];
  job.apiVersion = 'batch/v1';
  job.kind = 'Job';
  return job;
}

function invalidJob(job: Job, causes: ReturnType<typeof validateJob>): ApiError {
  return invalid('Job', 'batch', job.metadata.name ?? '', causes);
}

/** Builds the stored form of a new Job (defaults, system metadata) and validates it. */
function prepareNew(ctx: Ctx, job: Job, namespace: string): Job {
  const { clock, ids } = ctx.cluster;
  if (job.metadata.namespace !== undefined && job.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (!job.metadata.name && job.metadata.generateName)
    job.metadata.name = ids.generateName(job.metadata.generateName);
  const uid = ids.uid();
  for (const f of [
    'uid',
    'resourceVersion',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'selfLink',
  ] as const) {
    delete job.metadata[f];
  }
  job.metadata.namespace = namespace;
  applyJobDefaults(job, uid);
  const causes = validateJob(job);
  if (causes.length > 0) throw invalidJob(job, causes);
  job.metadata.uid = uid;
  job.metadata.creationTimestamp = clock.iso();
  job.metadata.generation = 1;
  if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) {
    job.metadata.labels = { ...job.spec.template.metadata?.labels };
  }
  job.status = {};
  return job;
}

export async function createJob(ctx: Ctx, namespace: string): Promise<void> {
  const body = parseBody(ctx.rawBody);
  const dryRun = isDryRun(ctx);
  const job = decodeJob(ctx, body);
  requireNamespace(ctx, namespace);
  prepareNew(ctx, job, namespace);
  const { store } = ctx.cluster;
  const name = job.metadata.name ?? '';
  if (store.get('jobs', namespace, name)) throw alreadyExists(gr(JOBS), name);
  sendJson(ctx, 201, dryRun ? job : store.create('jobs', job));
}

function loadJob(ctx: Ctx, namespace: string, name: string): Job {
  const job = ctx.cluster.store.get('jobs', namespace, name) as Job | undefined;
  if (!job) throw notFound(gr(JOBS), name);
  return job;
}

/** Turns a proposed new state into the stored one: spec rules for the main resource, status only for /status. */
function finishUpdate(
  ctx: Ctx,
  current: Job,
  proposed: Job,
  subresource: 'main' | 'status',
  dryRun: boolean,
): void {
  const name = current.metadata.name ?? '';
  if (proposed.metadata.name !== undefined && proposed.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${proposed.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const rv = proposed.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
    throw conflict(
      gr(JOBS),
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  let next: Job;
  if (subresource === 'status') {
    next = structuredClone(current);
    next.status = isObject(proposed.status) ? proposed.status : {};
  } else {
    next = proposed;
    const meta = next.metadata as Record<string, unknown>;
    for (const f of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
    ]) {
      if (current.metadata[f] === undefined) delete meta[f];
      else meta[f] = current.metadata[f];
    }
    next.metadata.name = name;
    next.metadata.namespace = current.metadata.namespace;
    next.status = current.status;
    if (!isObject(next.spec.template)) {
      throw invalidJob(next, [fieldErr.required('spec.template')]);
    }
    applyJobDefaults(next, current.metadata.uid ?? '');
    const causes = [...validateJob(next), ...validateJobUpdate(next, current)];
    if (causes.length > 0) throw invalidJob(next, causes);
    if (!deepEqual(next.spec, current.spec)) {
      next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
  }
  next.metadata.resourceVersion = current.metadata.resourceVersion;
  if (dryRun) {
    sendJson(ctx, 200, next);
    return;
  }
  sendJson(ctx, 200, ctx.cluster.store.update('jobs', next));
}

export async function replaceJob(
  ctx: Ctx,
  namespace: string,
  name: string,
  subresource: 'main' | 'status',
): Promise<void> {
  const body = parseBody(ctx.rawBody);
  const dryRun = isDryRun(ctx);
  const proposed = decodeJob(ctx, body);
  const current = loadJob(ctx, namespace, name);
  finishUpdate(ctx, current, proposed, subresource, dryRun);
}

export async function patchJob(
  ctx: Ctx,
  namespace: string,
  name: string,
  subresource: 'main' | 'status',
): Promise<void> {
  const type = mediaType(ctx.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type, PATCH_TYPES);
  const patch = parseBody(ctx.rawBody, type);
  const dryRun = isDryRun(ctx);
  const apply = type === 'application/apply-patch+yaml';
  if (apply && !ctx.query.get('fieldManager')) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [
      fieldErr.required('fieldManager', 'is required for apply patch'),
    ]);
  }
  const { store } = ctx.cluster;
  const existing = store.get('jobs', namespace, name) as Job | undefined;
  if (!existing) {
    if (!apply) throw notFound(gr(JOBS), name);
    // Server-side apply creates what does not exist yet.
    const job = decodeJob(ctx, structuredClone(patch));
    requireNamespace(ctx, namespace);
    job.metadata.name ??= name;
    prepareNew(ctx, job, namespace);
    sendJson(ctx, 201, dryRun ? job : store.create('jobs', job));
    return;
  }
  const patched = applyPatch(type, existing, patch);
  // The patched document keeps the stored resourceVersion unless the patch itself sets one, in
  // which case a stale value is a 409 as for PUT.
  const proposed = decodeJob(ctx, patched);
  finishUpdate(ctx, existing, proposed, subresource, dryRun);
}
