/**
 * Overrides as people read them: `formatOverrides` for a dispatch's summary ("image=perl:5.36,
 * parallelism=2, env.FOO=bar"), `formatOverrideWords` for a `/job run` line that parseOverrides reads
 * back to the same values, and `overridesAgainst` for history: what each value was in the definition
 * and what this dispatch made it.
 */
import type { Container, EnvVar, JobTemplate } from '../definition/index.js';
import type { RunOverrides } from './run-overrides.js';

export interface OverrideChange {
  /** The override key, e.g. image, env.FOO, parallelism. */
  key: string;
  /** The container it changed, for image, command, args and env. */
  container?: string;
  before: string;
  after: string;
  /** One line: `image (container pi): perl:5.34.0 → perl:5.36`. */
  text: string;
}

/** Job fields in display order, with what Kubernetes does when the definition leaves them out. */
const SPEC_FIELDS = [
  ['parallelism', 'default 1'],
  ['completions', 'not set'],
  ['activeDeadlineSeconds', 'no limit'],
  ['backoffLimit', 'default 6'],
] as const;

export function formatOverrides(overrides: RunOverrides): string {
  return pairs(overrides).join(', ');
}

export function formatOverrideWords(overrides: RunOverrides): string {
  return pairs(overrides).join(' ');
}

/** `key=value` items, each one word as splitWords reads it. */
function pairs(o: RunOverrides): string[] {
  const out: string[] = [];
  if (o.container !== undefined) out.push(`container=${quoteWord(o.container)}`);
  if (o.image !== undefined) out.push(`image=${quoteWord(o.image)}`);
  if (o.command !== undefined) out.push(`command=${quoteWord(joinWords(o.command))}`);
  if (o.args !== undefined) out.push(`args=${quoteWord(joinWords(o.args))}`);
  for (const [field] of SPEC_FIELDS) if (o[field] !== undefined) out.push(`${field}=${o[field]}`);
  if (o.restartPolicy !== undefined) out.push(`restartPolicy=${o.restartPolicy}`);
  for (const [name, value] of Object.entries(o.env ?? {})) out.push(`env.${name}=${quoteWord(value)}`);
  return out;
}

/** What this dispatch changed against the definition; values set to what they already were are left out. */
export function overridesAgainst(template: JobTemplate, overrides: RunOverrides): OverrideChange[] {
  const changes: OverrideChange[] = [];
  const add = (key: string, before: string, after: string, container?: string) => {
    if (before === after) return;
    const where = container === undefined ? '' : ` (container ${container})`;
    changes.push({
      key,
      ...(container === undefined ? {} : { container }),
      before,
      after,
      text: `${key}${where}: ${before} → ${after}`,
    });
  };

  const spec = template.spec;
  const podSpec = spec?.template?.spec;
  const containers = Array.isArray(podSpec?.containers) ? podSpec.containers : [];
  const target: Container | undefined =
    overrides.container === undefined
      ? containers[0]
      : containers.find((c) => c.name === overrides.container);
  const name = target?.name ?? overrides.container;

  if (overrides.image !== undefined) add('image', target?.image ?? 'not set', overrides.image, name);
  for (const field of ['command', 'args'] as const) {
    const value = overrides[field];
    if (value === undefined) continue;
    const was = target?.[field];
    add(
      field,
      Array.isArray(was) && was.length > 0 ? joinWords(was) : 'not set',
      joinWords(value) || 'not set',
      name,
    );
  }
  for (const [field, unset] of SPEC_FIELDS) {
    const value = overrides[field];
    if (value !== undefined)
      add(field, spec?.[field] === undefined ? unset : String(spec[field]), String(value));
  }
  if (overrides.restartPolicy !== undefined) {
    add('restartPolicy', podSpec?.restartPolicy ?? 'not set', overrides.restartPolicy);
  }
  const env = Array.isArray(target?.env) ? target.env : [];
  for (const [variable, value] of Object.entries(overrides.env ?? {})) {
    add(`env.${variable}`, envValue(env.find((v) => v.name === variable)), JSON.stringify(value), name);
  }
  return changes;
}

function envValue(v: EnvVar | undefined): string {
  if (v === undefined) return 'not set';
  const from = v.valueFrom;
  if (from?.secretKeyRef) return `secret ${from.secretKeyRef.name}/${from.secretKeyRef.key}`;
  if (from?.configMapKeyRef) return `configMap ${from.configMapKeyRef.name}/${from.configMapKeyRef.key}`;
  if (from?.fieldRef) return `field ${from.fieldRef.fieldPath}`;
  if (from?.resourceFieldRef) return `resource ${from.resourceFieldRef.resource}`;
  return JSON.stringify(v.value ?? '');
}

/** Words as a shell line: single quotes around any word that needs them. */
function joinWords(words: readonly string[]): string {
  return words.map((w) => (/^[^\s'"“”‘’\\]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** A value as one word for splitWords: bare when safe, double quotes when possible, else escapes. */
function quoteWord(value: string): string {
  if (/^[^\s'"“”‘’\\,]+$/.test(value)) return value;
  if (!/["“”]/.test(value)) return `"${value}"`;
  return value.replace(/[\s'"“”‘’\\,]/g, (ch) => `\\${ch}`);
}
