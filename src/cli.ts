#!/usr/bin/env node
/**
 * `jobbot`, the operator's command line: `audit verify` re-checks the audit log's hash chain,
 * `audit export` writes it as JSON Lines for a SIEM. The database is opened read-only (never
 * migrated or written), so both run safely beside a running Jobbot. Exit status: 0 done, 1 could not
 * run, 2 the audit log was tampered with.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, openSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { loadDbPath } from './config.js';
import { exportLine } from './domain/audit.js';
import { AuditRepository } from './store/audit.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** The settings to read JOBBOT_DB from; the process environment when left out. */
  env?: Record<string, string | undefined>;
  cwd: string;
}

const USAGE = `Usage: jobbot <command>

Commands:
  audit verify [--db PATH]
      Check that no audit entry was changed, removed, inserted or re-ordered.
  audit export [--db PATH] [--since ISO-TIME] [--out FILE]
      Write the audit entries (oldest first) as JSON Lines to FILE, or to standard output.
  help
      Show this help.

The database is --db, else JOBBOT_DB, else ./data/jobbot.db; it is only read.
Exit status: 0 done (verify: the log is intact), 1 could not run, 2 the log was tampered with.
`;

class CliError extends Error {}

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, sub, ...rest] = args;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(USAGE);
      return 0;
    }
    if (command === 'audit' && sub === 'verify') return verify(parseFlags(rest, ['db']), io);
    if (command === 'audit' && sub === 'export') {
      return await exportEntries(parseFlags(rest, ['db', 'since', 'out']), io);
    }
    throw new CliError(`unknown command: ${args.join(' ')}\n\n${USAGE}`);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.stderr.write(`jobbot: ${err.message}\n`);
    return 1;
  }
}

/** `--name value` or `--name=value`, only the names given. */
function parseFlags(args: readonly string[], names: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(args[i] ?? '');
    const name = match?.[1];
    if (!match || name === undefined || !names.includes(name)) {
      throw new CliError(`unexpected argument ${args[i]}\n\n${USAGE}`);
    }
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') throw new CliError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

function dbPath(flags: Map<string, string>, io: CliIo): string {
  const given = flags.get('db');
  return given
    ? path.resolve(io.cwd, given)
    : loadDbPath({ ...(io.env ? { env: io.env } : {}), cwd: io.cwd });
}

function openAuditLog(file: string): { repo: AuditRepository; close(): void } {
  if (!existsSync(file)) {
    throw new CliError(`no database at ${file}. Pass --db PATH or set JOBBOT_DB to the file Jobbot uses.`);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'audit_log'").get();
    if (!table) {
      db.close();
      throw new CliError(`${file} has no audit log yet: start this version of Jobbot on it once.`);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { repo: new AuditRepository(db), close: () => db.close() };
}

function verify(flags: Map<string, string>, io: CliIo): number {
  const log = openAuditLog(dbPath(flags, io));
  try {
    const result = log.repo.verify();
    if (!log.repo.guarded()) {
      io.stderr.write(
        'warning: the triggers that keep the audit log append-only have been removed or changed.\n',
      );
    }
    if (!result.ok) {
      io.stdout.write(
        `audit log tampered with: entry #${result.firstBadId}: ${result.reason}.\n` +
          `The ${plural(result.count, 'entry', 'entries')} before it check out.\n`,
      );
      return 2;
    }
    io.stdout.write(`audit log intact: ${plural(result.count, 'entry', 'entries')}\n`);
    // Removing the newest entries leaves a valid, shorter chain; a copy of this hash reveals it.
    if (result.count > 0) io.stdout.write(`last hash: ${result.lastHash}\n`);
    return 0;
  } finally {
    log.close();
  }
}

async function exportEntries(flags: Map<string, string>, io: CliIo): Promise<number> {
  const since = flags.get('since');
  const sinceIso = since === undefined ? undefined : isoTime(since);
  const log = openAuditLog(dbPath(flags, io));
  const outFile = flags.get('out');
  let out = io.stdout;
  if (outFile !== undefined) {
    const file = path.resolve(io.cwd, outFile);
    try {
      // Opened now, so a bad path is reported before anything is read.
      out = createWriteStream('', { fd: openSync(file, 'w') });
    } catch (err) {
      log.close();
      throw new CliError(`cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let count = 0;
  try {
    for (const entry of log.repo.all({ since: sinceIso })) {
      if (out.destroyed) break;
      count += 1;
      if (!out.write(`${exportLine(entry)}\n`)) await once(out, 'drain');
    }
    if (outFile !== undefined) {
      out.end();
      await once(out, 'finish');
      io.stderr.write(`exported ${plural(count, 'entry', 'entries')} to ${outFile}\n`);
    }
  } catch (err) {
    // A closed pipe (`| head`) is the reader having had enough, not a failure.
    if ((err as { code?: string }).code !== 'EPIPE') throw err;
  } finally {
    log.close();
  }
  return 0;
}

function isoTime(text: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new CliError(
      `--since ${text} is not a time; use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`,
    );
  }
  return time.toISOString();
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
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
