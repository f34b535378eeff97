/**
 * Reading the policy file (JOBBOT_CONFIG). Every key is optional; an example with all of them:
 *
 * ```yaml
 * admins: { users: [U0ALICE, bob@example.com], groups: [S0PLATFORM, "@platform"] }
 * clusters:                       # leave out: every kubeconfig context, every namespace, any channel
 *   prod:                         # the cluster's name in Jobbot
 *     context: prod-eu            # kubeconfig context; default: the cluster's name
 *     namespaces: [batch]         # default: every namespace
 *     channels: [C0OPS]           # only these channels may dispatch here; default: any
 *     allow: { hostNetwork: true }  # also privileged, hostPath, hostPID, hostIPC; default: all false
 * policies:                       # the first whose `jobs` matches the job's name decides
 *   - jobs: "deploy-*"            # `*` any characters, `?` one
 *     dispatch: { users: [U0ALICE], groups: ["@sre"], channels: [C0DEPLOY] }  # default: anyone, anywhere
 *     approval:                   # default: none
 *       approvals: 2              # default: 1
 *       approvers: { groups: ["@sre"] }
 *       expiresAfter: 2h          # s, m, h, d, w; at most 30d; default: 24h
 *       channel: C0APPROVALS      # default: the channel the dispatch came from
 *   - jobs: "*"
 *     dispatch: { groups: ["@engineering"] }
 * guardrails:                     # each left out: no limit
 *   images: ["registry.example.com/*", "busybox:*"]
 *   maxParallelism: 10
 *   maxCompletions: 100
 *   maxActiveDeadlineSeconds: 86400
 *   maxCpu: "4"                   # Kubernetes quantities, for every container's requests and limits
 *   maxMemory: 8Gi
 * secrets: { mask: ['ghp_[A-Za-z0-9]{36}'] }  # regular expressions masked besides the built-in ones
 * ```
 *
 * Decisions worth knowing:
 * - A file that exists is a configured policy, even when empty: no admins and no `policies` means no
 *   one may manage definitions or dispatch. Pointing JOBBOT_CONFIG at a file is opting in to access
 *   control, and an empty file (a ConfigMap mounted without data) must fail closed, not open.
 *   policyWarnings says so at start-up.
 * - A job no rule covers may be dispatched only by admins; end with `- jobs: "*"` to say who else.
 * - Admins may dispatch any job, but clusters, namespaces, channels and approvals apply to them too.
 * - With a configured policy, privileged containers, hostPath volumes and hostNetwork/hostPID/hostIPC
 *   are refused unless the cluster's `allow` says otherwise.
 * - Empty lists that would be ambiguous (`namespaces: []`: none or any?) are refused; leave the key
 *   out. So is a rule placed after one that already covers all its jobs: it could never apply.
 * - Rule names count from 0, like the paths in messages: `policies[0] (deploy-*)`.
 *
 * Loading is safe: js-yaml's core schema (no custom tags, no timestamps, no merge keys), one document,
 * a size limit, and a count of values that refuses alias bombs and self-referencing aliases.
 */
import yaml from 'js-yaml';
import { type LineOf, lineRecorder } from '../definition/line-index.js';
import { globCovers } from './glob.js';
import { DEFAULT_EXPIRES_AFTER_SECONDS, type PolicyFile, policyFileSchema } from './schema.js';
import type { ApprovalRule, ClusterPolicy, DispatchPolicy, Policy, Principals } from './types.js';

export type PolicyParseResult =
  | { ok: true; policy: Policy }
  | {
      ok: false;
      /** Every problem, one per line, each naming the file, the line and the path. */
      message: string;
      /** The same problems one by one (e.g. for ConfigError's list). */
      problems: string[];
    };

export const MAX_POLICY_BYTES = 1024 * 1024;
const MAX_PROBLEMS = 10;
const MAX_DEPTH = 32;
// As for Job YAML: each value takes a few characters to write unless an alias repeats it.
const NODE_ALLOWANCE = 10_000;

interface Problem {
  path: string;
  line?: number | undefined;
  message: string;
}

/** The policy in `text`; `source` is the file's path, named in every message. */
export function parsePolicy(text: string, source: string): PolicyParseResult {
  const fail = (problems: Problem[]) => failure(source, problems);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    return fail([
      { path: '', message: `is ${bytes} bytes; a policy file may have at most ${MAX_POLICY_BYTES}.` },
    ]);
  }

  const recorder = lineRecorder();
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, listener: recorder.listener });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      // js-yaml leaves out the mark for some errors (several documents).
      const line = (err.mark as { line?: number } | undefined)?.line;
      return fail([
        {
          path: '',
          line: line === undefined ? undefined : line + 1,
          message: `is not valid YAML: ${err.reason}.`,
        },
      ]);
    }
    if (err instanceof RangeError) return fail([{ path: '', message: 'is nested too deeply to read.' }]);
    throw err;
  }
  if (doc === null || doc === undefined) return { ok: true, policy: emptyPolicy() };
  const lineOf = recorder.lineOf(doc);

  const sizeProblem = unsafeTree(doc, NODE_ALLOWANCE + text.length);
  if (sizeProblem !== undefined) return fail([{ ...sizeProblem, line: lineOf(sizeProblem.path) }]);

  const parsed = policyFileSchema.safeParse(doc);
  if (!parsed.success) {
    return fail(
      parsed.error.issues.map((issue) => {
        // An unknown key is pointed at (the first of several at the line of the first), not the mapping.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const path = formatPath(keys.length === 1 ? [...issue.path, ...keys] : issue.path);
        const line = lineOf(formatPath(keys.length > 0 ? [...issue.path, keys[0]!] : issue.path));
        return { path, line, message: issue.message };
      }),
    );
  }

  const policy = toPolicy(parsed.data);
  const shadowed = unreachableRules(policy.policies, lineOf);
  if (shadowed.length > 0) return fail(shadowed);
  return { ok: true, policy };
}

function emptyPolicy(): Policy {
  return {
    configured: true,
    admins: { users: [], groups: [] },
    policies: [],
    guardrails: {},
    maskPatterns: [],
  };
}

function toPolicy(file: PolicyFile): Policy {
  const policy: Policy = {
    configured: true,
    admins: principals(file.admins),
    policies: (file.policies ?? []).map((p, i): DispatchPolicy => {
      const rule: DispatchPolicy = { rule: `policies[${i}] (${p.jobs})`, jobs: p.jobs };
      if (p.dispatch) {
        rule.dispatchers = {
          ...principals(p.dispatch),
          ...(p.dispatch.channels ? { channels: p.dispatch.channels } : {}),
        };
      }
      if (p.approval) {
        const approval: ApprovalRule = {
          approvals: p.approval.approvals ?? 1,
          approvers: principals(p.approval.approvers),
          expiresAfterSeconds: p.approval.expiresAfter ?? DEFAULT_EXPIRES_AFTER_SECONDS,
        };
        if (p.approval.channel !== undefined) approval.channel = p.approval.channel;
        rule.approval = approval;
      }
      return rule;
    }),
    guardrails: { ...file.guardrails },
    maskPatterns: file.secrets?.mask ?? [],
  };
  if (file.clusters) {
    // fromEntries defines properties, so a cluster called __proto__ stays a cluster.
    policy.clusters = Object.fromEntries(
      Object.entries(file.clusters).map(([name, c]) => [name, cluster(c)]),
    );
  }
  return policy;
}

function cluster(c: NonNullable<PolicyFile['clusters']>[string]): ClusterPolicy {
  const allow = c?.allow;
  const out: ClusterPolicy = {
    allow: {
      privileged: allow?.privileged ?? false,
      hostPath: allow?.hostPath ?? false,
      hostNetwork: allow?.hostNetwork ?? false,
      hostPID: allow?.hostPID ?? false,
      hostIPC: allow?.hostIPC ?? false,
    },
  };
  if (c?.context !== undefined) out.context = c.context;
  if (c?.namespaces !== undefined) out.namespaces = c.namespaces;
  if (c?.channels !== undefined) out.channels = c.channels;
  return out;
}

function principals(
  p: { users?: string[] | undefined; groups?: string[] | undefined } | null | undefined,
): Principals {
  return { users: p?.users ?? [], groups: p?.groups ?? [] };
}

/** Rules that come after one covering every job they name: first match wins, so they never apply. */
function unreachableRules(policies: DispatchPolicy[], lineOf: LineOf): Problem[] {
  const problems: Problem[] = [];
  policies.forEach((later, i) => {
    const earlier = policies.slice(0, i).find((p) => globCovers(p.jobs, later.jobs));
    if (earlier === undefined) return;
    const path = `policies[${i}].jobs`;
    problems.push({
      path,
      line: lineOf(path),
      message:
        `can never apply: ${earlier.rule} comes first and already covers every job \`${later.jobs}\` matches ` +
        '(the first matching rule decides); move this rule above it.',
    });
  });
  return problems;
}

/**
 * Whether the tree js-yaml built is unsafe to walk: more values than `budget` (aliases repeating
 * anchors, "billion laughs"), an alias inside its own anchor, deeper than MAX_DEPTH, or holding a
 * `__proto__` key.
 */
function unsafeTree(root: unknown, budget: number): Problem | undefined {
  let left = budget;
  const ancestors = new Set<object>();
  const visit = (value: unknown, path: string, depth: number): Problem | undefined => {
    if (--left < 0) {
      return {
        path: '',
        message:
          'expands to far more values than it has characters: its aliases (*name) repeat anchored (&name) ' +
          'content so often that it looks like an alias bomb. Write it out without such aliases.',
      };
    }
    if (typeof value !== 'object' || value === null) return undefined;
    if (ancestors.has(value)) return { path, message: 'contains itself through an alias; write it out.' };
    if (depth > MAX_DEPTH) return { path, message: `is nested more than ${MAX_DEPTH} levels deep.` };
    // zod skips this key rather than refusing it, so a cluster of that name would vanish unnoticed.
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) {
      return {
        path: path === '' ? '__proto__' : `${path}.__proto__`,
        message: '`__proto__` cannot be a key.',
      };
    }
    ancestors.add(value);
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`${path}[${i}]`, v] as const)
      : Object.entries(value).map(([k, v]) => [path === '' ? k : `${path}.${k}`, v] as const);
    for (const [childPath, child] of entries) {
      const found = visit(child, childPath, depth + 1);
      if (found !== undefined) return found;
    }
    ancestors.delete(value);
    return undefined;
  };
  return visit(root, '', 0);
}

/** `['policies', 1, 'approval']` → `policies[1].approval`. */
function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

function failure(source: string, problems: Problem[]): PolicyParseResult {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const lines = sorted.slice(0, MAX_PROBLEMS).map((p) => {
    const where = [p.line === undefined ? '' : ` line ${p.line}`, p.path === '' ? '' : ` (${p.path})`].join(
      '',
    );
    return `JOBBOT_CONFIG ${source}${where}: ${p.message}`;
  });
  if (sorted.length > MAX_PROBLEMS) {
    lines.push(
      `JOBBOT_CONFIG ${source}: and ${sorted.length - MAX_PROBLEMS} more problems; fix these first.`,
    );
  }
  return { ok: false, message: lines.join('\n'), problems: lines };
}
