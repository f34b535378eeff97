/**
 * Opening Jobbot's database from the command line, beside a running Jobbot. Reading commands open it
 * read-only. Writing commands (import) refuse a database whose schema differs from this build's:
 * migrating it here would change the schema under a running older Jobbot, and writing to a newer one
 * could corrupt it. Neither command ever creates a database, so a wrong JOBBOT_DB is not silently
 * answered with an empty one.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { type Db, openDatabase } from '../store/db.js';
import { migrations } from '../store/migrations/index.js';
import { CliError, errorText } from './io.js';

export const LATEST_SCHEMA = migrations.at(-1)?.id ?? 0;

export function openReadOnly(file: string): Db {
  if (!existsSync(file)) {
    throw new CliError(
      'no_database',
      `no database at ${file}. Pass --db PATH or set JOBBOT_DB to the file Jobbot uses.`,
    );
  }
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new CliError('database_unreadable', `cannot read ${file}: ${errorText(err)}`);
  }
}

/** The schema version (the newest applied migration); 0 for a database Jobbot never started on. */
export function schemaVersion(db: Db): number {
  const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'migrations'").get();
  if (!table) return 0;
  return (db.prepare('select coalesce(max(id), 0) as v from migrations').get() as { v: number }).v;
}

export function openForWriting(file: string): Db {
  const probe = openReadOnly(file);
  let version: number;
  try {
    version = schemaVersion(probe);
  } catch (err) {
    throw new CliError('database_unreadable', `cannot read ${file}: ${errorText(err)}`);
  } finally {
    probe.close();
  }
  if (version !== LATEST_SCHEMA) {
    const fix =
      version < LATEST_SCHEMA
        ? 'start this version of Jobbot on it once (it migrates the database), then run this again'
        : 'use the jobbot command of the Jobbot version that runs on it';
    throw new CliError(
      'schema_mismatch',
      `${file} is at schema ${version}, this jobbot command expects ${LATEST_SCHEMA}: ${fix}.`,
    );
  }
  // Up to date, so openDatabase's migration step changes nothing; it sets the same pragmas as Jobbot.
  return openDatabase(file);
}
