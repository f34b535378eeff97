/**
 * The access policy, as read from the JOBBOT_CONFIG file (see parsePolicy). Glossary:
 * - principal: a Slack user (id `U…`/`W…`, or e-mail) or user group (id `S…`, or handle `@oncall`),
 *   written in the file as people know them; the Slack adapter works out who belongs to which.
 * - subject: who is asking, with the groups of the file they belong to, and from which channel.
 * - rule: where a decision came from, named so a refusal can say which rule refused
 *   (`policies[2] (deploy-*)`, `admins`, `clusters.prod.namespaces`, `guardrails.images`).
 * Without a file the policy is OPEN_POLICY: everyone may do everything, guardrails only mask secrets.
 */

export interface Principals {
  /** User ids or e-mail addresses, as written in the file. */
  users: string[];
  /** User group ids or `@handles`, as written in the file. */
  groups: string[];
}

export interface ClusterAllowances {
  privileged: boolean;
  hostPath: boolean;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
}

export interface ClusterPolicy {
  /** The kubeconfig context this cluster is; the cluster's own name when left out. */
  context?: string;
  /** Namespaces Jobbot may use there; any when left out. */
  namespaces?: string[];
  /** Channel ids that may dispatch there; any when left out. */
  channels?: string[];
  /** Pod features the guardrails refuse elsewhere but this cluster allows. */
  allow: ClusterAllowances;
}

export interface ApprovalRule {
  /** How many different people must approve (never the requester). */
  approvals: number;
  approvers: Principals;
  /** How long a request stays open. */
  expiresAfterSeconds: number;
  /** Where the request is posted; the channel the dispatch came from when left out. */
  channel?: string;
}

export interface DispatchPolicy {
  /** The rule's name in refusals, e.g. `policies[2] (deploy-*)`. */
  rule: string;
  /** Job-name glob: `*` any run of characters, `?` one character. */
  jobs: string;
  /** Who may dispatch; anyone when left out. Channels limit where from. */
  dispatchers?: Principals & { channels?: string[] };
  approval?: ApprovalRule;
}

export interface Guardrails {
  /** Image globs (`registry.example.com/*`, `busybox:*`); any image when left out. */
  images?: string[];
  maxParallelism?: number;
  maxCompletions?: number;
  maxActiveDeadlineSeconds?: number;
  /** Kubernetes quantities (`2`, `500m`; `512Mi`, `8Gi`) no container may request or limit beyond. */
  maxCpu?: string;
  maxMemory?: string;
}

export interface Policy {
  /** False for OPEN_POLICY (no JOBBOT_CONFIG): everyone may do everything. */
  configured: boolean;
  admins: Principals;
  /** Undefined: every kubeconfig context is a cluster, every namespace allowed. */
  clusters?: Record<string, ClusterPolicy>;
  /** In file order; the first whose `jobs` matches decides. */
  policies: DispatchPolicy[];
  guardrails: Guardrails;
  /** Regular expression sources whose matches are masked in every output, besides the built-in ones. */
  maskPatterns: string[];
}

export const OPEN_POLICY: Policy = {
  configured: false,
  admins: { users: [], groups: [] },
  policies: [],
  guardrails: {},
  maskPatterns: [],
};

export interface Subject {
  /** The Slack user asking, if a person is asking. */
  user?: string;
  /** Their e-mail, when known, for policies that name people by e-mail. */
  email?: string;
  /** The groups of the policy (as written there) the user belongs to. */
  groups: ReadonlySet<string>;
  /** The channel the request came from (Slack) or names for its updates (API). */
  channel?: string;
}

export type Action =
  | { kind: 'definition.manage' }
  | { kind: 'pipeline.manage' }
  | { kind: 'token.manage' }
  | { kind: 'audit.read' }
  | { kind: 'dispatch'; job: string; cluster: string; namespace: string }
  | { kind: 'approve'; approval: ApprovalRule };

export type Decision =
  | { allowed: true; approval?: ApprovalRule & { rule: string } }
  | { allowed: false; rule: string; message: string };

export interface Violation {
  /** Where in the Job, e.g. `spec.template.spec.containers[0].image`. */
  path: string;
  /** e.g. `guardrails.images`, `clusters.prod.allow.hostNetwork`. */
  rule: string;
  /** A sentence saying what is refused and what is allowed. */
  message: string;
}
