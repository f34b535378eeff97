/**
 * `jobbot backup FILE` while Jobbot runs and writes: the app keeps dispatching (dispatch rows, audit
 * entries, outbox messages) before, during and after the backup. The copy is one self-contained file
 * that opens, passes `PRAGMA integrity_check` and `jobbot audit verify`, holds a consistent moment
 * between the two ends of the backup, and brings Jobbot back when restored.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { E2E, emulatorOnly } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob, seedDispatches } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import { CLI_TESTS, piJob, runJobbot } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

function counts(file: string): { dispatches: number; audit: number } {
  const db = new Database(file, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      dispatches: one('select count(*) as n from dispatches'),
      audit: one('select count(*) as n from audit_log'),
    };
  } finally {
    db.close();
  }
}

emulatorOnly.describe('jobbot backup while Jobbot runs', CLI_TESTS, () => {
  it('copies a consistent, verifiable database while the app writes', async () => {
    const dbFile = h.env.JOBBOT_DB!;
    // Enough history that the copy takes a while, written through a second connection; marked
    // finished, so that the restarted app has nothing of it to resume.
    const seeding = openDatabase(dbFile);
    seedDispatches(seeding, 20_000, [h.slack.defaultUser]);
    seeding.prepare("update dispatches set state = 'succeeded' where state = 'running'").run();
    seeding.close();
    defineJob(
      dbFile,
      piJob('calc'),
      { cluster: E2E.cluster, namespace: E2E.namespace },
      {
        kind: 'slack',
        id: h.slack.defaultUser,
        name: 'tester',
      },
    );

    let writing = true;
    let dispatched = 0;
    const writer = (async () => {
      while (writing) {
        const res = await h.driver.slashCommand({ command: '/job', text: 'run calc --yes' });
        expect((await res.answer()).text).toMatch(/^Dispatched calc #\d+/);
        dispatched += 1;
      }
    })();
    await waitFor(() => dispatched >= 2, 15_000, 'the app to dispatch');

    const before = counts(dbFile);
    const target = path.join(h.dir, 'backup.db');
    const run = await runJobbot(['backup', target], h.env, h.dir);
    const after = counts(dbFile);
    const during = dispatched;
    await waitFor(() => dispatched > during, 15_000, 'the app to go on dispatching');
    writing = false;
    await writer;

    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      /^backed up .*jobbot\.db to .*backup\.db \(\d+ KiB, schema \d+, integrity ok\)\n$/,
    );
    expect(run.code).toBe(0);
    // The app wrote while the backup ran.
    expect(after.dispatches).toBeGreaterThan(before.dispatches);

    // One self-contained file in rollback-journal mode, sound, with a moment between both ends.
    expect(existsSync(`${target}-wal`)).toBe(false);
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    const saved = counts(target);
    expect(saved.dispatches).toBeGreaterThanOrEqual(before.dispatches);
    expect(saved.dispatches).toBeLessThanOrEqual(after.dispatches);

    const verify = await runJobbot(['audit', 'verify', '--db', target], {}, h.dir);
    expect(verify.stdout).toMatch(new RegExp(`^audit log intact: ${saved.audit} entries\\n`));
    expect(verify.code).toBe(0);

    // An existing file is never overwritten.
    const again = await runJobbot(['backup', target], h.env, h.dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /backup\.db exists already: name a new file, or move the old one away\. \(backup_exists\)/,
    );
    expect(counts(target)).toEqual(saved);
  });

  it('restores: the backup in place of the database brings the same jobs and history back', async () => {
    const target = path.join(h.dir, 'backup.db');
    const saved = counts(target);
    await h.app.stop();
    const dbFile = h.env.JOBBOT_DB!;
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbFile}${suffix}`, { force: true });
    copyFileSync(target, dbFile);
    await h.restart();
    expect(counts(dbFile).dispatches).toBe(saved.dispatches);
    const list = await h.driver.slashCommand({ command: '/job', text: 'list' });
    expect(JSON.stringify((await list.answer()).body.blocks)).toContain('*calc*');
    expect(readFileSync(dbFile).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
