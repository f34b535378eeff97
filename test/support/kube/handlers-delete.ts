/**
 * DELETE for Jobs and Pods, single and collection.
 *
 * DeleteOptions come from the query string or a JSON body (kubectl sends a body). batch/v1 Jobs
 * default to orphaning their pods: without a propagationPolicy the reply carries the same Warning
 * header as a real API server.
 */

import { deleteJob, deletePod, type PropagationPolicy } from './deletion.js';
import { gr, JOBS, PODS, type ResourceInfo, selectObjects } from './handlers-read.js';
import { type Ctx, intParam, isDryRun, parseBody, sendJson, withoutTypeMeta } from './http.js';
import { conflict, invalid, notFound, success } from './status.js';
import { isObject, type Job, type KubeObject, type Pod } from './types.js';
import { fieldErr } from './validation.js';

export const ORPHAN_WARNING =
  'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

function readOptions(ctx: Ctx): DeleteOptions {
  const body = ctx.rawBody.trim() ? parseBody(ctx.rawBody) : {};
  const b = isObject(body) ? body : {};
  const policy = ctx.query.get('propagationPolicy') ?? (b.propagationPolicy as string | undefined);
  if (policy !== undefined && policy !== null && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw invalid('DeleteOptions', 'meta.k8s.io', '', [
      fieldErr.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil']),
    ]);
  }
  const orphanQ = ctx.query.get('orphanDependents');
  const opts: DeleteOptions = { dryRun: isDryRun(ctx, b) };
  if (policy) opts.propagationPolicy = policy as PropagationPolicy;
  if (orphanQ !== null) opts.orphanDependents = orphanQ === 'true';
  else if (typeof b.orphanDependents === 'boolean') opts.orphanDependents = b.orphanDependents;
  const grace = intParam(ctx.query, 'gracePeriodSeconds') ?? (b.gracePeriodSeconds as number | undefined);
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  if (isObject(b.preconditions)) opts.preconditions = b.preconditions as DeleteOptions['preconditions'];
  return opts;
}

function checkPreconditions(info: ResourceInfo, obj: KubeObject, opts: DeleteOptions): void {
  const pre = opts.preconditions;
  const name = obj.metadata.name ?? '';
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw conflict(
      gr(info),
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(
      gr(info),
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
    );
  }
}

function jobPolicy(ctx: Ctx, opts: DeleteOptions): PropagationPolicy {
  if (opts.propagationPolicy) return opts.propagationPolicy;
  if (opts.orphanDependents !== undefined) return opts.orphanDependents ? 'Orphan' : 'Background';
  ctx.warnings.push(ORPHAN_WARNING);
  return 'Orphan';
}

/** Deletes one Job; returns the reply body (the Job while finalizers hold it, else a Status). */
function deleteOneJob(ctx: Ctx, job: Job, policy: PropagationPolicy, opts: DeleteOptions): unknown {
  checkPreconditions(JOBS, job, opts);
  const { store, clock } = ctx.cluster;
  if (opts.dryRun) return job;
  const outcome = deleteJob(store, clock, job, policy);
  if (!outcome.removed) return outcome.object;
  return success({
    name: job.metadata.name ?? '',
    group: 'batch',
    kind: 'jobs',
    uid: job.metadata.uid ?? '',
  });
}

export function handleDeleteJob(ctx: Ctx, namespace: string, name: string): void {
  const opts = readOptions(ctx);
  const job = ctx.cluster.store.get('jobs', namespace, name) as Job | undefined;
  if (!job) throw notFound(gr(JOBS), name);
  sendJson(ctx, 200, deleteOneJob(ctx, job, jobPolicy(ctx, opts), opts));
}

function deleteOnePod(ctx: Ctx, pod: Pod, opts: DeleteOptions): KubeObject {
  checkPreconditions(PODS, pod, opts);
  if (opts.dryRun) return pod;
  return deletePod(ctx.cluster.store, ctx.cluster.clock, pod, opts.gracePeriodSeconds).object;
}

export function handleDeletePod(ctx: Ctx, namespace: string, name: string): void {
  const opts = readOptions(ctx);
  const pod = ctx.cluster.store.get('pods', namespace, name) as Pod | undefined;
  if (!pod) throw notFound(gr(PODS), name);
  sendJson(ctx, 200, deleteOnePod(ctx, pod, opts));
}

/** DELETE on a collection: deletes what the selectors match, answers the list of them. */
export function handleDeleteCollection(ctx: Ctx, info: ResourceInfo, namespace: string): void {
  const opts = readOptions(ctx);
  const items = selectObjects(ctx, info, namespace);
  const policy = info.resource === 'jobs' ? jobPolicy(ctx, opts) : undefined;
  const deleted = items.map((obj) => {
    if (info.resource === 'jobs') deleteOneJob(ctx, obj as Job, policy!, opts);
    else deleteOnePod(ctx, obj as Pod, opts);
    return withoutTypeMeta(obj);
  });
  sendJson(ctx, 200, {
    kind: `${info.kind}List`,
    apiVersion: info.apiVersion,
    metadata: { resourceVersion: String(ctx.cluster.store.resourceVersion) },
    items: deleted,
  });
}
