/**
 * SIGTERM while dispatches run and Slack is slow: the real process stops gracefully (exit 0, the
 * delivery under way completes, nothing left in doubt), the database is closed cleanly (no WAL left,
 * integrity intact), and what was not yet delivered waits for the next start, which delivers it once.
 */
import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { waitFor } from '../support/wait.js';
import { type ChildWorld, startChildWorld } from './support/child.js';
import {
  auditCounts,
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  readDispatches,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

let w: ChildWorld;
beforeAll(async () => {
  w = await startChildWorld({ speed: 20 });
  w.define(jobYaml('nightly', 'sleep 60; echo nightly done'));
  w.define(jobYaml('quick', 'echo quick done'));
  await w.start();
});
afterAll(async () => {
  await w?.close();
});

describe('SIGTERM during work', () => {
  it('stops gracefully, closes the database cleanly and keeps the outbox for the next start', async () => {
    const long = await run(w.driver, 'run nightly --yes');
    const short = await run(w.driver, 'run quick --yes');
    await waitFor(() => readDispatches(w.db, [long])[0]!.state === 'running', 10_000, 'running');
    // Slack answers slowly: deliveries are under way when the signal comes.
    w.slack.fail('*', { delayMs: 400, times: 50 });
    const third = await run(w.driver, 'run quick --yes');
    await waitFor(() => w.slack.inFlight('chat.postMessage') + w.slack.inFlight('chat.update') > 0, 5_000);

    const signalled = Date.now();
    w.jobbot.child.kill('SIGTERM');
    const exit = await w.jobbot.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(12_000);
    expect(w.jobbot.output()).toContain('"Jobbot stopped"');

    // Closed cleanly: the last connection checkpointed and removed the write-ahead log.
    const wal = `${w.db}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const db = openDatabase(w.db);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // The delivery under way finished; nothing is left not knowing whether Slack has it.
      const doubtful = db
        .prepare('select count(*) as n from outbox where delivered_at is null and in_doubt = 1')
        .get() as { n: number };
      expect(doubtful.n).toBe(0);
    } finally {
      db.close();
    }

    w.slack.clearFaults();
    await w.start();
    const numbers = [long, short, third];
    const done = await untilFinished(w.db, numbers, 20_000);
    await untilDelivered(w.db);
    expect(done.map((d) => d.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const finished = auditCounts(w.db, 'dispatch.finished');
    for (const d of done) {
      expect(finished.get(d.number)).toBe(1);
      expectCleanThread(w.slack, w.db, d);
    }
    await expectNothingLeft(w.kube, done);
  });
});
