/**
 * Migration 10: queueing a status update looks up its thread through the new indexes instead of
 * scanning the whole outbox (BENCHMARKS.md, §3). The statements checked are the ones the repositories
 * really run, recorded as they prepare them.
 */
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { OutboxRepository } from '../../src/store/outbox.js';
import { PipelineRepository } from '../../src/store/pipelines.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';

const at = '2026-03-10T00:00:00.000Z';

let db: Db;

beforeEach(() => {
  db = openDatabase(':memory:');
});

/** The SQL the repositories prepare while `work` runs. */
function statementsOf(work: () => void): string[] {
  const seen: string[] = [];
  const prepare = db.prepare;
  db.prepare = ((sql: string) => {
    seen.push(sql);
    return prepare.call(db, sql);
  }) as typeof db.prepare;
  try {
    work();
  } finally {
    db.prepare = prepare;
  }
  return seen;
}

/** SQLite's plan for `sql`, its parameters left null. */
function plan(sql: string): string {
  const params = Array.from({ length: sql.split('?').length - 1 }, () => null);
  return (db.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join('\n');
}

/** Steps of a plan that read `table` through no index (a scan of the whole table). */
function unindexed(detail: string, table: string): string[] {
  return detail
    .split('\n')
    .filter((step) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(step) && !step.includes(' USING '));
}

function aDispatch(): number {
  return channelDispatch(db, { definitionId: bareDefinition(db), channel: 'C1', at });
}

describe('migration 10: outbox indexes', () => {
  it('adds them to a database at schema 9', () => {
    const old = new Database(':memory:');
    migrate(old, migrations.slice(0, 9));
    expect(migrate(old, migrations.slice(0, 10))).toEqual([10]);
    const names = (
      old.prepare("select name from sqlite_schema where type = 'index'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['outbox_by_dispatch', 'pipeline_outbox_by_run']));
    old.close();
  });

  it("queueing a dispatch's status update reads its thread through outbox_by_dispatch, never the whole table", () => {
    const outbox = new OutboxRepository(db);
    const n = aDispatch();
    outbox.enqueue(n, 'post', { text: 'pending' }, at);
    outbox.enqueue(n, 'reply', { text: 'running' }, at);
    const seen = statementsOf(() => outbox.enqueue(n, 'update', { text: 'running' }, at));
    const lookups = seen.filter((sql) => sql.includes('max(id)'));
    expect(lookups).toHaveLength(1);
    const detail = plan(lookups[0]!);
    expect(detail).toMatch(/SEARCH outbox USING INDEX outbox_by_dispatch \(dispatch_number=\?\)/);
    for (const sql of seen) expect(unindexed(plan(sql), 'outbox'), sql).toEqual([]);
  });

  it("queueing a pipeline run's status update reads its thread through pipeline_outbox_by_run", () => {
    db.exec(`insert into pipelines (id, name, stages, yaml, revision, created_at, updated_at, updated_by_id, updated_by_name)
      values (1, 'ship', '[]', '', 1, '${at}', '${at}', 'U1', 'alice');
      insert into pipeline_runs (id, pipeline_id, pipeline_name, revision, stages, state, actor, created_at)
      values (1, 1, 'ship', 1, '[]', 'running', '{"kind":"slack","id":"U1","name":"alice"}', '${at}');`);
    const store = new PipelineRepository(db);
    store.enqueue(1, 'post', { text: 'pending' }, at);
    const seen = statementsOf(() => store.enqueue(1, 'update', { text: 'running' }, at));
    const lookup = seen.find((sql) => sql.includes('max(id)'))!;
    expect(plan(lookup)).toMatch(/SEARCH pipeline_outbox USING INDEX pipeline_outbox_by_run \(run_id=\?\)/);
    for (const sql of seen) expect(unindexed(plan(sql), 'pipeline_outbox'), sql).toEqual([]);
  });
});
