import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { installationUid, openDatabase } from '../../src/store/db.js';
import { type Migration, MigrationError, migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';

const two: Migration[] = [
  { id: 1, name: 'a', up: 'create table a (x integer) strict' },
  { id: 2, name: 'b', up: 'create table b (y integer) strict' },
];

describe('migrate', () => {
  it('applies each migration once and records it', () => {
    const db = new Database(':memory:');
    expect(migrate(db, two)).toEqual([1, 2]);
    expect(migrate(db, two)).toEqual([]);
    expect(db.prepare('select id, name from migrations order by id').all()).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('rolls back a failing migration together with its record', () => {
    const db = new Database(':memory:');
    const broken: Migration[] = [
      ...two,
      { id: 3, name: 'c', up: 'create table c (z integer); select * from nope' },
    ];
    expect(() => migrate(db, broken)).toThrow(/no such table: nope/);
    expect(db.prepare('select max(id) as id from migrations').get()).toEqual({ id: 2 });
    expect(db.prepare("select count(*) as n from sqlite_master where name = 'c'").get()).toEqual({ n: 0 });
  });

  it('refuses a database newer than the code', () => {
    const db = new Database(':memory:');
    migrate(db, two);
    expect(() => migrate(db, two.slice(0, 1))).toThrow(MigrationError);
  });

  it('refuses gaps in the numbering', () => {
    expect(() => migrate(new Database(':memory:'), [{ id: 2, name: 'x', up: '' }])).toThrow(/1, 2, 3/);
  });
});

describe('openDatabase', () => {
  it('creates the folder, enables WAL, foreign keys and a busy timeout', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-db-')), 'nested', 'dir', 'jobbot.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.prepare('select count(*) as n from migrations').get()).toEqual({ n: migrations.length });
    db.close();
  });

  it('gives each installation its own random id, kept across restarts', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-db-')), 'jobbot.db');
    const first = openDatabase(file);
    const id = installationUid(first);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    first.close();
    const again = openDatabase(file);
    expect(installationUid(again)).toBe(id);
    again.close();
    const other = openDatabase(':memory:');
    expect(installationUid(other)).not.toBe(id);
    other.close();
  });
});
