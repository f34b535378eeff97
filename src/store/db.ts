/**
 * Opening the SQLite database. WAL lets readers (history, App Home) proceed while a writer commits;
 * foreign keys are off by default in SQLite and must be switched on per connection; the busy
 * timeout makes a briefly locked database wait instead of failing (e.g. `jobbot audit` running
 * beside the server).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db, migrations);
  cacheStatements(db);
  return db;
}

/**
 * Repositories prepare their SQL at each call; compiling it again each time was the largest cost
 * under load. The connection keeps each compiled statement by its text instead (bounded: queries
 * built with a varying number of parameters must not grow it for ever). Sharing a statement is safe
 * because run, get and all complete before returning; the one iterate() (the audit log's reader) is
 * never run twice at once on a connection.
 */
function cacheStatements(db: Db, max = 500): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= max) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

/** A cheap query that proves the connection is usable, for /readyz. */
export function isDatabaseOpen(db: Db): boolean {
  if (!db.open) return false;
  try {
    db.prepare('select 1').get();
    return true;
  } catch {
    return false;
  }
}

/** This installation's random id (migration 13), put on the Jobs it creates. */
export function installationUid(db: Db): string {
  const row = db.prepare('select uid from instance where id = 1').get() as { uid: string | null } | undefined;
  if (!row?.uid) throw new Error('the database has no installation id: was it migrated?');
  return row.uid;
}
