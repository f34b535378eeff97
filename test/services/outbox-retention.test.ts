/**
 * The hourly retention deletes delivered outbox rows (both outboxes) after OUTBOX_KEEP_DAYS, in
 * batches, and never a row still needed: pending, in doubt, or the newest (whose id must not be
 * handed out again). Queueing keeps working on a pruned thread.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { LogRetention, OUTBOX_KEEP_DAYS } from '../../src/services/retention.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { OutboxRepository } from '../../src/store/outbox.js';
import { PipelineRepository } from '../../src/store/pipelines.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';

const NOW = new Date('2026-03-10T00:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const OLD = daysAgo(OUTBOX_KEEP_DAYS + 2);
const RECENT = daysAgo(OUTBOX_KEEP_DAYS - 1);

let db: Db;
let outbox: OutboxRepository;
let pipelines: PipelineRepository;
let batches: number[];
let retention: LogRetention;

beforeEach(() => {
  db = openDatabase(':memory:');
  outbox = new OutboxRepository(db);
  pipelines = new PipelineRepository(db);
  batches = [];
  retention = new LogRetention(
    {
      pruneLogs: () => [],
      pruneDelivered: (before, limit) => {
        const n = outbox.pruneDelivered(before, limit) + pipelines.pruneDelivered(before, limit);
        batches.push(n);
        return n;
      },
    },
    { logDays: 90, logBytes: 1 << 30 },
    createLogger('silent'),
    undefined,
    () => NOW,
  );
});

let definitionId: number | undefined;
function aDispatch(): number {
  definitionId ??= bareDefinition(db);
  return channelDispatch(db, { definitionId, channel: 'C1', at: OLD });
}

function queue(n: number, kind: 'post' | 'reply' | 'update', deliveredAt?: string): number {
  const id = outbox.enqueue(n, kind, { text: `${kind} of #${n}` }, OLD);
  if (deliveredAt) outbox.delivered(id, deliveredAt);
  return id;
}

const outboxIds = () =>
  (db.prepare('select id from outbox order by id').all() as { id: number }[]).map((r) => r.id);

describe('outbox retention', () => {
  beforeEach(() => {
    definitionId = undefined;
  });

  it('deletes delivered rows after the kept days, in batches, and nothing pending or in doubt', async () => {
    const done = aDispatch();
    const old = Array.from({ length: 2_500 }, () => queue(done, 'reply', OLD));
    const recent = queue(done, 'reply', RECENT);
    const waiting = aDispatch();
    const pending = queue(waiting, 'post');
    const inDoubt = queue(waiting, 'reply');
    outbox.started(inDoubt);
    const newest = queue(aDispatch(), 'post', OLD);
    db.exec(`insert into pipelines (id, name, stages, yaml, revision, created_at, updated_at, updated_by_id, updated_by_name)
      values (1, 'ship', '[]', '', 1, '${OLD}', '${OLD}', 'U1', 'alice');
      insert into pipeline_runs (id, pipeline_id, pipeline_name, revision, stages, state, actor, created_at)
      values (1, 1, 'ship', 1, '[]', 'running', '{"kind":"slack","id":"U1","name":"alice"}', '${OLD}');`);
    pipelines.enqueue(1, 'post', { text: 'run' }, OLD);
    pipelines.enqueue(1, 'reply', { text: 'stage 1' }, OLD);
    pipelines.enqueue(1, 'reply', { text: 'stage 2' }, OLD);
    const [runPost] = pipelines.heads(1);
    pipelines.delivered(runPost!.id, OLD);

    expect(await retention.pruneOutbox()).toBe(old.length + 1);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(outboxIds()).toEqual([recent, pending, inDoubt, newest]);
    expect(db.prepare('select count(*) as n from pipeline_outbox').get()).toEqual({ n: 2 });
    // Delivery goes on where it was: the thread's head and its doubt are intact.
    expect(outbox.heads(10).map((e) => [e.id, e.inDoubt])).toEqual([[pending, false]]);
    expect(outbox.started(inDoubt)?.inDoubt).toBe(true);
    expect(await retention.pruneOutbox()).toBe(0);
  });

  it('keeps queueing right on a thread whose delivered rows went: updates merge and supersede as before', async () => {
    const n = aDispatch();
    queue(n, 'post', OLD);
    queue(n, 'reply', OLD);
    const update = queue(n, 'update');
    queue(aDispatch(), 'post', OLD);
    expect(await retention.pruneOutbox()).toBe(2);
    // Nothing queued after the pending update: a newer one takes its place.
    expect(outbox.enqueue(n, 'update', { text: 'newer' }, NOW.toISOString())).toBe(update);
    // Behind a reply, a newer update gets its own row and the pending one is superseded.
    const reply = outbox.enqueue(n, 'reply', { text: 'done' }, NOW.toISOString());
    const last = outbox.enqueue(n, 'update', { text: 'newest' }, NOW.toISOString());
    expect(last).toBeGreaterThan(reply);
    const rows = db
      .prepare(
        'select id, delivered_at is null as pending, last_error from outbox where dispatch_number = ? order by id',
      )
      .all(n);
    expect(rows).toEqual([
      { id: update, pending: 0, last_error: 'superseded by a later update' },
      { id: reply, pending: 1, last_error: null },
      { id: last, pending: 1, last_error: null },
    ]);
  });
});
