/**
 * The zod schema of the policy file (the format is documented in parse.ts). Every mapping is strict,
 * so a misspelt key is an error rather than a rule that silently does nothing, and every message is
 * written to follow "line N (path): ", e.g. "must be at least 1.". Values come out normalized: refs
 * checked, durations in seconds, lists defaulted. What needs the whole file (rule names, rules that
 * can never apply) is done by parse.ts.
 */
import { z } from 'zod';
import { closest } from '../closest.js';
import { dnsLabelProblem } from '../definition/names.js';
import { formatDuration, parseDuration } from './duration.js';
import { channelRefProblem, groupRefProblem, userRefProblem } from './principals.js';
import { compareQuantities, parseQuantity, type Quantity } from './quantity.js';

export const DEFAULT_EXPIRES_AFTER_SECONDS = 24 * 3600;
export const MAX_EXPIRES_AFTER_SECONDS = 30 * 86_400;
const MIN_EXPIRES_AFTER_SECONDS = 60;
const MAX_PATTERN_LENGTH = 1000;
const MIN_MEMORY: Quantity = { num: 1024n * 1024n, den: 1n };

type Issue = { input?: unknown; code?: string };

/** How a wrong value is named in "must be …, not …". */
function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number ' : ''}${String(value)}`;
}

function typeError(expected: string) {
  return (iss: Issue): string =>
    iss.input === undefined ? 'is required.' : `must be ${expected}, not ${describe(iss.input)}.`;
}

function unknownKeys(keys: readonly PropertyKey[], allowed: readonly string[]): string {
  const names = keys.map(String);
  const allowedText = `allowed here: ${allowed.join(', ')}.`;
  if (names.length > 1) return `unknown keys ${names.map((k) => `\`${k}\``).join(', ')}; ${allowedText}`;
  const lower = allowed.map((a) => a.toLowerCase());
  const guess = closest(names[0] ?? '', lower);
  const meant = guess === undefined ? undefined : allowed[lower.indexOf(guess)];
  return `unknown key${meant ? `; did you mean \`${meant}\`?` : ';'} ${meant ? 'A' : 'a'}${allowedText.slice(1)}`;
}

/** A strict mapping whose unknown keys are reported with the keys allowed there. */
function mapping<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  const wrongType = typeError(`a mapping with ${allowed.join(', ')}`);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeys(iss.keys, allowed) : wrongType(iss)),
  });
}

const text = z.string({ error: typeError('text') });

function checked(problem: (value: string) => string | undefined) {
  return text.superRefine((value, ctx) => {
    const found = problem(value);
    if (found !== undefined) ctx.addIssue({ code: 'custom', message: `\`${value}\` ${found}` });
  });
}

/** A list; `nonEmpty` is the message for `[]` where an empty list would be ambiguous. */
function list<T extends z.ZodType>(item: T, example: string, nonEmpty?: string) {
  const schema = z.array(item, { error: typeError(`a list, such as ${example}`) });
  return nonEmpty === undefined ? schema : schema.min(1, { error: nonEmpty });
}

const positiveInt = z
  .number({ error: typeError('a whole number') })
  .int({ error: 'must be a whole number.' })
  .min(1, { error: 'must be at least 1.' });

const userRef = checked(userRefProblem);
const groupRef = checked(groupRefProblem);
const channelRef = checked(channelRefProblem);

const JOB_GLOB = /^[a-z0-9*?-]+$/;
const jobGlob = checked((glob) => {
  if (glob === '') return 'is empty; write `*` for every job.';
  if (JOB_GLOB.test(glob.toLowerCase()) && glob !== glob.toLowerCase()) {
    return `has capitals, but job definition names are lower case: \`${glob.toLowerCase()}\`.`;
  }
  if (!JOB_GLOB.test(glob)) {
    return 'must be a job name pattern: lower-case letters, digits and `-`, with `*` for any characters and `?` for one.';
  }
  return undefined;
});

const imageGlob = checked((glob) =>
  glob === '' || /\s/.test(glob) || glob.length > 512
    ? 'must be an image pattern without spaces, such as `registry.example.com/*` or `busybox:*`.'
    : undefined,
);

const namespaceName = checked((name) =>
  dnsLabelProblem(name, 'A namespace') === undefined
    ? undefined
    : 'is not a namespace name (a DNS-1123 label).',
);

const duration = z.unknown().transform((value, ctx) => {
  const seconds = typeof value === 'string' ? parseDuration(value) : undefined;
  const problem =
    value === undefined || value === null
      ? 'is required.'
      : typeof value === 'number'
        ? 'must be a duration with a unit, such as 30m, 2h or 1d (a bare number could mean seconds or minutes).'
        : seconds === undefined
          ? `must be a duration such as 30m, 2h, 1d or 1h30m, not ${describe(value)}.`
          : seconds > MAX_EXPIRES_AFTER_SECONDS
            ? `is ${formatDuration(seconds)}; a request may stay open at most 30 days (30d).`
            : seconds < MIN_EXPIRES_AFTER_SECONDS
              ? `is ${formatDuration(seconds)}; give approvers at least a minute (1m).`
              : undefined;
  if (problem === undefined && seconds !== undefined) return seconds;
  ctx.addIssue({ code: 'custom', message: problem ?? 'is not a duration.' });
  return z.NEVER;
});

function quantity(resource: 'cpu' | 'memory') {
  const example = resource === 'cpu' ? '4 or 500m' : '8Gi or 512Mi';
  return z.unknown().transform((value, ctx) => {
    const parsed = parseQuantity(value);
    const problem =
      value === undefined || value === null
        ? 'is required.'
        : parsed === undefined
          ? `must be a Kubernetes quantity such as ${example}, not ${describe(value)}.${caseHint(value)}`
          : parsed.num <= 0n
            ? 'must be more than zero.'
            : resource === 'memory' && compareQuantities(parsed, MIN_MEMORY) < 0
              ? `is less than a mebibyte (a bare number counts bytes, and m is a thousandth); did you mean ${String(value).replace(/[a-z]+$/i, '')}Gi?`
              : undefined;
    if (problem === undefined) return String(value);
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });
}

/** Units are case-sensitive (`8gi` is not a quantity, `1M` is a million and `1m` a thousandth). */
function caseHint(value: unknown): string {
  if (typeof value !== 'string') return '';
  const fixed = value.replace(/([kmgtpe])i$/i, (unit) => `${unit[0]!.toUpperCase()}i`);
  return fixed !== value && parseQuantity(fixed) !== undefined ? ` Units are case-sensitive: ${fixed}.` : '';
}

const pattern = checked((source) => {
  if (source.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters.`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, 'g');
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}.`;
  }
  if (compiled.test(''))
    return 'matches empty text, so it would mask nothing useful; make it match the secret itself.';
  return undefined;
});

const principals = mapping({
  users: list(userRef, '[U0ALICE, bob@example.com]').optional(),
  groups: list(groupRef, '[S0PLATFORM, "@platform"]').optional(),
});

const allowances = mapping({
  privileged: z.boolean({ error: typeError('true or false') }).optional(),
  hostPath: z.boolean({ error: typeError('true or false') }).optional(),
  hostNetwork: z.boolean({ error: typeError('true or false') }).optional(),
  hostPID: z.boolean({ error: typeError('true or false') }).optional(),
  hostIPC: z.boolean({ error: typeError('true or false') }).optional(),
});

const cluster = mapping({
  context: text
    .min(1, { error: 'is empty; leave it out to use the cluster name as the context.' })
    .optional(),
  namespaces: list(namespaceName, '[batch]', 'is empty; leave it out to allow every namespace.').optional(),
  channels: list(channelRef, '[C0OPS]', 'is empty; leave it out to allow every channel.').optional(),
  allow: allowances.nullish(),
}).nullable();

const clusters = z
  .record(text.min(1, { error: 'a cluster needs a name.' }), cluster, {
    error: typeError('a mapping of cluster names, such as prod: { namespaces: [batch] }'),
  })
  .nullable()
  .refine((v) => v !== null && Object.keys(v).length > 0, {
    error:
      'names no clusters; leave `clusters` out to let Jobbot use every kubeconfig context, or list them.',
  });

const dispatch = mapping({
  users: list(userRef, '[U0ALICE]', 'is empty; leave it out or name who may dispatch.').optional(),
  groups: list(groupRef, '["@engineering"]', 'is empty; leave it out or name who may dispatch.').optional(),
  channels: list(channelRef, '[C0OPS]', 'is empty; leave it out to allow every channel.').optional(),
})
  .nullable()
  .refine((v) => v !== null && Object.keys(v).length > 0, {
    error:
      'names nobody; leave `dispatch` out to let anyone dispatch these jobs, or name users, groups or channels.',
  });

const approvers = principals.refine((p) => (p.users?.length ?? 0) + (p.groups?.length ?? 0) > 0, {
  error: 'names no one; list the users or groups who may approve.',
});

const approval = mapping({
  approvals: positiveInt.optional(),
  approvers,
  expiresAfter: duration.optional(),
  channel: channelRef.optional(),
}).superRefine((rule, ctx) => {
  const users = rule.approvers.users ?? [];
  const needed = rule.approvals ?? 1;
  // Groups are resolved at approval time, so only a list of people alone can be counted here; an
  // empty list is already reported by `approvers`.
  if ((rule.approvers.groups ?? []).length === 0 && users.length > 0 && users.length < needed) {
    ctx.addIssue({
      code: 'custom',
      path: ['approvals'],
      message:
        `asks for ${needed} approvals but only ${users.length} ${users.length === 1 ? 'person' : 'people'} ` +
        'may approve (and never their own request).',
    });
  }
});

const dispatchPolicy = mapping({
  jobs: jobGlob,
  dispatch: dispatch.optional(),
  approval: approval.optional(),
});

const guardrails = mapping({
  images: list(
    imageGlob,
    '["registry.example.com/*"]',
    'is empty; leave it out to allow every image.',
  ).optional(),
  maxParallelism: positiveInt.optional(),
  maxCompletions: positiveInt.optional(),
  maxActiveDeadlineSeconds: positiveInt.optional(),
  maxCpu: quantity('cpu').optional(),
  maxMemory: quantity('memory').optional(),
});

const secrets = mapping({
  mask: list(pattern, "['ghp_[A-Za-z0-9]{36}']").optional(),
});

export const policyFileSchema = mapping({
  admins: principals.nullish(),
  clusters: clusters.optional(),
  policies: list(dispatchPolicy, '[{ jobs: "*" }]').nullish(),
  guardrails: guardrails.nullish(),
  secrets: secrets.nullish(),
});

export type PolicyFile = z.output<typeof policyFileSchema>;
