/**
 * Which dispatches a channel's batch takes: after the threshold within the window, then every later one
 * while they keep coming; a quiet channel starts over with threads. Real SQLite.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BatchRepository } from '../../src/store/batches.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';

const RULES = { threshold: 2, windowMs: 60_000 };
const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

let db: Db;
let batches: BatchRepository;
let definitionId: number;

beforeEach(() => {
  db = openDatabase(':memory:');
  batches = new BatchRepository(db);
  definitionId = bareDefinition(db);
});

function dispatch(channel: string | null, seconds: number): number {
  return channelDispatch(db, { definitionId, channel, at: at(seconds) });
}

const join = (channel: string, seconds: number) =>
  batches.join(dispatch(channel, seconds), channel, at(seconds), RULES);

describe('BatchRepository.join', () => {
  it('gives threads until the channel had the threshold within the window, then one batch', () => {
    expect(join('C1', 0)).toBeUndefined();
    expect(join('C1', 1)).toBeUndefined();
    // Another channel's dispatches do not count.
    expect(join('C2', 1)).toBeUndefined();
    const batch = join('C1', 2);
    expect(batch).toBeDefined();
    expect(join('C1', 3)).toBe(batch);
    // Still joined 50 s after the last join, though the first dispatches left the window.
    expect(join('C1', 53)).toBe(batch);
    expect(batches.members(batch!).map((m) => m.number)).toHaveLength(3);
  });

  it('starts over once the channel was quiet for the window', () => {
    join('C1', 0);
    join('C1', 1);
    const first = join('C1', 2);
    expect(join('C1', 200)).toBeUndefined();
    expect(join('C1', 201)).toBeUndefined();
    const second = join('C1', 202);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('records each member’s change once and reopens a done batch for it', () => {
    join('C1', 0);
    join('C1', 1);
    const batch = join('C1', 2)!;
    const [m] = batches.members(batch);
    expect(batches.record(m!.number, 'running', null, at(3))).toBe(true);
    expect(batches.record(m!.number, 'running', null, at(4))).toBe(false);
    batches.done(batch, at(5));
    expect(batches.active()).toEqual([]);
    expect(batches.record(m!.number, 'succeeded', null, at(6))).toBe(true);
    expect(batches.active().map((b) => b.id)).toEqual([batch]);
    expect(batches.changes(batch, 0).map((c) => c.state)).toEqual(['running', 'succeeded']);
    // Not a member: nothing recorded.
    expect(batches.record(dispatch('C1', 7), 'running', null, at(7))).toBe(false);
  });

  it('adopts a thread dispatch into the channel’s active batch only', () => {
    const early = dispatch('C1', 0);
    expect(batches.adopt(early, 'C1')).toBeUndefined();
    join('C1', 1);
    join('C1', 2);
    const batch = join('C1', 3)!;
    expect(batches.adopt(early, 'C1')).toBe(batch);
    expect(batches.adopt(early, 'C1')).toBe(batch);
    expect(batches.adopt(dispatch('C2', 4), 'C2')).toBeUndefined();
    batches.done(batch, at(5));
    expect(batches.adopt(dispatch('C1', 6), 'C1')).toBeUndefined();
  });
});
