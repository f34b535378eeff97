/**
 * Reading `/job run NAME key=value … [--yes]` into the overrides of one dispatch. Words arrive split
 * by splitWords, so `args="-wle 'print 1'"` is the one word `args=-wle 'print 1'`; command and args
 * values are then split the same way into their words. Keys are case-insensitive. Every problem is
 * collected, each as one sentence that says what to type instead.
 *
 *   image=REF  command=WORDS  args=WORDS  env.NAME=VALUE  container=NAME
 *   parallelism=N  completions=N  backoffLimit=N  restartPolicy=Never|OnFailure
 *   activeDeadlineSeconds=SECONDS (or deadline=…; 90s, 10m, 1h30m also read)
 *
 * Only the shape of each value is checked here; run validateTemplate on the applied template for the
 * rules that depend on the rest of the Job (completions against parallelism, for instance).
 */
import { splitWords, UnterminatedQuoteError } from '../args.js';
import { closest } from '../closest.js';
import type { JobTemplate } from '../definition/index.js';
import { envNameProblem } from '../definition/names.js';
import type { RestartPolicy, RunOverrides } from './run-overrides.js';

export type ParsedRun =
  | { ok: true; overrides: RunOverrides; flags: { yes: boolean } }
  | { ok: false; errors: string[] };

/** Keys as shown to people; `deadline` is an alias of activeDeadlineSeconds. */
export const OVERRIDE_KEYS = [
  'image',
  'command',
  'args',
  'env.NAME',
  'container',
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'deadline',
  'backoffLimit',
  'restartPolicy',
] as const;

const FLAGS = ['--yes', '-y'];
const RESTART_POLICIES: readonly RestartPolicy[] = ['Never', 'OnFailure'];
const INT32_MAX = 2_147_483_647;

const COUNTS = {
  parallelism: 'how many pods run at once',
  completions: 'how many pods must succeed',
  backoffLimit: 'how many failed pods are retried',
} as const;

export function parseOverrides(words: string[], template: JobTemplate): ParsedRun {
  const overrides: RunOverrides = {};
  const errors: string[] = [];
  const given = new Set<string>();
  const repeated = new Set<string>();
  let yes = false;
  let lastKey: string | undefined;

  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      if (FLAGS.includes(word.toLowerCase())) yes = true;
      else errors.push(notAPair(word, lastKey));
      continue;
    }
    const rawKey = word.slice(0, eq);
    const value = word.slice(eq + 1);
    const key = canonicalKey(rawKey);
    lastKey = key;
    if (key === undefined) {
      errors.push(unknownKey(rawKey));
      continue;
    }
    if (given.has(key)) {
      if (!repeated.has(key)) errors.push(`${key} is given more than once; keep one.`);
      repeated.add(key);
      continue;
    }
    given.add(key);
    const problem = setValue(overrides, key, value, template);
    if (problem !== undefined) errors.push(problem);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, overrides, flags: { yes } };
}

/** The canonical spelling (`env.NAME` keeps the variable's own case), or undefined when unknown. */
function canonicalKey(raw: string): string | undefined {
  const lower = raw.toLowerCase();
  if (lower.startsWith('env.')) return `env.${raw.slice(4)}`;
  if (lower === 'deadline') return 'activeDeadlineSeconds';
  return OVERRIDE_KEYS.find((k) => k.toLowerCase() === lower && k !== 'env.NAME');
}

function setValue(o: RunOverrides, key: string, value: string, template: JobTemplate): string | undefined {
  if (key.startsWith('env.')) {
    const name = key.slice(4);
    if (name === '') return 'env needs a variable name: write env.NAME=value, e.g. env.LOG_LEVEL=debug.';
    const problem = envNameProblem(name, 'Environment variable name');
    if (problem !== undefined) return problem;
    o.env = { ...o.env, [name]: value };
    return undefined;
  }
  switch (key) {
    case 'image':
      if (value.trim() === '' || /\s/.test(value)) {
        return `image needs an image reference without spaces, e.g. image=perl:5.36; got "${value}".`;
      }
      o.image = value;
      return undefined;
    case 'command':
    case 'args': {
      const split = shellWords(value);
      if ('error' in split) return `${key}: ${split.error}`;
      o[key] = split.words;
      return undefined;
    }
    case 'container': {
      const problem = containerProblem(value, template);
      if (problem === undefined) o.container = value;
      return problem;
    }
    case 'parallelism':
    case 'completions':
    case 'backoffLimit': {
      const n = wholeNumber(value);
      if (n === undefined || n > INT32_MAX) {
        return `${key} must be a whole number of 0 or more (${COUNTS[key]}), e.g. ${key}=2; got "${value}".`;
      }
      o[key] = n;
      return undefined;
    }
    case 'activeDeadlineSeconds': {
      const n = seconds(value);
      if (n === undefined || n < 1) {
        return (
          `activeDeadlineSeconds (deadline) must be a number of seconds of at least 1, e.g. deadline=600 ` +
          `or deadline=10m; got "${value}".`
        );
      }
      o.activeDeadlineSeconds = n;
      return undefined;
    }
    case 'restartPolicy': {
      const policy = RESTART_POLICIES.find((p) => p.toLowerCase() === value.toLowerCase());
      if (policy !== undefined) {
        o.restartPolicy = policy;
        return undefined;
      }
      const always = value.toLowerCase() === 'always' ? ' (Always is not allowed for a Job)' : '';
      return `restartPolicy must be Never or OnFailure${always}; got "${value}".`;
    }
  }
  return `${key} cannot be set when dispatching.`;
}

function shellWords(value: string): { words: string[] } | { error: string } {
  try {
    return { words: splitWords(value) };
  } catch (err) {
    if (err instanceof UnterminatedQuoteError) return { error: `a ${err.quote} quote is not closed.` };
    throw err;
  }
}

function containerProblem(name: string, template: JobTemplate): string | undefined {
  const spec = template.spec?.template?.spec;
  const names = (Array.isArray(spec?.containers) ? spec.containers : []).map((c) => c.name);
  if (names.includes(name)) return undefined;
  if (names.length === 0) return 'This definition has no container to apply the values to.';
  const isInit = Array.isArray(spec?.initContainers) && spec.initContainers.some((c) => c.name === name);
  const guess = isInit ? undefined : closest(name, names);
  return (
    (isInit
      ? `"${name}" is an init container; dispatch values apply to the containers: ${names.join(', ')}.`
      : `There is no container "${name}" in this definition; choose one of: ${names.join(', ')}.`) +
    (guess !== undefined ? ` Did you mean container=${guess}?` : '')
  );
}

function wholeNumber(value: string): number | undefined {
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

/** 600, 90s, 10m, 1h30m, 2h: a plain number is seconds. */
function seconds(value: string): number | undefined {
  const plain = wholeNumber(value);
  if (plain !== undefined) return plain;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i.exec(value);
  if (m === null || value === '') return undefined;
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return Number.isSafeInteger(total) ? total : undefined;
}

function unknownKey(raw: string): string {
  if (raw.toLowerCase() === 'env') {
    return 'env needs a variable name: write env.NAME=value, e.g. env.LOG_LEVEL=debug.';
  }
  const candidates = OVERRIDE_KEYS.map((k) => (k === 'env.NAME' ? 'env' : k));
  const lower = candidates.map((k) => k.toLowerCase());
  const guess = closest(raw, lower);
  const shown = guess === undefined ? undefined : OVERRIDE_KEYS[lower.indexOf(guess)];
  return (
    `Unknown setting "${raw}".${shown !== undefined ? ` Did you mean ${shown}?` : ''} ` +
    `Settings: ${OVERRIDE_KEYS.join(', ')}.`
  );
}

function notAPair(word: string, lastKey: string | undefined): string {
  if (word.startsWith('-')) {
    const guess = closest(word.toLowerCase(), FLAGS);
    const hint = guess !== undefined ? ` Did you mean ${guess}?` : ' The only option is --yes.';
    return `Unknown option "${word}".${hint}`;
  }
  const key = canonicalKey(word);
  if (key?.startsWith('env.') && key.length > 4) {
    return `${key} needs a value: write ${key}=VALUE (or ${key}= for an empty value).`;
  }
  if (key !== undefined && !key.startsWith('env.')) return `${word} needs a value: write ${word}=VALUE.`;
  if (lastKey === 'command' || lastKey === 'args') {
    return (
      `"${word}" is not a setting. To give ${lastKey} several words, quote them all: ` +
      `${lastKey}="-wle 'print 1'".`
    );
  }
  return `"${word}" is not a setting; write key=value, e.g. image=perl:5.36 or env.DEBUG=1.`;
}
