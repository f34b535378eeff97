/**
 * What an emulated container does, chosen by the test or derived from its image and command.
 *
 * Glossary:
 * - step: one action of a container's script: sleep, print lines, or exit with a code.
 * - behaviour: a script plus how the container starts (image pull outcome, startup time) and
 *   how it reacts to SIGTERM.
 * - attempt: the 0-based count of earlier starts of the same container in the same Job (new pods
 *   with restartPolicy Never, in-place restarts with OnFailure). A list of behaviours is indexed
 *   by attempt, the last one repeating, so "fail twice then succeed" is `[fail(), fail(), succeed()]`.
 *
 * All durations are emulated seconds.
 */

import type { GenerateStep } from './generated-log.js';
import type { Container } from './types.js';

export type Step =
  | { kind: 'sleep'; seconds: number }
  | { kind: 'print'; lines: string[] }
  | { kind: 'exit'; code: number; reason?: string }
  // A log too large to keep (benchmarks): see generated-log.ts.
  | GenerateStep;

export interface Behaviour {
  steps: Step[];
  /** Image pull + container creation time before the container runs; default 1. */
  startupSeconds?: number;
  /** When set the image never pulls: the container waits with this reason (and ImagePullBackOff). */
  pullError?: 'ErrImagePull' | 'InvalidImageName';
  /** Time to exit after SIGTERM; past the pod's grace period the container is killed (137). */
  terminationSeconds?: number;
}

export interface AttemptContext {
  namespace: string;
  job: string | undefined;
  pod: string;
  container: string;
  image: string;
  attempt: number;
}

export type BehaviourInput = Behaviour | Behaviour[] | ((ctx: AttemptContext) => Behaviour);

export interface BehaviourMatcher {
  job?: string | RegExp;
  container?: string | RegExp;
  image?: string | RegExp;
  namespace?: string;
}

type StepInput = Step | Step[];

function flatten(steps: StepInput[]): Step[] {
  return steps.flatMap((s) => (Array.isArray(s) ? s : [s]));
}

function splitLines(text: string | string[]): string[] {
  const joined = Array.isArray(text) ? text.join('\n') : text;
  const lines = joined.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Builders for steps and behaviours; compose steps with `script(...)`. */
export const behaviours = {
  sleep: (seconds: number): Step => ({ kind: 'sleep', seconds }),
  print: (text: string | string[]): Step => ({ kind: 'print', lines: splitLines(text) }),
  /** `count` lines `${prefix}1`..; with `intervalSeconds` a sleep comes before each line. */
  printLines: (count: number, opts: { prefix?: string; intervalSeconds?: number } = {}): Step[] => {
    const prefix = opts.prefix ?? 'line ';
    const out: Step[] = [];
    for (let i = 1; i <= count; i++) {
      if (opts.intervalSeconds) out.push({ kind: 'sleep', seconds: opts.intervalSeconds });
      out.push({ kind: 'print', lines: [`${prefix}${i}`] });
    }
    return opts.intervalSeconds
      ? out
      : [{ kind: 'print', lines: out.flatMap((s) => (s.kind === 'print' ? s.lines : [])) }];
  },
  /** Exactly `count` bytes of output (newlines included), in lines of at most 80 bytes. */
  printBytes: (count: number): Step => {
    const lines: string[] = [];
    let left = count;
    let n = 0;
    while (left > 0) {
      const size = Math.min(80, left);
      const body = `${n++}:`.padEnd(size - 1, 'x').slice(0, Math.max(0, size - 1));
      lines.push(body);
      left -= body.length + 1;
    }
    return { kind: 'print', lines };
  },
  exit: (code: number, reason?: string): Step =>
    reason ? { kind: 'exit', code, reason } : { kind: 'exit', code },
  script: (...steps: StepInput[]): Behaviour => ({ steps: flatten(steps) }),
  succeed: (afterSeconds = 1): Behaviour => ({
    steps: [
      { kind: 'sleep', seconds: afterSeconds },
      { kind: 'exit', code: 0 },
    ],
  }),
  fail: (code = 1, afterSeconds = 1): Behaviour => ({
    steps: [
      { kind: 'sleep', seconds: afterSeconds },
      { kind: 'exit', code },
    ],
  }),
  /** Same container script as `fail`; with restartPolicy OnFailure the kubelet crash-loops it. */
  crashLoop: (code = 1, afterSeconds = 1): Behaviour => ({
    steps: [
      { kind: 'sleep', seconds: afterSeconds },
      { kind: 'exit', code },
    ],
  }),
  oomKill: (afterSeconds = 1): Behaviour => ({
    steps: [
      { kind: 'sleep', seconds: afterSeconds },
      { kind: 'exit', code: 137, reason: 'OOMKilled' },
    ],
  }),
  imagePullError: (reason: 'ErrImagePull' | 'InvalidImageName' = 'ErrImagePull'): Behaviour => ({
    steps: [],
    pullError: reason,
  }),
  /** Runs until killed: for deadline, suspend and deletion tests. */
  runForever: (): Behaviour => ({ steps: [{ kind: 'sleep', seconds: Number.POSITIVE_INFINITY }] }),
};

function matches(pattern: string | RegExp | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (value === undefined) return false;
  return typeof pattern === 'string' ? pattern === value : pattern.test(value);
}

export class BehaviourRegistry {
  private rules: { matcher: BehaviourMatcher; input: BehaviourInput }[] = [];

  add(matcher: BehaviourMatcher, input: BehaviourInput): void {
    this.rules.unshift({ matcher, input });
  }

  clear(): void {
    this.rules = [];
  }

  resolve(ctx: AttemptContext, container: Container): Behaviour {
    const rule = this.rules.find(
      ({ matcher }) =>
        matches(matcher.job, ctx.job) &&
        matches(matcher.container, ctx.container) &&
        matches(matcher.image, ctx.image) &&
        (matcher.namespace === undefined || matcher.namespace === ctx.namespace),
    );
    if (!rule) return inferBehaviour(container);
    const { input } = rule;
    if (typeof input === 'function') return input(ctx);
    if (Array.isArray(input))
      return input[Math.min(ctx.attempt, input.length - 1)] ?? inferBehaviour(container);
    return input;
  }
}

let piCache: { digits: number; text: string } | undefined;

/** `digits` significant digits of pi, rounded, as Perl's `print bpi(digits)` prints them. */
export function piDigits(digits: number): string {
  if (piCache?.digits === digits) return piCache.text;
  const scale = 10n ** BigInt(digits + 10);
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = scale / x;
    const x2 = x * x;
    for (let n = 1n, sign = 1n; term !== 0n; n += 2n, sign = -sign) {
      sum += (sign * term) / n;
      term /= x2;
    }
    return sum;
  };
  const scaled = (16n * arctanInv(5n) - 4n * arctanInv(239n)).toString();
  let head = BigInt(scaled.slice(0, digits));
  if (Number(scaled[digits]) >= 5) head += 1n;
  const h = head.toString();
  const text = digits === 1 ? h : `${h[0]}.${h.slice(1)}`;
  piCache = { digits, text };
  return text;
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}

/** Understands the few shell statements job manifests use: echo, sleep, exit, true, false. */
function shellSteps(script: string): Step[] {
  const steps: Step[] = [];
  for (const raw of script.split(/;|&&|\n/)) {
    const stmt = raw.trim();
    if (!stmt) continue;
    const [cmd, ...rest] = stmt.split(/\s+/);
    if (cmd === 'echo') steps.push({ kind: 'print', lines: [unquote(rest.join(' '))] });
    else if (cmd === 'sleep') steps.push({ kind: 'sleep', seconds: Number.parseFloat(rest[0] ?? '0') || 0 });
    else if (cmd === 'exit') {
      steps.push({ kind: 'exit', code: Number.parseInt(rest[0] ?? '0', 10) || 0 });
      return steps;
    } else if (cmd === 'false') {
      steps.push({ kind: 'exit', code: 1 });
      return steps;
    }
  }
  return steps;
}

/** The behaviour of a container nobody configured, read from its command line. */
export function inferBehaviour(container: Container): Behaviour {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const line = argv.join(' ');
  const bpi = /bpi\((\d+)\)/.exec(line);
  if (bpi) {
    // The docs' pi Job: a few seconds of computation, then one line of digits.
    return behaviours.script(
      behaviours.sleep(5),
      behaviours.print(piDigits(Number(bpi[1]))),
      behaviours.exit(0),
    );
  }
  const first = argv[0]?.split('/').pop();
  let steps: Step[] = [{ kind: 'sleep', seconds: 1 }];
  if ((first === 'sh' || first === 'bash' || first === 'ash') && argv.includes('-c')) {
    steps = shellSteps(argv[argv.indexOf('-c') + 1] ?? '');
  } else if (first === 'sleep' || first === 'echo' || first === 'true' || first === 'false') {
    steps = shellSteps(argv.join(' '));
  }
  if (!steps.some((s) => s.kind === 'exit')) steps.push({ kind: 'exit', code: 0 });
  return { steps };
}
