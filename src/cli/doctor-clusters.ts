/**
 * `jobbot doctor`'s cluster checks: each cluster answers (the registry's own check, as /readyz shows
 * it), and Jobbot may do there what it needs, asked with SelfSubjectAccessReview — the API server's
 * own answer for Jobbot's credentials, whatever authorizer (RBAC, webhook) decides.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterRegistry } from '../kube/clusters.js';
import { classifyKubeError } from '../kube/errors.js';
import { withDeadline } from '../kube/timeout.js';
import { type Check, failed, ok, skipped } from './doctor-check.js';
import type { Placements } from './doctor-local.js';
import { plural } from './io.js';

interface Need {
  group: string;
  resource: string;
  subresource?: string;
  verbs: string[];
}

/**
 * Exactly the calls Jobbot makes in each namespace its jobs run in, as manifests/base/dispatch-namespace
 * grants them (test/deploy/rbac.test.ts holds both to the code): jobs create (dispatch and the
 * definition's dry run), get (a retried create), list and watch (following a dispatch), delete (clean
 * up); pods list and watch; pods/log get. Asking for more would fail a least-privilege deployment.
 */
export const NAMESPACE_NEEDS: readonly Need[] = [
  { group: 'batch', resource: 'jobs', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { group: '', resource: 'pods', verbs: ['list', 'watch'] },
  { group: '', resource: 'pods', subresource: 'log', verbs: ['get'] },
];

/** Cluster-wide: the namespaces are listed to offer them in Slack and to check a job's namespace. */
export const CLUSTER_NEEDS: readonly Need[] = [{ group: '', resource: 'namespaces', verbs: ['list'] }];

const ROLE_HINT =
  " to Jobbot's service account with a Role and RoleBinding in that namespace, as " +
  'manifests/base/dispatch-namespace does (jobs: create, get, list, watch, delete; pods: list, watch; pods/log: get)';

const NAMESPACES_HINT =
  'grant "list" on namespaces cluster-wide with a ClusterRole and ClusterRoleBinding, as manifests/base/cluster-rbac.yaml does: ' +
  "Jobbot lists them to offer them in Slack and to check each job's namespace";

const ASK_TIMEOUT_MS = 10_000;

export async function clusterChecks(
  registry: ClusterRegistry,
  placements: Placements | undefined,
  extra: string[],
): Promise<Check[]> {
  const checks: Check[] = [];
  const names = registry.names();
  for (const [cluster, namespaces] of placements ?? []) {
    if (!names.includes(cluster)) {
      checks.push(
        failed(
          `cluster ${cluster}`,
          `jobs in ${plural(namespaces.size, 'namespace', 'namespaces')} (${[...namespaces].join(', ')}) run there, but the Kubernetes configuration has no such context`,
          `add a context named ${cluster} to KUBECONFIG, or move those jobs to ${names.join(' or ') || 'a configured cluster'}`,
        ),
      );
    }
  }
  const results = await registry.checkAll();
  const perCluster = await Promise.all(
    results.map(async (r): Promise<Check[]> => {
      const subject = `cluster ${r.cluster}`;
      const cluster = registry.get(r.cluster);
      if (!r.reachable || !cluster) {
        return [
          failed(
            subject,
            `unreachable: ${r.error ?? 'no answer'}`,
            /HTTP 401/.test(r.error ?? '')
              ? 'its credentials in the kubeconfig were refused: renew the token or certificate'
              : 'check that the cluster is up and that the server address in the kubeconfig is right',
          ),
        ];
      }
      const namespaces = [...new Set([...(placements?.get(r.cluster) ?? []), ...extra])].sort();
      return [
        ok(subject, `reachable at ${cluster.server}, Kubernetes ${r.version ?? 'version unknown'}`),
        ...(await accessChecks(r.cluster, cluster.kubeConfig, namespaces)),
      ];
    }),
  );
  return [...checks, ...perCluster.flat()];
}

async function accessChecks(cluster: string, kc: KubeConfig, namespaces: string[]): Promise<Check[]> {
  const subject = `cluster ${cluster}`;
  const api = kc.makeApiClient(AuthorizationV1Api);
  const checks: Check[] = [];

  const listing = await denied(api, CLUSTER_NEEDS, undefined);
  if ('error' in listing)
    return [
      failed(
        subject,
        `cannot ask what Jobbot may do: ${listing.error}`,
        'check that the API server allows SelfSubjectAccessReview (every authenticated user may by default)',
      ),
    ];
  checks.push(
    listing.missing.length === 0
      ? ok(subject, 'may list namespaces')
      : failed(subject, `cannot list namespaces`, NAMESPACES_HINT),
  );
  if (namespaces.length === 0) {
    checks.push(
      skipped(
        subject,
        "no job runs there yet; pass --namespace NS to check Jobbot's permissions in a namespace before defining jobs there",
      ),
    );
    return checks;
  }
  for (const namespace of namespaces) {
    const answer = await denied(api, NAMESPACE_NEEDS, namespace);
    if ('error' in answer)
      checks.push(
        failed(subject, `cannot ask what Jobbot may do in namespace ${namespace}: ${answer.error}`),
      );
    else if (answer.missing.length === 0)
      checks.push(
        ok(
          subject,
          `may create, follow and delete Jobs and read their pods and logs in namespace ${namespace}`,
        ),
      );
    else {
      const grant = answer.missing.length === 1 ? 'grant it' : 'grant them';
      checks.push(
        failed(
          subject,
          `cannot ${describe(answer.missing)} in namespace ${namespace}`,
          `${grant}${ROLE_HINT}`,
        ),
      );
    }
  }
  return checks;
}

type Missing = { verb: string; resource: string };

/** The verbs of `needs` the API server refuses, asked all at once. */
async function denied(
  api: AuthorizationV1Api,
  needs: readonly Need[],
  namespace: string | undefined,
): Promise<{ missing: Missing[] } | { error: string }> {
  const asks = needs.flatMap((need) =>
    need.verbs.map(async (verb) => {
      const review = await withDeadline(ASK_TIMEOUT_MS, (options) =>
        api.createSelfSubjectAccessReview(
          {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb,
                  group: need.group,
                  resource: need.resource,
                  ...(need.subresource ? { subresource: need.subresource } : {}),
                  ...(namespace ? { namespace } : {}),
                },
              },
            },
          },
          options,
        ),
      );
      const resource = need.subresource ? `${need.resource}/${need.subresource}` : need.resource;
      return review.status?.allowed ? undefined : { verb, resource };
    }),
  );
  try {
    const answers = await Promise.all(asks);
    return { missing: answers.filter((a): a is Missing => a !== undefined) };
  } catch (err) {
    return { error: classifyKubeError(err).message };
  }
}

/** `create or delete jobs, or get pods/log`. */
function describe(missing: Missing[]): string {
  const byResource = new Map<string, string[]>();
  for (const m of missing) byResource.set(m.resource, [...(byResource.get(m.resource) ?? []), m.verb]);
  return orList([...byResource].map(([resource, verbs]) => `${orList(verbs)} ${resource}`));
}

function orList(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
