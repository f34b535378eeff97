/**
 * `jobbot backup FILE`: a consistent copy of the database while Jobbot keeps running, through SQLite's
 * online backup. The copy is made under a temporary name, checked (`PRAGMA integrity_check`), turned
 * into a single self-contained file (rollback journal instead of WAL) and only then named FILE, so
 * FILE is never a half-written backup. An existing FILE is never overwritten.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseCommandArgs } from './args.js';
import { openReadOnly, schemaVersion } from './database.js';
import { CliError, type CliIo, errorText } from './io.js';
import { dbPath } from './settings.js';

// All remaining pages in one step: the copy is then read in one read transaction, a consistent
// snapshot that Jobbot's writes (WAL) neither block nor restart.
const ALL_PAGES = 0x7fffffff;

export async function backupCommand(args: readonly string[], io: CliIo): Promise<number> {
  const a = parseCommandArgs('backup', args, { strings: ['db'], positionals: ['FILE'] });
  const target = path.resolve(io.cwd, a.positional(0)!);
  if (existsSync(target)) {
    throw new CliError(
      'backup_exists',
      `${target} exists already: name a new file, or move the old one away.`,
    );
  }
  if (!existsSync(path.dirname(target))) {
    throw new CliError('not_writable', `the folder ${path.dirname(target)} does not exist: create it first.`);
  }
  const file = dbPath(a.string('db'), io);
  const source = openReadOnly(file);
  const partial = `${target}.partial-${process.pid}`;
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new CliError(
      'backup_failed',
      `could not copy ${file}: ${errorText(err)}. Check free space and try again.`,
    );
  } finally {
    source.close();
  }

  let schema: number;
  try {
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check says: ${String(check)}`);
      schema = schemaVersion(copy);
    } finally {
      copy.close();
    }
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new CliError('backup_failed', `the copy of ${file} is not sound (${errorText(err)}); try again.`);
  }
  const kib = Math.ceil(statSync(target).size / 1024);
  io.stdout.write(`backed up ${file} to ${target} (${kib} KiB, schema ${schema}, integrity ok)\n`);
  return 0;
}
