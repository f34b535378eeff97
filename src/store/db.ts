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
  return db;
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
