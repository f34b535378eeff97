#!/usr/bin/env node
/**
 * `jobbot`, the operator's command line (`npx jobbot …` from the package): import and export job
 * definitions, back up the database, check the audit log, and diagnose a deployment. Each command
 * lives in src/cli/ and is loaded only when it runs, so `jobbot audit verify` does not pay for the
 * Kubernetes and Slack clients.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CliError, type CliIo } from './cli/io.js';
import { USAGE } from './cli/usage.js';

export type { CliIo } from './cli/io.js';

type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  import: async () => (await import('./cli/import.js')).importCommand,
  export: async () => (await import('./cli/export.js')).exportCommand,
  backup: async () => (await import('./cli/backup.js')).backupCommand,
  doctor: async () => (await import('./cli/doctor.js')).doctorCommand,
  'audit verify': async () => (await import('./cli/audit.js')).auditVerify,
  'audit export': async () => (await import('./cli/audit.js')).auditExport,
};

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, sub, ...rest] = args;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(USAGE);
      return 0;
    }
    const two = COMMANDS[`${command} ${sub}`];
    if (two) return await (await two())(rest, io);
    const one = COMMANDS[command];
    if (one) return await (await one())(args.slice(1), io);
    throw new CliError('usage', `unknown command: ${args.join(' ')}\n\n${USAGE}`);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.stderr.write(`jobbot: ${err.message} (${err.code})\n`);
    return 1;
  }
}

/** True when run as a program, also through the npm `bin` symlink. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.stdout.on('error', () => undefined);
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`jobbot: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
