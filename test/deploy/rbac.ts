/**
 * RBAC as the API server evaluates it, for the objects we render: which (API group, resource, verb)
 * a request needs, and which ones the Roles and ClusterRoles bound to Jobbot's ServiceAccount grant.
 */
import type { RecordedRequest } from '../support/kube/index.js';
import type { KubeObject } from './kustomize.js';

/** What one API request needs; `resource` includes a subresource (`pods/log`). */
export interface ResourceAccess {
  group: string;
  resource: string;
  verb: string;
  /** Undefined for cluster-scoped resources. */
  namespace: string | undefined;
}

export interface NonResourceAccess {
  path: string;
  verb: string;
}

/**
 * Non-resource URLs every authenticated client may GET through the default ClusterRoles
 * system:public-info-viewer (/version, /healthz, /livez, /readyz) and system:discovery (/api, /apis,
 * /openapi and below), so no Role of ours has to grant them.
 */
export const DEFAULT_NON_RESOURCE = [
  /^\/(version|healthz|livez|readyz)\/?$/,
  /^\/(api|apis|openapi)(\/.*)?$/,
];

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

/** The RBAC attributes of a recorded request (the API server's request-info resolution). */
export function accessOf(req: RecordedRequest): ResourceAccess | NonResourceAccess {
  const parts = req.path.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else {
    return { path: req.path, verb: req.method.toLowerCase() };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const watch = req.query.watch === 'true' || req.query.watch === '1';
  const verb =
    req.method === 'GET'
      ? watch
        ? 'watch'
        : name === undefined
          ? 'list'
          : 'get'
      : req.method === 'DELETE'
        ? name === undefined
          ? 'deletecollection'
          : 'delete'
        : (VERBS[req.method] ?? req.method.toLowerCase());
  return { group, resource: subresource ? `${resource}/${subresource}` : resource!, verb, namespace };
}

export function isResourceAccess(a: ResourceAccess | NonResourceAccess): a is ResourceAccess {
  return 'resource' in a;
}

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** One granted (group, resource, verb); `namespace` undefined means cluster-wide. */
export interface Grant {
  group: string;
  resource: string;
  verb: string;
  namespace: string | undefined;
  /** The role that grants it, for messages. */
  from: string;
  rule: Rule;
}

interface Binding extends KubeObject {
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef: { kind: string; name: string };
}

/** Every grant of the Roles and ClusterRoles bound to the ServiceAccount `sa`. */
export function grantsFor(objects: KubeObject[], sa: { namespace: string; name: string }): Grant[] {
  const bindsSa = (b: Binding) =>
    (b.subjects ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace,
    );
  const role = (kind: string, name: string, namespace?: string) =>
    objects.find(
      (o) =>
        o.kind === kind &&
        o.metadata.name === name &&
        (kind === 'ClusterRole' || o.metadata.namespace === namespace),
    ) as (KubeObject & { rules?: Rule[] }) | undefined;
  const grants: Grant[] = [];
  for (const b of objects.filter(
    (o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding',
  ) as Binding[]) {
    if (!bindsSa(b)) continue;
    const namespace = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    const r = role(b.roleRef.kind, b.roleRef.name, namespace);
    if (!r)
      throw new Error(`${b.kind} ${b.metadata.name} refers to a missing ${b.roleRef.kind} ${b.roleRef.name}`);
    for (const rule of r.rules ?? [])
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs)
            grants.push({ group, resource, verb, namespace, from: `${r.kind} ${r.metadata.name}`, rule });
  }
  return grants;
}

export function allows(grants: Grant[], a: ResourceAccess): boolean {
  const match = (granted: string, wanted: string) => granted === '*' || granted === wanted;
  return grants.some(
    (g) =>
      match(g.group, a.group) &&
      match(g.resource, a.resource) &&
      match(g.verb, a.verb) &&
      // A Role grants in its own namespace only; a ClusterRoleBinding everywhere, cluster scope included.
      (g.namespace === undefined || g.namespace === a.namespace) &&
      g.rule.resourceNames === undefined,
  );
}

export function describeAccess(a: { group: string; resource: string; verb: string }): string {
  return `${a.verb} ${a.group || 'core'}/${a.resource}`;
}
