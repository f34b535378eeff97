/**
 * Numbered migrations. Glossary:
 * - migration: one schema change, identified by a strictly increasing `id`; never edited once released
 *   (a fix is a new migration).
 * - migrations table: the record of which ids were applied and when.
 * Each migration runs inside its own transaction together with its record, so a crash leaves the
 * database either before or after it, never half-way. A database newer than this build is refused,
 * because running old code on a newer schema could corrupt it.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  id: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function migrate(db: Database.Database, migrations: readonly Migration[]): number[] {
  assertOrdered(migrations);
  db.exec(`create table if not exists migrations (
    id integer primary key,
    name text not null,
    applied_at text not null
  ) strict`);
  const applied = new Set(
    (db.prepare('select id from migrations').all() as { id: number }[]).map((r) => r.id),
  );
  const latestKnown = migrations.at(-1)?.id ?? 0;
  const newest = Math.max(0, ...applied);
  if (newest > latestKnown) {
    throw new MigrationError(
      `The database is at schema ${newest} but this Jobbot knows only up to ${latestKnown}: run a newer Jobbot or restore a backup.`,
    );
  }
  const record = db.prepare('insert into migrations (id, name, applied_at) values (?, ?, ?)');
  const ran: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.id, m.name, new Date().toISOString());
    }).immediate();
    ran.push(m.id);
  }
  return ran;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.id !== i + 1)
      throw new MigrationError(`Migration ids must be 1, 2, 3, …; found ${m.id} at position ${i + 1}`);
  });
}
