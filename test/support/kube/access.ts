/**
 * Authorization of the emulated API server: everything is allowed except what a test forbids, and
 * both ways of finding out agree — a forbidden request gets the API server's 403 Forbidden Status,
 * and SelfSubjectAccessReview (what `kubectl auth can-i` and `jobbot doctor` ask) answers no.
 *
 *   const kube = await startKubeEmulator({ forbid: [{ verb: 'create', resource: 'jobs' }] });
 *   kube.cluster('beta').access.forbid({ verb: 'get', resource: 'pods/log', namespace: 'jobs' });
 *
 * Glossary: request attributes are what the real server derives from a request before it authorizes
 * it (k8s.io/apiserver's RequestInfo): verb (get, list, watch, create, update, patch, delete,
 * deletecollection), API group, resource, subresource, namespace and name.
 */

import { bodyBytes, type Ctx, mediaType, parseBody, sendJson } from './http.js';
import { PROTOBUF, selfSubjectAccessReviewSpec, unwrap } from './protobuf.js';
import { ApiError, badRequest, invalid, unsupportedMediaType } from './status.js';
import { isObject } from './types.js';

/** A forbidden verb on a resource as kubectl names it (`jobs`, `pods/log`); '*' forbids every verb. */
export interface AccessRule {
  verb: string;
  resource: string;
  /** Only in this namespace; every namespace (and cluster scope) when left out. */
  namespace?: string;
  /** Only on this cluster of the emulator; all when left out. */
  cluster?: string;
}

export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** The user the emulator's bearer token stands for, as a pod's service account would appear. */
export const EMULATOR_USER = 'system:serviceaccount:jobbot:jobbot';

export class AccessRules {
  #rules: AccessRule[] = [];

  constructor(
    private readonly cluster: string,
    rules: readonly AccessRule[] = [],
  ) {
    this.forbid(...rules);
  }

  forbid(...rules: AccessRule[]): void {
    this.#rules.push(...rules.filter((r) => r.cluster === undefined || r.cluster === this.cluster));
  }

  allowAll(): void {
    this.#rules = [];
  }

  allows(a: RequestAttributes): boolean {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return !this.#rules.some(
      (r) =>
        (r.verb === '*' || r.verb === a.verb) &&
        r.resource === resource &&
        (r.namespace === undefined || r.namespace === a.namespace),
    );
  }
}

/** What the request asks to do; undefined for non-resource paths (discovery, /version, /healthz). */
export function requestAttributes(
  method: string,
  path: string,
  query: URLSearchParams,
): RequestAttributes | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length > 2) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length > 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace = '';
  // `namespaces/NAME` alone is the Namespace object itself; with more after it, a namespaced path.
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  const watch = ['true', '1'].includes(query.get('watch') ?? '');
  const verbs: Record<string, string> = {
    GET: name ? 'get' : watch ? 'watch' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  };
  return { verb: verbs[method] ?? method.toLowerCase(), group, resource, subresource, namespace, name };
}

/** Throws the API server's 403 when the cluster's rules forbid this request. */
export function authorize(ctx: Ctx): void {
  const a = requestAttributes(ctx.method, ctx.path, ctx.query);
  if (a && !ctx.cluster.access.allows(a)) throw forbidden(a, userOf(ctx));
}

export function forbidden(a: RequestAttributes, user: string): ApiError {
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const what = a.name ? `${qualified} "${a.name}"` : qualified;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return new ApiError(403, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${what} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`,
    reason: 'Forbidden',
    details: {
      ...(a.name ? { name: a.name } : {}),
      ...(a.group ? { group: a.group } : {}),
      kind: a.resource,
    },
    code: 403,
  });
}

/** POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews */
export function createSelfSubjectAccessReview(ctx: Ctx): void {
  const body = reviewBody(ctx);
  if (!isObject(body) || !isObject(body.spec))
    throw badRequest(
      'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview',
    );
  const { resourceAttributes: ra, nonResourceAttributes: nra } = body.spec;
  if ((ra === undefined || ra === null) === (nra === undefined || nra === null)) {
    throw invalid('SelfSubjectAccessReview', 'authorization.k8s.io', '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message:
          'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  // Non-resource URLs (/healthz, /version…) are open to everyone here, as with system:public-info-viewer.
  const allowed = !isObject(ra)
    ? true
    : ctx.cluster.access.allows({
        verb: text(ra.verb),
        group: text(ra.group),
        resource: text(ra.resource),
        subresource: text(ra.subresource),
        namespace: text(ra.namespace),
        name: text(ra.name),
      });
  sendJson(ctx, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: body.spec,
    // RBAC never denies explicitly: a refusal is allowed false with no reason, which kubectl prints as "no".
    status: allowed ? { allowed: true, reason: 'allowed by the kube emulator' } : { allowed: false },
  });
}

/** The review as JSON; kubectl sends it as protobuf and reads the JSON answer. */
function reviewBody(ctx: Ctx): unknown {
  const type = mediaType(ctx.req.headers['content-type']);
  if (type === 'application/json') return parseBody(ctx.rawBody);
  if (type !== PROTOBUF) throw unsupportedMediaType(type, ['application/json', PROTOBUF]);
  try {
    const { raw } = unwrap(bodyBytes.get(ctx.req) ?? Buffer.alloc(0));
    return { spec: selfSubjectAccessReviewSpec(raw) };
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
  }
}

function userOf(ctx: Ctx): string {
  return ctx.req.headers.authorization === undefined ? 'system:anonymous' : EMULATOR_USER;
}
