/**
 * How dispatch notifications reach a channel's batch: a member's changes are recorded for the batch's
 * thread, and every status change of a member wakes the batch notifier, whose summary counts it.
 * Real SQLite; the thread notifications behind it are recorded.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { DispatchNotifications } from '../../src/services/dispatches.js';
import { BatchAwareNotifications } from '../../src/slack/batch-notifications.js';
import { BatchRepository } from '../../src/store/batches.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';

let db: Db;
let dispatches: DispatchRepository;
let batches: BatchRepository;
let wakes: number;
let thread: string[];
let notifications: BatchAwareNotifications;
const now = () => new Date().toISOString();

beforeEach(() => {
  db = openDatabase(':memory:');
  dispatches = new DispatchRepository(db);
  batches = new BatchRepository(db);
  wakes = 0;
  thread = [];
  const inner: DispatchNotifications = {
    created: (d) => thread.push(`created #${d.number}`),
    changed: (d) => thread.push(`changed #${d.number}`),
    timeline: (d) => thread.push(`timeline #${d.number}`),
    finished: (d) => thread.push(`finished #${d.number}`),
  };
  notifications = new BatchAwareNotifications(
    inner,
    batches,
    { threshold: 1, windowMs: 60_000 },
    () => wakes++,
    createLogger('silent'),
  );
});

function created(): number {
  const number = channelDispatch(db, { definitionId, channel: 'C1', at: now() });
  notifications.created(dispatches.get(number)!);
  return number;
}

let definitionId: number;
beforeEach(() => {
  definitionId = bareDefinition(db);
});

describe('BatchAwareNotifications', () => {
  it('gives the first dispatch a thread and takes the next into the batch', () => {
    const first = created();
    const second = created();
    expect(thread).toEqual([`created #${first}`]);
    expect(batches.batchOf(second)).toBeDefined();
  });

  it('wakes the batch notifier on a member’s every status change, told or not', () => {
    created();
    const member = created();
    const before = wakes;
    // pending → creating is told nowhere, but the summary counts it.
    notifications.changed(dispatches.update(member, { state: 'creating' }, now()));
    expect(wakes).toBe(before + 1);
    expect(batches.changes(batches.batchOf(member)!, 0)).toEqual([]);
    expect(thread).not.toContain(`changed #${member}`);
  });

  it('tells a failure as soon as Kubernetes reached it, once', () => {
    created();
    const member = created();
    const batch = batches.batchOf(member)!;
    notifications.changed(dispatches.update(member, { state: 'finishing', outcome: 'failed' }, now()));
    notifications.finished(
      dispatches.update(
        member,
        { state: 'failed', outcome: null, verdict: 'Failed: BackoffLimitExceeded' },
        now(),
      ),
      [],
    );
    expect(batches.changes(batch, 0).map((c) => c.state)).toEqual(['failed']);
  });
});
