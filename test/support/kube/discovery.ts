/**
 * Discovery and OpenAPI documents: what kubectl reads before it touches a resource.
 *
 * kubectl 1.32 asks /api and /apis for aggregated discovery and falls back to the legacy
 * documents when the answer is plain `application/json` (what we serve). `apply` validates with
 * OpenAPI v3: it only needs to find, in /openapi/v3/apis/batch/v1, a PATCH operation for the
 * Job GVK that lists the `fieldValidation` query parameter; then it leaves validation to the
 * server (fieldValidation=Strict).
 */

const GROUP_VERSION_HASH = 'EMULATOR0000000000000000000000000000000000000000000000000000000000000000';

interface ResourceDoc {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const CORE_RESOURCES: ResourceDoc[] = [
  {
    name: 'events',
    singularName: 'event',
    namespaced: true,
    kind: 'Event',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ev'],
  },
  {
    name: 'namespaces',
    singularName: 'namespace',
    namespaced: false,
    kind: 'Namespace',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
  },
  {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: ALL_VERBS,
    shortNames: ['po'],
    categories: ['all'],
  },
  { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
  { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
];

const BATCH_RESOURCES: ResourceDoc[] = [
  { name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ALL_VERBS, categories: ['all'] },
  { name: 'jobs/status', singularName: '', namespaced: true, kind: 'Job', verbs: ['get', 'patch', 'update'] },
];

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export function versionDoc(v: VersionInfo): Record<string, unknown> {
  return {
    major: v.major,
    minor: v.minor,
    gitVersion: v.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersionsDoc(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const BATCH_GROUP = {
  name: 'batch',
  versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
};

export function apiGroupListDoc(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [BATCH_GROUP] };
}

export function apiGroupDoc(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...BATCH_GROUP };
}

export function resourceListDoc(groupVersion: 'v1' | 'batch/v1'): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: groupVersion === 'v1' ? CORE_RESOURCES : BATCH_RESOURCES,
  };
}

export function openApiV3Root(): Record<string, unknown> {
  return {
    paths: {
      'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${GROUP_VERSION_HASH}` },
      'apis/batch/v1': { serverRelativeURL: `/openapi/v3/apis/batch/v1?hash=${GROUP_VERSION_HASH}` },
    },
  };
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function patchPath(group: string, version: string, kind: string, plural: string, namespaced: boolean) {
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const path = namespaced
    ? `${prefix}/namespaces/{namespace}/${plural}/{name}`
    : `${prefix}/${plural}/{name}`;
  const op = {
    operationId: `patch${namespaced ? 'Namespaced' : ''}${kind}`,
    parameters: QUERY_PARAMS,
    requestBody: {
      content: {
        'application/json-patch+json': { schema: { type: 'object' } },
        'application/merge-patch+json': { schema: { type: 'object' } },
        'application/strategic-merge-patch+json': { schema: { type: 'object' } },
        'application/apply-patch+yaml': { schema: { type: 'object' } },
      },
      required: true,
    },
    responses: { '200': { description: 'OK' }, '201': { description: 'Created' } },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group, version, kind },
  };
  return [path, { patch: op }] as const;
}

export function openApiV3GroupVersion(
  which: 'api/v1' | 'apis/batch/v1',
  version: string,
): Record<string, unknown> {
  const paths =
    which === 'api/v1'
      ? [patchPath('', 'v1', 'Pod', 'pods', true), patchPath('', 'v1', 'Namespace', 'namespaces', false)]
      : [patchPath('batch', 'v1', 'Job', 'jobs', true)];
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version },
    paths: Object.fromEntries(paths),
    components: { schemas: {} },
  };
}
