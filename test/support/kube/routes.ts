/**
 * URL routing of the emulated API server: discovery, OpenAPI, namespaces, pods (+log, +status),
 * events and batch/v1 jobs (+status). Unknown paths answer a 404 Status, known paths with an
 * unsupported verb a 405 Status.
 */

import { createSelfSubjectAccessReview } from './access.js';
import {
  apiGroupDoc,
  apiGroupListDoc,
  apiVersionsDoc,
  openApiV3GroupVersion,
  openApiV3Root,
  resourceListDoc,
  versionDoc,
} from './discovery.js';
import { handleDeleteCollection, handleDeleteJob, handleDeletePod } from './handlers-delete.js';
import { createJob, patchJob, replaceJob } from './handlers-jobs.js';
import { handlePodLog } from './handlers-logs.js';
import { EVENTS, handleGet, handleList, JOBS, NAMESPACES, PODS } from './handlers-read.js';
import { type Ctx, parseBody, sendJson, sendText } from './http.js';
import { alreadyExists, badRequest, invalid, methodNotAllowed, pathNotFound } from './status.js';
import { isObject } from './types.js';
import { validateNamespace } from './validation.js';

type Handler = (ctx: Ctx, p: Record<string, string>) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  names: string[];
  methods: Partial<Record<string, Handler>>;
}

function route(path: string, methods: Route['methods']): Route {
  const names: string[] = [];
  const source = path.replace(/:([a-z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}/?$`), names, methods };
}

const text =
  (body: string): Handler =>
  (ctx) =>
    sendText(ctx, 200, body);

function createNamespace(ctx: Ctx): void {
  const body = parseBody(ctx.rawBody);
  if (!isObject(body) || !isObject(body.metadata))
    throw badRequest('Namespace in version "v1" cannot be handled as a Namespace');
  const name = String(body.metadata.name ?? '');
  const causes = validateNamespace(name);
  if (causes.length > 0) throw invalid('Namespace', '', name, causes);
  const { store, clock, ids } = ctx.cluster;
  if (store.get('namespaces', undefined, name))
    throw alreadyExists({ group: '', resource: 'namespaces' }, name);
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...(body.metadata as Record<string, unknown>),
      name,
      uid: ids.uid(),
      creationTimestamp: clock.iso(),
      labels: {
        ...(body.metadata.labels as Record<string, string> | undefined),
        'kubernetes.io/metadata.name': name,
      },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
  sendJson(ctx, 201, store.create('namespaces', ns));
}

const ROUTES: Route[] = [
  route('/version', { GET: (ctx) => sendJson(ctx, 200, versionDoc(ctx.cluster.version)) }),
  route('/healthz', { GET: text('ok') }),
  route('/livez', { GET: text('ok') }),
  route('/readyz', { GET: text('ok') }),
  route('/api', { GET: (ctx) => sendJson(ctx, 200, apiVersionsDoc(ctx.cluster.serverAddress())) }),
  route('/apis', { GET: (ctx) => sendJson(ctx, 200, apiGroupListDoc()) }),
  route('/api/v1', { GET: (ctx) => sendJson(ctx, 200, resourceListDoc('v1')) }),
  route('/apis/batch', { GET: (ctx) => sendJson(ctx, 200, apiGroupDoc()) }),
  route('/apis/batch/v1', { GET: (ctx) => sendJson(ctx, 200, resourceListDoc('batch/v1')) }),
  route('/openapi/v3', { GET: (ctx) => sendJson(ctx, 200, openApiV3Root()) }),
  route('/openapi/v3/api/v1', {
    GET: (ctx) => sendJson(ctx, 200, openApiV3GroupVersion('api/v1', ctx.cluster.version.gitVersion)),
  }),
  route('/openapi/v3/apis/batch/v1', {
    GET: (ctx) => sendJson(ctx, 200, openApiV3GroupVersion('apis/batch/v1', ctx.cluster.version.gitVersion)),
  }),
  route('/api/v1/namespaces', {
    GET: (ctx) => handleList(ctx, NAMESPACES, undefined),
    POST: createNamespace,
  }),
  route('/api/v1/namespaces/:name', { GET: (ctx, p) => handleGet(ctx, NAMESPACES, undefined, p.name!) }),
  route('/api/v1/pods', { GET: (ctx) => handleList(ctx, PODS, undefined) }),
  route('/api/v1/namespaces/:ns/pods', {
    GET: (ctx, p) => handleList(ctx, PODS, p.ns),
    DELETE: (ctx, p) => handleDeleteCollection(ctx, PODS, p.ns!),
  }),
  route('/api/v1/namespaces/:ns/pods/:name', {
    GET: (ctx, p) => handleGet(ctx, PODS, p.ns, p.name!),
    DELETE: (ctx, p) => handleDeletePod(ctx, p.ns!, p.name!),
  }),
  route('/api/v1/namespaces/:ns/pods/:name/status', { GET: (ctx, p) => handleGet(ctx, PODS, p.ns, p.name!) }),
  route('/api/v1/namespaces/:ns/pods/:name/log', { GET: (ctx, p) => handlePodLog(ctx, p.ns!, p.name!) }),
  route('/api/v1/events', { GET: (ctx) => handleList(ctx, EVENTS, undefined) }),
  route('/api/v1/namespaces/:ns/events', { GET: (ctx, p) => handleList(ctx, EVENTS, p.ns) }),
  route('/api/v1/namespaces/:ns/events/:name', { GET: (ctx, p) => handleGet(ctx, EVENTS, p.ns, p.name!) }),
  route('/apis/batch/v1/jobs', { GET: (ctx) => handleList(ctx, JOBS, undefined) }),
  route('/apis/batch/v1/namespaces/:ns/jobs', {
    GET: (ctx, p) => handleList(ctx, JOBS, p.ns),
    POST: (ctx, p) => createJob(ctx, p.ns!),
    DELETE: (ctx, p) => handleDeleteCollection(ctx, JOBS, p.ns!),
  }),
  route('/apis/batch/v1/namespaces/:ns/jobs/:name', {
    GET: (ctx, p) => handleGet(ctx, JOBS, p.ns, p.name!),
    PUT: (ctx, p) => replaceJob(ctx, p.ns!, p.name!, 'main'),
    PATCH: (ctx, p) => patchJob(ctx, p.ns!, p.name!, 'main'),
    DELETE: (ctx, p) => handleDeleteJob(ctx, p.ns!, p.name!),
  }),
  route('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { POST: createSelfSubjectAccessReview }),
  route('/apis/batch/v1/namespaces/:ns/jobs/:name/status', {
    GET: (ctx, p) => handleGet(ctx, JOBS, p.ns, p.name!),
    PUT: (ctx, p) => replaceJob(ctx, p.ns!, p.name!, 'status'),
    PATCH: (ctx, p) => patchJob(ctx, p.ns!, p.name!, 'status'),
  }),
];

/** Paths anyone may read without credentials, as with the system:public-info-viewer role. */
export const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export async function dispatch(ctx: Ctx): Promise<void> {
  for (const r of ROUTES) {
    const m = r.pattern.exec(ctx.path);
    if (!m) continue;
    const handler = r.methods[ctx.method];
    if (!handler) throw methodNotAllowed();
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]!);
    });
    await handler(ctx, params);
    return;
  }
  throw pathNotFound();
}
