/**
 * The audit log's pure rules. Glossary:
 * - audit entry: who (actor) did what (action) to what (target, `kind:key`) with which details, when.
 * - canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, scalars as JSON.stringify
 *   writes them (RFC 8785 for the values stored here), so an entry hashes the same whatever order its
 *   keys were built in, and a SIEM can recompute the hash from an exported line.
 * - hash chain: hash = SHA-256 of the canonical {at, actor, action, target, details, prevHash}; the
 *   first entry's prevHash is GENESIS. Changing or removing an entry breaks every later link.
 * - redaction: secret values are replaced before details are hashed and stored (see `redact`).
 */
import { createHash } from 'node:crypto';
import type { Actor } from './actor.js';
import { diffTemplates } from './diff.js';

export const AUDIT_ACTIONS = [
  'definition.created',
  'definition.updated',
  'definition.deleted',
  'dispatch.created',
  'dispatch.cancelled',
  'dispatch.finished',
  'dispatch.rerun',
  'token.created',
  'token.revoked',
  'settings.changed',
  'approval.requested',
  'approval.granted',
  'approval.approved',
  'approval.rejected',
  'approval.expired',
  'approval.failed',
  'access.denied',
  'policy.reloaded',
  'pipeline.created',
  'pipeline.updated',
  'pipeline.run',
  'pipeline.cancelled',
  'pipeline.finished',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditTargetKind =
  | 'definition'
  | 'dispatch'
  | 'token'
  | 'settings'
  | 'approval'
  | 'pipeline'
  | 'pipeline-run';

export function auditTarget(kind: AuditTargetKind, key: string | number): string {
  return `${kind}:${key}`;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AuditDetails = { [key: string]: Json };

export const GENESIS = '0'.repeat(64);
export const REDACTED = '[redacted]';
export const MAX_DETAILS_BYTES = 16 * 1024;
const MAX_CUT = 16;

/** What is hashed. The owner is always present (null for a Slack user) so both actor kinds hash alike. */
export interface AuditContent {
  at: string;
  actor: { kind: string; id: string; name: string; ownerId?: string | null };
  action: string;
  target: string;
  details: AuditDetails;
}

export interface NewAuditEntry extends AuditContent {
  actor: Actor;
  action: AuditAction;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
  prevHash: string;
  hash: string;
}

export function entryHash(prevHash: string, entry: AuditContent): string {
  const { kind, id, name, ownerId } = entry.actor;
  const content = {
    at: entry.at,
    actor: { kind, id, name, ownerId: ownerId ?? null },
    action: entry.action,
    target: entry.target,
    details: entry.details,
    prevHash,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** One exported line: exactly the hashed content plus id and hashes, so a SIEM can re-check the chain. */
export function exportLine(entry: AuditEntry): string {
  const { kind, id, name } = entry.actor;
  const ownerId = entry.actor.kind === 'token' ? (entry.actor.ownerId ?? null) : null;
  const { at, action, target, details, prevHash, hash } = entry;
  return JSON.stringify({
    id: entry.id,
    at,
    actor: { kind, id, name, ownerId },
    action,
    target,
    details,
    prevHash,
    hash,
  });
}

export function canonicalJson(value: unknown): string {
  return serialize(toJson(value) ?? null);
}

function serialize(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialize(value[k] ?? null)}`).join(',')}}`;
}

/** JSON.stringify's view of a value (toJSON, dropped undefined, null for NaN), without its throws. */
export function toJson(value: unknown, ancestors = new Set<object>()): Json | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return toJson(withToJson.toJSON(), ancestors);
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (ancestors.has(value)) return '[circular]';
  ancestors.add(value);
  try {
    if (value instanceof Set || Array.isArray(value))
      return [...value].map((v) => toJson(v, ancestors) ?? null);
    const entries = value instanceof Map ? [...value] : Object.entries(value);
    const out: AuditDetails = {};
    for (const [k, v] of entries) {
      const json = toJson(v, ancestors);
      if (json !== undefined) put(out, String(k), json);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/** Defines instead of assigning, so a key named `__proto__` stays data. */
function put(out: AuditDetails, key: string, value: Json): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

const SECRET_WORD = 'secret|token|password|passwd|apikey|api_key|api-key|credential|private';
const SECRET_KEY = new RegExp(SECRET_WORD, 'i');
// Environment variable and header names are conventionally terser than keys (PGPASS, AWS_ACCESS_KEY).
const SECRET_NAME = new RegExp(
  `${SECRET_KEY.source}|pass|pwd|auth|dsn|cookie|signing|(^|[_.-])key($|[_.-])`,
  'i',
);
/** A command-line flag whose next argument is a secret: `--password x`. */
const SECRET_FLAG = new RegExp(`^--?[\\w.-]*(?:${SECRET_WORD}|pass)[\\w.-]*$`, 'i');
const SECRET_TEXT: [RegExp, string][] = [
  // --password=x, DB_PASSWORD=x, ?access_token=x
  [new RegExp(`([\\w.-]*(?:${SECRET_WORD})[\\w.-]*)=[^\\s&'"]+`, 'gi'), `$1=${REDACTED}`],
  // scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, `$1:${REDACTED}@`],
  [/\bx(?:ox[a-z]|app)-[\w-]+/gi, REDACTED],
  [/\b(authorization:\s*\w+\s+|bearer\s+)[\w~+/.=-]{8,}/gi, `$1${REDACTED}`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
];

/**
 * Kubernetes fields that only name a Secret (never hold its value), kept when they have exactly
 * their Kubernetes shape, so the log shows which Secret a job uses.
 */
const REFERENCES: Record<string, readonly string[]> = {
  secretKeyRef: ['name', 'key', 'optional'],
  secretRef: ['name', 'namespace', 'optional'],
  nodePublishSecretRef: ['name', 'namespace'],
  secret: ['secretName', 'name', 'items', 'defaultMode', 'optional'],
  serviceAccountToken: ['audience', 'expirationSeconds', 'path'],
};

type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isReference(key: string, value: Json): boolean {
  if (key === 'secretName') return typeof value === 'string';
  if (key === 'imagePullSecrets') {
    return (
      Array.isArray(value) && value.every((v) => isObject(v) && Object.keys(v).every((k) => k === 'name'))
    );
  }
  const allowed = REFERENCES[key];
  return allowed !== undefined && isObject(value) && Object.keys(value).every((k) => allowed.includes(k));
}

export interface RedactOptions {
  /** More variable names whose values are secret, e.g. those the definition takes from a Secret. */
  secretEnvNames?: readonly string[];
}

/**
 * Details without secret values:
 * - a key that looks secret (SECRET_KEY) has its value replaced, unless the value is null or a
 *   boolean, or the key is a Kubernetes reference to a Secret (secretKeyRef, secretRef, secret
 *   volumes, imagePullSecrets, …), which holds names only;
 * - a `{name, value}` pair (env var, HTTP header) or an `env` map entry whose name looks secret
 *   (SECRET_NAME), or names a variable that elsewhere in the details comes from a secretKeyRef, has
 *   its value replaced: a one-off override of such a variable is the secret itself;
 * - in any string: the value of a secret-looking `KEY=value` (`--token=x`, `DB_PASSWORD=x`,
 *   `?api_key=x`), URL passwords, Slack tokens, Authorization/Bearer credentials, private keys; in
 *   a list of arguments, the argument after a secret-looking flag (`--password x`).
 * Free text that carries values without their names (e.g. diffTemplates lines) cannot be judged:
 * pass structured values, or `auditChanges` for a change.
 */
export function redact(details: unknown, options: RedactOptions = {}): AuditDetails {
  const json = toJson(details) ?? null;
  const root = isObject(json) ? json : { value: json };
  const names = new Set([...(options.secretEnvNames ?? []), ...secretRefNames(root)]);
  return clean(root, names) as AuditDetails;
}

function clean(value: Json, names: ReadonlySet<string>): Json {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return scrubFlags(value).map((v) => clean(v, names));
  if (!isObject(value)) return value;
  const secretPair = typeof value.name === 'string' && 'value' in value && looksSecretName(value.name, names);
  const out: AuditDetails = {};
  for (const [k, v] of Object.entries(value)) {
    if (secretPair && k === 'value') put(out, k, hide(v));
    else if (isReference(k, v)) put(out, k, clean(v, names));
    else if (SECRET_KEY.test(k)) put(out, k, hide(v));
    else if (k === 'env' && isObject(v)) put(out, k, cleanEnvMap(v, names));
    else put(out, k, clean(v, names));
  }
  return out;
}

function cleanEnvMap(env: JsonObject, names: ReadonlySet<string>): JsonObject {
  const out: AuditDetails = {};
  for (const [k, v] of Object.entries(env))
    put(out, k, looksSecretName(k, names) ? hide(v) : clean(v, names));
  return out;
}

function hide(value: Json): Json {
  return value === null || typeof value === 'boolean' ? value : REDACTED;
}

function looksSecretName(name: string, names: ReadonlySet<string>): boolean {
  return names.has(name) || SECRET_NAME.test(name);
}

function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

function scrubFlags(list: Json[]): Json[] {
  return list.map((v, i) => {
    const previous = list[i - 1];
    return typeof v === 'string' && typeof previous === 'string' && SECRET_FLAG.test(previous) ? REDACTED : v;
  });
}

/** Names of variables that take their value from a Secret. */
function secretRefNames(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) secretRefNames(v, out);
  else if (isObject(value)) {
    const from = value.valueFrom;
    if (typeof value.name === 'string' && isObject(from) && from.secretKeyRef !== undefined)
      out.add(value.name);
    for (const v of Object.values(value)) secretRefNames(v, out);
  }
  return out;
}

/**
 * Details no larger than `max` bytes of canonical JSON: up to MAX_CUT of the largest top-level
 * values are replaced by their size, and `_truncated` says which; if that is not enough (many small
 * values), a prefix of the JSON is kept instead.
 */
export function capDetails(details: AuditDetails, max = MAX_DETAILS_BYTES): AuditDetails {
  const originalBytes = bytes(canonicalJson(details));
  if (originalBytes <= max) return details;
  const out: AuditDetails = { ...details };
  const cut: string[] = [];
  const largest = Object.entries(details)
    .map(([k, v]) => [k, bytes(canonicalJson(v))] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_CUT);
  // Counted as we go rather than re-serialized each time: the details may have thousands of keys.
  let estimate = originalBytes;
  for (const [key, size] of largest) {
    const marker = `[truncated: ${size} bytes]`;
    put(out, key, marker);
    cut.push(key);
    estimate -= size - bytes(JSON.stringify(marker));
    const note = { originalBytes, keys: cut };
    if (estimate + bytes(canonicalJson(note)) + '"_truncated":,'.length > max) continue;
    const capped: AuditDetails = { ...out, _truncated: note };
    if (bytes(canonicalJson(capped)) <= max) return capped;
  }
  // Escaping can double the prefix's size inside a JSON string, hence half.
  const prefix = Buffer.from(canonicalJson(details), 'utf8').subarray(0, Math.floor(max / 2) - 128);
  return { _truncated: { originalBytes }, prefix: prefix.toString('utf8') };
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Redacted, capped details: what is hashed and stored. */
export function auditDetails(details: unknown, options: RedactOptions = {}): AuditDetails {
  return capDetails(redact(details, options));
}

/**
 * What changed between two templates, for a `definition.updated` entry. diffTemplates lines carry
 * values without their variable names, so the diff is taken of redacted copies; a secret that changed
 * (equal once redacted) is still listed, without its value.
 */
export function auditChanges(before: unknown, after: unknown): string[] {
  // The same object: nothing changed, and the comparison below is a burst's largest cost.
  if (before === after) return [];
  const names = [...secretRefNames(toJson(before) ?? null), ...secretRefNames(toJson(after) ?? null)];
  const shown = diffTemplates(
    redact(before, { secretEnvNames: names }),
    redact(after, { secretEnvNames: names }),
  );
  const shownPaths = new Set(shown.map(pathOf));
  const hidden = diffTemplates(before, after)
    .map(pathOf)
    .filter((p): p is string => p !== undefined && !shownPaths.has(p));
  return [...shown, ...hidden.map((p) => `${p}: changed (secret value not shown)`)];
}

function pathOf(line: string): string | undefined {
  const end = line.indexOf(': ');
  return end < 0 ? undefined : line.slice(0, end);
}
