/**
 * Guardrails: what a Job may ask of a cluster, checked on every definition and on every dispatch's
 * effective spec (overrides included). Glossary:
 * - ceiling: `guardrails.max…`, a number (parallelism, completions, active deadline) or quantity
 *   (cpu, memory) no Job or container may exceed. A Job without activeDeadlineSeconds could run for
 *   ever, so under a deadline ceiling it is refused; a container without requests or limits is not
 *   (the ceiling bounds what is asked for, it does not make asking compulsory).
 * - host feature: privileged containers, hostPath volumes, hostNetwork, hostPID and hostIPC, each a
 *   way out of the container onto the node. With a configured policy they are refused unless the
 *   cluster's `allow` lists them; without one (OPEN_POLICY) nothing is refused.
 * Not checked, on purpose: allowPrivilegeEscalation (Kubernetes defaults it to true, so refusing an
 * explicit `true` would stop nothing) and capabilities; enforce those with Pod Security Admission
 * ("restricted") on the namespace, which also covers Pods that Jobbot did not create.
 *
 * The template is read as `unknown` below its declared shape: it may come from a definition that
 * validation has not passed yet, and a guardrail must never throw on a malformed Job.
 */
import type { JobTemplate } from '../definition/types.js';
import { imageAllowed } from './images.js';
import { compareQuantities, parseQuantity } from './quantity.js';
import type { ClusterAllowances, Policy, Violation } from './types.js';

type Obj = Record<string, unknown>;

const POD = 'spec.template.spec';
const HOST_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function items(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map((v) => obj(v) ?? {}) : [];
}

export function checkGuardrails(policy: Policy, cluster: string, job: JobTemplate): Violation[] {
  const spec = obj((job as unknown as Obj).spec);
  const pod = obj(obj(spec?.template)?.spec);
  const violations: Violation[] = [...ceilings(policy, spec)];
  const allow = policy.configured ? allowances(policy, cluster) : undefined;

  const containers = [
    ...items(pod?.initContainers).map((c, i) => [`${POD}.initContainers[${i}]`, c] as const),
    ...items(pod?.containers).map((c, i) => [`${POD}.containers[${i}]`, c] as const),
  ];
  for (const [path, container] of containers) {
    violations.push(...containerViolations(policy, path, container));
    if (allow !== undefined && !allow.privileged && obj(container.securityContext)?.privileged === true) {
      violations.push(
        hostFeature(
          cluster,
          'privileged',
          `${path}.securityContext.privileged`,
          `Container ${nameOf(container)} runs privileged`,
        ),
      );
    }
  }
  if (allow === undefined || pod === undefined) return violations;

  items(pod.volumes).forEach((volume, i) => {
    if (allow.hostPath || volume.hostPath === undefined || volume.hostPath === null) return;
    const name = typeof volume.name === 'string' ? ` ${volume.name}` : '';
    violations.push(
      hostFeature(
        cluster,
        'hostPath',
        `${POD}.volumes[${i}].hostPath`,
        `Volume${name} mounts a path of the node`,
      ),
    );
  });
  for (const field of HOST_FIELDS) {
    if (pod[field] === true && !allow[field]) {
      violations.push(hostFeature(cluster, field, `${POD}.${field}`, `The pod uses ${field}`));
    }
  }
  return violations;
}

/** What the cluster allows; nothing when the policy does not list it. */
function allowances(policy: Policy, cluster: string): ClusterAllowances {
  const listed =
    policy.clusters && Object.hasOwn(policy.clusters, cluster) ? policy.clusters[cluster] : undefined;
  return (
    listed?.allow ?? {
      privileged: false,
      hostPath: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
    }
  );
}

function hostFeature(
  cluster: string,
  feature: keyof ClusterAllowances,
  path: string,
  what: string,
): Violation {
  const rule = `clusters.${cluster}.allow.${feature}`;
  return {
    path,
    rule,
    message:
      `${what}, which the Jobbot policy does not allow on cluster ${cluster} (rule: ${rule}); remove it, or ` +
      `an admin can set \`allow: { ${feature}: true }\` for the cluster.`,
  };
}

function nameOf(container: Obj): string {
  return typeof container.name === 'string' ? container.name : '(unnamed)';
}

function ceilings(policy: Policy, spec: Obj | undefined): Violation[] {
  const g = policy.guardrails;
  const out: Violation[] = [];
  const limit = (field: string, max: number | undefined, rule: string, required = false) => {
    if (max === undefined) return;
    const value = spec?.[field];
    if (value === undefined || value === null) {
      if (required) {
        out.push({
          path: `spec.${field}`,
          rule,
          message: `The Job sets no ${field}, so it could run for ever; set it to at most ${max} (rule: ${rule}).`,
        });
      }
    } else if (typeof value === 'number' && value > max) {
      out.push({
        path: `spec.${field}`,
        rule,
        message: `${field} ${value} is above the ceiling of ${max}; ask for at most ${max} (rule: ${rule}).`,
      });
    }
  };
  limit('parallelism', g.maxParallelism, 'guardrails.maxParallelism');
  limit('completions', g.maxCompletions, 'guardrails.maxCompletions');
  limit('activeDeadlineSeconds', g.maxActiveDeadlineSeconds, 'guardrails.maxActiveDeadlineSeconds', true);
  return out;
}

function containerViolations(policy: Policy, path: string, container: Obj): Violation[] {
  const g = policy.guardrails;
  const out: Violation[] = [];
  const { image } = container;
  if (g.images !== undefined && typeof image === 'string' && !imageAllowed(g.images, image)) {
    out.push({
      path: `${path}.image`,
      rule: 'guardrails.images',
      message: `Image ${image} is not allowed here; allowed: ${g.images.join(', ')} (rule: guardrails.images).`,
    });
  }
  const resources = obj(container.resources);
  for (const [resource, max, rule] of [
    ['cpu', g.maxCpu, 'guardrails.maxCpu'],
    ['memory', g.maxMemory, 'guardrails.maxMemory'],
  ] as const) {
    const ceiling = max === undefined ? undefined : parseQuantity(max);
    if (ceiling === undefined) continue;
    for (const kind of ['requests', 'limits'] as const) {
      const value = obj(resources?.[kind])?.[resource];
      if (value === undefined || value === null) continue;
      const quantity = parseQuantity(value);
      const what = `Container ${nameOf(container)} ${kind === 'requests' ? 'requests' : 'is limited to'} ${resource} ${String(value)}`;
      if (quantity === undefined) {
        out.push({
          path: `${path}.resources.${kind}.${resource}`,
          rule,
          message: `${what}, which is not a Kubernetes quantity, so it cannot be held to the ceiling of ${max} (rule: ${rule}).`,
        });
      } else if (compareQuantities(quantity, ceiling) > 0) {
        out.push({
          path: `${path}.resources.${kind}.${resource}`,
          rule,
          message: `${what}, above the ceiling of ${max}; ask for at most ${max} (rule: ${rule}).`,
        });
      }
    }
  }
  return out;
}
