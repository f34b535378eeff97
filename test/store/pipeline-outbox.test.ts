/**
 * A pipeline run's outbox sends only the latest status: an update takes the place of the status
 * message's pending version, unless that one is being sent (in doubt), and supersedes older pending
 * updates behind a reply.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { PipelineRepository } from '../../src/store/pipelines.js';

const at = '2026-03-10T00:00:00.000Z';
let db: Db;
let store: PipelineRepository;

beforeEach(() => {
  db = openDatabase(':memory:');
  db.exec(`insert into pipelines (id, name, stages, yaml, revision, created_at, updated_at, updated_by_id, updated_by_name)
    values (1, 'ship', '[]', '', 1, '${at}', '${at}', 'U1', 'alice');
    insert into pipeline_runs (id, pipeline_id, pipeline_name, revision, stages, state, actor, channel, created_at)
    values (1, 1, 'ship', 1, '[]', 'running', '{"kind":"slack","id":"U1","name":"alice"}', 'C1', '${at}');`);
  store = new PipelineRepository(db);
});

const rows = () =>
  db
    .prepare(
      `select kind, payload ->> '$.text' as text, delivered_at is not null as delivered, last_error as note
       from pipeline_outbox order by id`,
    )
    .all();

describe('pipeline outbox', () => {
  it('merges an update into the pending post, and supersedes pending updates behind a reply', () => {
    store.enqueue(1, 'post', { text: 'stage 1 of 2' }, at);
    store.enqueue(1, 'update', { text: 'stage 1 done' }, at);
    store.enqueue(1, 'reply', { text: 'stage 2 started' }, at);
    store.enqueue(1, 'update', { text: 'stage 2 running' }, at);
    store.enqueue(1, 'reply', { text: 'job finished' }, at);
    store.enqueue(1, 'update', { text: 'succeeded' }, at);
    expect(rows()).toEqual([
      { kind: 'post', text: 'stage 1 done', delivered: 0, note: null },
      { kind: 'reply', text: 'stage 2 started', delivered: 0, note: null },
      { kind: 'update', text: 'stage 2 running', delivered: 1, note: 'superseded by a later update' },
      { kind: 'reply', text: 'job finished', delivered: 0, note: null },
      { kind: 'update', text: 'succeeded', delivered: 0, note: null },
    ]);
    expect(store.heads(5)[0]).toMatchObject({ kind: 'post', channel: 'C1' });
  });

  it('does not change a post being sent: the newer status follows it', () => {
    store.enqueue(1, 'post', { text: 'stage 1 of 2' }, at);
    const [post] = store.heads(1);
    expect(store.started(post!.id)?.payload.text).toBe('stage 1 of 2');
    store.enqueue(1, 'update', { text: 'stage 1 done' }, at);
    store.delivered(post!.id, at);
    expect(rows()).toEqual([
      { kind: 'post', text: 'stage 1 of 2', delivered: 1, note: null },
      { kind: 'update', text: 'stage 1 done', delivered: 0, note: null },
    ]);
    // Once delivered, a superseded or sent entry is not offered again.
    expect(store.started(post!.id)).toBeUndefined();
  });
});
