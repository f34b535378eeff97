/**
 * Command-line arguments of one command: `--name value`, `--name=value`, `--flag` and positionals,
 * through node's own parseArgs; anything else is a usage error that points at `jobbot help`.
 */
import { parseArgs } from 'node:util';
import { CliError } from './io.js';

export interface ArgSpec {
  strings?: readonly string[];
  booleans?: readonly string[];
  /** The positional arguments, by the names the usage text gives them. */
  positionals?: readonly string[];
  /** How many of the positionals must be given; default all. */
  required?: number;
}

export interface Args {
  string(name: string): string | undefined;
  flag(name: string): boolean;
  positional(index: number): string | undefined;
}

export function parseCommandArgs(command: string, args: readonly string[], spec: ArgSpec): Args {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.strings ?? []) options[name] = { type: 'string' };
  for (const name of spec.booleans ?? []) options[name] = { type: 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    const unknown = /Unknown option '([^']+)'/.exec(err instanceof Error ? err.message : '');
    const what = unknown
      ? `unexpected argument ${unknown[1]}`
      : err instanceof Error
        ? err.message
        : String(err);
    throw usage(command, what);
  }
  const names = spec.positionals ?? [];
  const required = spec.required ?? names.length;
  if (parsed.positionals.length > names.length) {
    throw usage(command, `unexpected argument ${parsed.positionals[names.length]}`);
  }
  if (parsed.positionals.length < required) {
    throw usage(command, `${names[parsed.positionals.length]} is missing`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === '') throw usage(command, `--${name} needs a value`);
  }
  return {
    string: (name) => {
      const v = parsed.values[name];
      return typeof v === 'string' ? v : undefined;
    },
    flag: (name) => parsed.values[name] === true,
    positional: (index) => parsed.positionals[index],
  };
}

function usage(command: string, problem: string): CliError {
  return new CliError('usage', `${command}: ${problem}. See jobbot help.`);
}
