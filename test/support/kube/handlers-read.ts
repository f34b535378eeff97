/**
 * Read verbs shared by every resource: get, list (selectors, limit/continue, Table output) and
 * watch.
 *
 * Glossary: ResourceInfo describes a resource the way discovery does (plural, group, kind); its
 * `gr` is the group-resource used in NotFound messages (`jobs.batch "x" not found`).
 */

import { boolParam, type Ctx, intParam, sendJson, withoutTypeMeta } from './http.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, type GroupResource, notFound } from './status.js';
import { renderTable, wantsTable } from './table.js';
import type { KubeObject, ResourceName } from './types.js';

export interface ResourceInfo {
  resource: ResourceName;
  group: string;
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

export const JOBS: ResourceInfo = {
  resource: 'jobs',
  group: 'batch',
  apiVersion: 'batch/v1',
  kind: 'Job',
  namespaced: true,
};
export const PODS: ResourceInfo = {
  resource: 'pods',
  group: '',
  apiVersion: 'v1',
  kind: 'Pod',
  namespaced: true,
};
export const EVENTS: ResourceInfo = {
  resource: 'events',
  group: '',
  apiVersion: 'v1',
  kind: 'Event',
  namespaced: true,
};
export const NAMESPACES: ResourceInfo = {
  resource: 'namespaces',
  group: '',
  apiVersion: 'v1',
  kind: 'Namespace',
  namespaced: false,
};

export function gr(info: ResourceInfo): GroupResource {
  return { group: info.group, resource: info.resource };
}

export function requireNamespace(ctx: Ctx, namespace: string): void {
  if (!ctx.cluster.store.get('namespaces', undefined, namespace))
    throw notFound({ group: '', resource: 'namespaces' }, namespace);
}

export function getObject(
  ctx: Ctx,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const obj = ctx.cluster.store.get(info.resource, namespace, name);
  if (!obj) throw notFound(gr(info), name);
  return obj;
}

function tableOptions(ctx: Ctx, info: ResourceInfo, listMeta?: Record<string, unknown>) {
  return {
    resource: info.resource,
    apiVersion: info.apiVersion,
    kind: info.kind,
    includeObject: ctx.query.get('includeObject') ?? 'Metadata',
    now: ctx.cluster.clock.now(),
    listMeta,
  };
}

export function handleGet(ctx: Ctx, info: ResourceInfo, namespace: string | undefined, name: string): void {
  const obj = getObject(ctx, info, namespace, name);
  if (wantsTable(ctx.req.headers.accept)) {
    sendJson(
      ctx,
      200,
      renderTable([obj], tableOptions(ctx, info, { resourceVersion: obj.metadata.resourceVersion })),
    );
    return;
  }
  sendJson(ctx, 200, obj);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64');
}

function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Partial<ContinueToken>;
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string')
      return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** The objects of a collection the request's label and field selectors pick. */
export function selectObjects(ctx: Ctx, info: ResourceInfo, namespace: string | undefined): KubeObject[] {
  const labels = parseLabelSelector(ctx.query.get('labelSelector'));
  const fields = parseFieldSelector(info.resource, ctx.query.get('fieldSelector'));
  return ctx.cluster.store
    .list(info.resource, namespace)
    .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(info.resource, fields, o));
}

/** GET on a collection: a list, or a watch with `watch=true`. */
export function handleList(ctx: Ctx, info: ResourceInfo, namespace: string | undefined): void {
  const { store, watches } = ctx.cluster;
  // Listing a namespace that does not exist is an empty list, not a 404, as on a real server.
  const labels = parseLabelSelector(ctx.query.get('labelSelector'));
  const fields = parseFieldSelector(info.resource, ctx.query.get('fieldSelector'));
  const table = wantsTable(ctx.req.headers.accept);
  if (boolParam(ctx.query, 'watch')) {
    ctx.record.status = 200;
    const opts = tableOptions(ctx, info);
    watches.open(ctx.req, ctx.res, {
      resource: info.resource,
      namespace,
      labels,
      fields,
      resourceVersion: ctx.query.get('resourceVersion') ?? undefined,
      allowBookmarks: boolParam(ctx.query, 'allowWatchBookmarks'),
      sendInitialEvents: boolParam(ctx.query, 'sendInitialEvents'),
      timeoutSeconds: intParam(ctx.query, 'timeoutSeconds'),
      kind: info.kind,
      apiVersion: info.apiVersion,
      render: table ? (obj) => renderTable([obj], { ...opts, now: ctx.cluster.clock.now() }) : (obj) => obj,
    });
    return;
  }
  let items = selectObjects(ctx, info, namespace);
  const listMeta: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
  const cont = ctx.query.get('continue');
  if (cont) {
    const token = decodeContinue(cont);
    items = items.filter((o) => keyOf(o) > token.start);
  }
  const limit = intParam(ctx.query, 'limit');
  if (limit !== undefined && limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    listMeta.continue = encodeContinue({ rv: store.resourceVersion, start: keyOf(items[items.length - 1]!) });
    listMeta.remainingItemCount = remaining;
  }
  if (table) {
    sendJson(ctx, 200, renderTable(items, tableOptions(ctx, info, listMeta)));
    return;
  }
  sendJson(ctx, 200, {
    kind: `${info.kind}List`,
    apiVersion: info.apiVersion,
    metadata: listMeta,
    items: items.map(withoutTypeMeta),
  });
}
