/**
 * Who may do what, where. Glossary:
 * - admin action: managing definitions, pipelines and API tokens, and reading the audit log.
 * - where-rules: `clusters` (which clusters, namespaces and channels Jobbot may dispatch to and from);
 *   they bind everyone, admins included.
 * - who-rules: the first entry of `policies` whose `jobs` glob matches the job's name; its
 *   `dispatch` says who may dispatch (anyone when left out) and from which channels. A job no entry
 *   covers is for admins only. Admins pass every entry's who-check (they can edit definitions, so
 *   refusing them a dispatch would only be a speed bump), but not its channels or its approval.
 * Every refusal names its rule and says what would be allowed or whom to ask, in one sentence.
 */
import { globMatches } from './glob.js';
import { isEmpty, listNames, matchesPrincipals, principalNames } from './principals.js';
import type {
  Action,
  ApprovalRule,
  ClusterPolicy,
  Decision,
  DispatchPolicy,
  Policy,
  Subject,
} from './types.js';

type AdminAction = Exclude<Action, { kind: 'dispatch' } | { kind: 'approve' }>['kind'];
type DispatchAction = Extract<Action, { kind: 'dispatch' }>;

const ADMIN_VERBS: Record<AdminAction, string> = {
  'definition.manage': 'create, edit or delete job definitions',
  'pipeline.manage': 'create, edit or delete pipelines',
  'token.manage': 'manage API tokens',
  'audit.read': 'read the audit log',
};

const ALLOWED: Decision = { allowed: true };

function refuse(rule: string, message: string): Decision {
  return { allowed: false, rule, message };
}

/** Whether the subject is an admin; with OPEN_POLICY everyone is. */
export function isAdmin(policy: Policy, subject: Subject): boolean {
  return !policy.configured || matchesPrincipals(policy.admins, subject);
}

export function decide(policy: Policy, subject: Subject, action: Action): Decision {
  if (!policy.configured) return ALLOWED;
  switch (action.kind) {
    case 'dispatch':
      return decideDispatch(policy, subject, action);
    case 'approve':
      return decideApprove(subject, action.approval);
    default:
      return isAdmin(policy, subject)
        ? ALLOWED
        : refuse('admins', adminsOnly(policy, ADMIN_VERBS[action.kind]));
  }
}

function adminsOnly(policy: Policy, verb: string): string {
  if (isEmpty(policy.admins)) {
    return (
      `Only admins may ${verb}, and the Jobbot policy names none (rule: admins); whoever runs Jobbot ` +
      'can add people under `admins` in its policy file.'
    );
  }
  return (
    `Only admins may ${verb} (rule: admins); ask one of them (${principalNames(policy.admins)}), or an ` +
    'admin can add you to `admins` in the Jobbot policy.'
  );
}

/** The rule that decides who may dispatch `job`: the first whose glob matches. */
export function ruleFor(policy: Policy, job: string): DispatchPolicy | undefined {
  return policy.policies.find((p) => globMatches(p.jobs, job));
}

function decideDispatch(policy: Policy, subject: Subject, action: DispatchAction): Decision {
  const where = checkCluster(policy, subject, action);
  if (where !== undefined) return where;
  const { job } = action;
  const admin = matchesPrincipals(policy.admins, subject);
  const rule = ruleFor(policy, job);
  if (rule === undefined) {
    if (admin) return ALLOWED;
    return refuse(
      'policies',
      `No rule in the Jobbot policy covers \`${job}\`, so only admins may dispatch it (rule: policies); ` +
        'ask an admin to dispatch it, or to add a rule for it under `policies`.',
    );
  }
  const who = rule.dispatchers;
  if (who !== undefined && !admin && !mayBeDispatcher(rule, subject)) {
    return refuse(
      rule.rule,
      `You may not dispatch \`${job}\` (rule: ${rule.rule}); ${principalNames(who)} may, so ask one of ` +
        'them to dispatch it, or an admin to add you to that rule.',
    );
  }
  const channels = who?.channels;
  if (channels !== undefined && !fromOneOf(subject, channels)) {
    const where = `${rule.rule}.dispatch.channels`;
    return refuse(
      where,
      `\`${job}\` may only be dispatched from ${listNames(channels)} (rule: ${where}); ` +
        `dispatch it from ${channels.length === 1 ? 'there' : 'one of those channels'}.`,
    );
  }
  if (rule.approval !== undefined) return { allowed: true, approval: { ...rule.approval, rule: rule.rule } };
  return ALLOWED;
}

function checkCluster(policy: Policy, subject: Subject, action: DispatchAction): Decision | undefined {
  const { cluster: name, namespace } = action;
  const cluster = listedCluster(policy, name);
  if (cluster === undefined) return undefined;
  if (cluster === null) {
    const listed = quoted(Object.keys(policy.clusters ?? {}));
    return refuse(
      'clusters',
      `The Jobbot policy does not let Jobbot dispatch to cluster \`${name}\` (rule: clusters); it may use ` +
        `${listNames(listed)}, or an admin can add \`${name}\` under \`clusters\`.`,
    );
  }
  if (cluster.namespaces !== undefined && !cluster.namespaces.includes(namespace)) {
    const rule = `clusters.${name}.namespaces`;
    return refuse(
      rule,
      `Jobbot may not use namespace \`${namespace}\` on cluster \`${name}\` (rule: ${rule}); allowed there: ` +
        `${listNames(quoted(cluster.namespaces), 10)}.`,
    );
  }
  if (cluster.channels !== undefined && !fromOneOf(subject, cluster.channels)) {
    const rule = `clusters.${name}.channels`;
    return refuse(
      rule,
      `Jobs on cluster \`${name}\` may only be dispatched from ${listNames(cluster.channels)} (rule: ${rule}); ` +
        `dispatch from ${cluster.channels.length === 1 ? 'there' : 'one of those channels'}.`,
    );
  }
  return undefined;
}

function quoted(names: readonly string[]): string[] {
  return names.map((n) => `\`${n}\``);
}

function fromOneOf(subject: Subject, channels: readonly string[]): boolean {
  return subject.channel !== undefined && channels.includes(subject.channel);
}

/** Approvers only; that the requester never approves their own request is the caller's check. */
function decideApprove(subject: Subject, approval: ApprovalRule & { rule?: string }): Decision {
  if (matchesPrincipals(approval.approvers, subject)) return ALLOWED;
  const rule = `${approval.rule ?? 'policies'}.approval.approvers`;
  return refuse(
    rule,
    `You are not one of the approvers of this request (rule: ${rule}); ${principalNames(approval.approvers)} ` +
      'may approve it.',
  );
}

/**
 * Whether to offer dispatching at all (`/job help`, App Home): admins, and anyone some rule lets
 * dispatch. Where-rules and channels are left out: they depend on the job and where it is asked from.
 */
export function mayDispatchSomething(policy: Policy, subject: Subject): boolean {
  if (isAdmin(policy, subject)) return true;
  return policy.policies.some((rule) => mayBeDispatcher(rule, subject));
}

/**
 * Whether `subject` may dispatch this job from some channel: the decision without the channel rules,
 * for `/job list` and App Home, which show a job's Dispatch button wherever it may be pressed from.
 */
export function mayDispatchJob(
  policy: Policy,
  subject: Subject,
  job: { name: string; cluster: string; namespace: string },
): boolean {
  if (!policy.configured) return true;
  const cluster = listedCluster(policy, job.cluster);
  if (cluster === null) return false;
  if (cluster?.namespaces !== undefined && !cluster.namespaces.includes(job.namespace)) return false;
  if (matchesPrincipals(policy.admins, subject)) return true;
  const rule = ruleFor(policy, job.name);
  return rule !== undefined && mayBeDispatcher(rule, subject);
}

/** Whether a rule's users and groups include the subject (everyone, when it names none). */
function mayBeDispatcher(rule: DispatchPolicy, subject: Subject): boolean {
  const who = rule.dispatchers;
  return who === undefined || isEmpty(who) || matchesPrincipals(who, subject);
}

/**
 * A cluster's entry: undefined when the policy does not restrict clusters, null when it does and does
 * not list this one. hasOwn, so a cluster called `constructor` does not find Object.prototype's.
 */
function listedCluster(policy: Policy, name: string): ClusterPolicy | null | undefined {
  const { clusters } = policy;
  if (clusters === undefined) return undefined;
  return Object.hasOwn(clusters, name) ? (clusters[name] ?? null) : null;
}
