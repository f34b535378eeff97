/**
 * Reading the Dockerfile the way BuildKit does, as far as Jobbot's uses it: line continuations,
 * comments, global ARGs in FROM, stages, and the exec (JSON) form of CMD and HEALTHCHECK. Also the
 * .dockerignore rules, so a test can tell whether a path reaches the build context.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  /** The rest of the line, continuations joined with a space. */
  args: string;
}

export interface Stage {
  name: string | undefined;
  /** The base: an image, or the name of an earlier stage. */
  from: string;
  instructions: Instruction[];
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

export function parseDockerfile(file: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\r?\n(\s*#[^\n]*\n)*/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const expanded = rest.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args[a ?? b] ?? '');
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(expanded) ?? [];
      stages.push({ name, from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=', 2);
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

export function instructions(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

export function copies(stage: Stage): Copy[] {
  return instructions(stage, 'COPY').map((args) => {
    let from: string | undefined;
    const words = args.split(/\s+/).filter((w) => {
      const flag = /^--(\w+)=(.*)$/.exec(w);
      if (flag?.[1] === 'from') from = flag[2];
      return !flag;
    });
    const paths = words[0]?.startsWith('[') ? (JSON.parse(words.join(' ')) as string[]) : words;
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
  });
}

/** `KEY=value` pairs of the stage's ENV instructions (unquoted values, as Jobbot's Dockerfile has). */
export function env(stage: Stage): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const args of instructions(stage, 'ENV'))
    for (const pair of args.split(/\s+/)) {
      const [key = '', value = ''] = pair.split('=', 2);
      vars[key] = value;
    }
  return vars;
}

/** The argument vector of an exec-form instruction such as `CMD ["node", "dist/main.js"]`. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const argv = JSON.parse(json) as unknown;
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string'))
    throw new Error(`not an exec form: ${args}`);
  return argv as string[];
}

/** Whether .dockerignore keeps `path` (relative, with /) out of the build context. */
export function ignoredBy(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*|\*|\?/g, (m) => (m === '**' ? '.*' : m === '*' ? '[^/]*' : '[^/]'));
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  // A rule about a folder applies to everything in it; the last matching rule wins.
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
  return ignored;
}
