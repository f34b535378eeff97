/**
 * The only reader of the environment. Settings come from the process environment and, when present,
 * a `.env` file in the working directory (the environment wins). Everything is validated once, here,
 * so the rest of the code receives a typed, complete `Config` and never looks at `process.env`.
 * A problem becomes a ConfigError whose message names every bad setting and where to get it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { OPEN_POLICY, type Policy, parsePolicy } from './domain/policy/index.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Where the Kubernetes clusters come from: kubeconfig files (merged in order) or the pod's service account. */
export type KubeSource =
  | { kind: 'files'; paths: string[] }
  | { kind: 'in-cluster' }
  | { kind: 'none'; looked: string[] };

export interface Config {
  slack: {
    botToken: string;
    /** Present in HTTP mode; Socket Mode does not need it. */
    signingSecret: string | undefined;
    /** When set, Jobbot connects with Socket Mode and needs no public URL. */
    appToken: string | undefined;
    /** Web API base URL ending in `/`; undefined means Slack's own. */
    apiUrl: string | undefined;
    /**
     * Keep the outboxes' calls within Slack's published rate limits (default). Off only for a Slack
     * stand-in without limits (tests, benchmarks); Retry-After is honoured either way.
     */
    pacing?: boolean;
    /**
     * Busy channels: once `after` dispatches reported in one channel within `windowSeconds`, the next
     * ones are summed up in one batch message there instead of a thread each (0: never).
     */
    batch?: { after: number; windowSeconds: number };
  };
  port: number;
  kube: KubeSource;
  dbPath: string;
  /** The access policy of the JOBBOT_CONFIG file; OPEN_POLICY when no file is configured. */
  policy: Policy;
  filePath: string | undefined;
  command: string;
  logLevel: LogLevel;
  dispatch: {
    /** Bytes kept of each container's log; a longer log keeps its start and end. */
    logCapBytes: number;
    /** Leave failed Jobs in the cluster for debugging instead of deleting them. */
    keepFailedJobs: boolean;
  };
  retention: {
    /** Logs of dispatches that finished longer ago are removed. */
    logDays: number;
    /** Compressed logs beyond this many bytes are removed, oldest dispatch first. */
    logBytes: number;
  };
  /** The pipeline API; optional so hand-built configs (tests, tools) need not name it. */
  api?: {
    /** Requests one API token may send per minute. */
    perMinute: number;
  };
}

const MANIFEST_HINT =
  'the Slack app you created from slack-manifest.yml (see README.md, "Create the Slack app")';

const HELP: Record<string, string> = {
  SLACK_BOT_TOKEN: `the Bot User OAuth Token (starts with xoxb-) under "OAuth & Permissions" of ${MANIFEST_HINT}`,
  SLACK_SIGNING_SECRET: `the Signing Secret under "Basic Information > App Credentials" of ${MANIFEST_HINT}; or set SLACK_APP_TOKEN to use Socket Mode instead`,
  SLACK_APP_TOKEN: `an App-Level Token with the connections:write scope (starts with xapp-) under "Basic Information > App-Level Tokens" of ${MANIFEST_HINT}`,
};

/** Busy channels (README, "Busy channels"): ten a minute is where threads start to lag behind Slack. */
export const SLACK_BATCH_DEFAULTS = { after: 10, windowSeconds: 60 } as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is missing' })
    .trim()
    .min(1, 'is missing')
    .refine((v) => v.startsWith('xoxb-'), 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().trim().min(1, 'is empty').optional(),
  SLACK_APP_TOKEN: z
    .string()
    .trim()
    .refine((v) => v.startsWith('xapp-'), 'must be an app-level token starting with xapp-')
    .optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://slack.com/api/' })
    .transform((v) => (v.endsWith('/') ? v : `${v}/`))
    .optional(),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  KUBECONFIG: z.string().optional(),
  JOBBOT_DB: z.string().trim().min(1, 'is empty').default('./data/jobbot.db'),
  JOBBOT_CONFIG: z.string().trim().min(1, 'is empty').optional(),
  JOBBOT_COMMAND: z
    .string()
    .trim()
    .regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /job (lower case, at most 32 characters)')
    .default('/job'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  JOBBOT_LOG_CAP_BYTES: z.coerce
    .number({ error: 'must be a number of bytes' })
    .int('must be a whole number of bytes')
    .min(4096, 'must be at least 4096')
    .max(64 * 1024 * 1024, 'must be at most 67108864 (64 MiB)')
    .default(1024 * 1024),
  JOBBOT_SLACK_BATCH_AFTER: z.coerce
    .number({ error: 'must be a number of dispatches' })
    .int('must be a whole number of dispatches')
    .min(0, 'must be 0 (never batch) or more')
    .default(SLACK_BATCH_DEFAULTS.after),
  JOBBOT_SLACK_BATCH_WINDOW_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(3600, 'must be at most 3600 (an hour)')
    .default(SLACK_BATCH_DEFAULTS.windowSeconds),
  JOBBOT_API_RATE_PER_MINUTE: z.coerce
    .number({ error: 'must be a number of requests' })
    .int('must be a whole number of requests')
    .min(1, 'must be at least 1')
    .default(60),
  JOBBOT_LOG_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .default(90),
  JOBBOT_LOG_RETENTION_MB: z.coerce
    .number({ error: 'must be a number of megabytes' })
    .int('must be a whole number of megabytes')
    .min(1, 'must be at least 1')
    .default(1024),
  JOBBOT_KEEP_FAILED_JOBS: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  JOBBOT_SLACK_PACING: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
});

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      [
        'Jobbot cannot start because of its settings:',
        ...problems.map((p) => `  - ${p}`),
        'Set them in the environment or in a .env file in the working directory (README.md, "Settings").',
      ].join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** Whether the pod's service account is mounted; injectable for tests. */
  inCluster?: boolean;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function loadConfig(options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = { ...stripEmpty(readDotEnv(cwd)), ...stripEmpty(options.env ?? process.env) };
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      const where = HELP[name] ? ` Get it from ${HELP[name]}.` : '';
      problems.push(`${name} ${issue.message}.${where}`);
    }
  }
  const e = parsed.success ? parsed.data : undefined;
  // Checked on the raw values so that it is reported together with any other problem.
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    problems.push(
      `SLACK_SIGNING_SECRET is missing (needed unless SLACK_APP_TOKEN is set). Get it from ${HELP.SLACK_SIGNING_SECRET}.`,
    );
  }
  let policy: Policy = OPEN_POLICY;
  const filePath = e?.JOBBOT_CONFIG ? path.resolve(cwd, e.JOBBOT_CONFIG) : undefined;
  if (filePath) {
    const result = readPolicy(filePath);
    if (result.ok) policy = result.policy;
    else problems.push(result.message);
  }
  if (problems.length > 0 || !e) throw new ConfigError(problems);

  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      pacing: e.JOBBOT_SLACK_PACING,
      batch: { after: e.JOBBOT_SLACK_BATCH_AFTER, windowSeconds: e.JOBBOT_SLACK_BATCH_WINDOW_SECONDS },
    },
    port: e.PORT,
    kube: kubeSource(
      e.KUBECONFIG,
      cwd,
      options.home ?? homedir(),
      options.inCluster ?? (existsSync(SERVICE_ACCOUNT_TOKEN) && Boolean(env.KUBERNETES_SERVICE_HOST)),
    ),
    dbPath: path.resolve(cwd, e.JOBBOT_DB),
    policy,
    filePath,
    command: e.JOBBOT_COMMAND,
    logLevel: e.LOG_LEVEL,
    dispatch: { logCapBytes: e.JOBBOT_LOG_CAP_BYTES, keepFailedJobs: e.JOBBOT_KEEP_FAILED_JOBS },
    retention: { logDays: e.JOBBOT_LOG_RETENTION_DAYS, logBytes: e.JOBBOT_LOG_RETENTION_MB * 1024 * 1024 },
    api: { perMinute: e.JOBBOT_API_RATE_PER_MINUTE },
  };
}

/**
 * Only the database path, for the `jobbot` command-line tools: they need no Slack tokens, so they do
 * not go through loadConfig, but they read JOBBOT_DB the same way (environment, then .env).
 */
export function loadDbPath(options: Pick<LoadOptions, 'env' | 'cwd'> = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const env = { ...stripEmpty(readDotEnv(cwd)), ...stripEmpty(options.env ?? process.env) };
  return path.resolve(cwd, env.JOBBOT_DB ?? './data/jobbot.db');
}

/** The standard kubeconfig lookup: $KUBECONFIG (a path list), then ~/.kube/config, then in-cluster. */
function kubeSource(
  kubeconfig: string | undefined,
  cwd: string,
  home: string,
  inCluster: boolean,
): KubeSource {
  const listed = (kubeconfig ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((p) => path.resolve(cwd, p));
  if (listed.length > 0) return { kind: 'files', paths: listed };
  const fallback = path.join(home, '.kube', 'config');
  if (existsSync(fallback)) return { kind: 'files', paths: [fallback] };
  if (inCluster) return { kind: 'in-cluster' };
  return { kind: 'none', looked: ['KUBECONFIG', fallback, 'in-cluster service account'] };
}

/**
 * The JOBBOT_CONFIG file's policy, read at start-up and again on SIGHUP. Its format and checks are
 * domain/policy's; here it is only read from disk.
 */
export function readPolicy(filePath: string): { ok: true; policy: Policy } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch {
    return {
      ok: false,
      message: `JOBBOT_CONFIG points to ${filePath}, which cannot be read. Fix the path or unset JOBBOT_CONFIG.`,
    };
  }
  return parsePolicy(text, filePath);
}

function readDotEnv(cwd: string): Record<string, string> {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** An empty variable (`FOO=`) counts as unset, as most people mean by it. */
function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
