/** The audit log across a whole scenario: every action recorded, attributed, chained, without secrets. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const YAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: audited
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", "echo hi; sleep 600"]
        env:
        - name: DB_PASSWORD
          value: hunter2
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

type Ack = { text: string; blocks: unknown[] };

function entries(): { action: string; actor_id: string; target: string; details: string }[] {
  const db = new Database(h.env.JOBBOT_DB!, { readonly: true });
  try {
    return db.prepare('select action, actor_id, target, details from audit_log order by id').all() as never;
  } finally {
    db.close();
  }
}

async function modalSave(text: string, user: string, values: Record<string, string>): Promise<void> {
  const res = await h.driver.slashCommand({ command: '/job', text, user });
  const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
  const viewId = (call.response as { view: { id: string } }).view.id;
  if (text === 'new') {
    await h.driver.selectOption({
      actionId: 'definition_cluster',
      value: E2E.cluster,
      source: { viewId },
      user,
    });
    await h.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
  }
  const sub = await h.driver.submitView({ viewId, user, values });
  expect(sub.ack).toBeUndefined();
}

describe('the audit log', () => {
  it('records each action of a scenario, attributed, in order, with no secret value', async () => {
    await modalSave('new', ALICE, { Namespace: E2E.namespace, YAML });
    await modalSave('edit audited', BOB, { Description: 'now audited' });
    const runRes = await h.driver.slashCommand({
      command: '/job',
      text: 'run audited env.DB_PASSWORD=swordfish --yes',
      user: BOB,
    });
    const n = Number(/#(\d+)/.exec((await runRes.answer()).text)![1]);
    await waitFor(() => entries().some((e) => e.action === 'dispatch.created'), 5000, 'the dispatch entry');
    const cancel = await h.driver.slashCommand({ command: '/job', text: `cancel ${n}`, user: ALICE });
    await h.driver.clickButton({
      actionId: 'dispatch_cancel',
      source: (await cancel.answer()).reply,
      user: ALICE,
    });
    await waitFor(() => entries().some((e) => e.action === 'dispatch.finished'), 20_000, 'the finish entry');
    const del = await h.driver.slashCommand({ command: '/job', text: 'delete audited', user: ALICE });
    await h.driver.clickButton({
      actionId: 'definition_delete_confirm',
      source: (await del.answer()).reply,
      user: ALICE,
    });
    await waitFor(() => entries().some((e) => e.action === 'definition.deleted'), 5000, 'the delete entry');

    const log = entries();
    expect(log.map((e) => [e.action, e.actor_id])).toEqual([
      ['definition.created', ALICE],
      ['definition.updated', BOB],
      ['dispatch.created', BOB],
      ['dispatch.cancelled', ALICE],
      ['dispatch.finished', 'jobbot'],
      ['definition.deleted', ALICE],
    ]);
    expect(log.find((e) => e.action === 'definition.updated')!.details).toContain('now audited');
    const all = JSON.stringify(log);
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('swordfish');
    expect(all).toContain('[redacted]');
  });

  it('shows entries in Slack, filtered by person and job', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: `audit <@${BOB}|bob>` });
    const ack = (await res.answer()).body as Ack;
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    const text = JSON.stringify(ack.blocks);
    expect(text).toContain('definition.updated');
    expect(text).not.toContain('definition.deleted');
    const byJob = await h.driver.slashCommand({ command: '/job', text: 'audit audited 7d' });
    expect(JSON.stringify((await byJob.answer()).body.blocks)).toContain('definition.created');
  });

  it('verifies intact, and detects a tampered row', async () => {
    const ok = await run(process.execPath, [CLI, 'audit', 'verify', '--db', h.env.JOBBOT_DB!]);
    expect(ok.stdout).toMatch(/audit log intact: 6 entries/);
    const db = new Database(h.env.JOBBOT_DB!);
    db.exec('drop trigger audit_log_no_update');
    db.prepare("update audit_log set actor_id = 'U0MALLORY1' where action = 'definition.deleted'").run();
    db.close();
    const bad = await run(process.execPath, [CLI, 'audit', 'verify', '--db', h.env.JOBBOT_DB!]).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect(`${(bad as { stdout: string }).stdout}${(bad as { stderr: string }).stderr}`).toMatch(/#6/);
  });
});
