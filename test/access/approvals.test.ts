/**
 * Approvals end to end: a protected job's dispatch is held, approvers decide with the buttons (or
 * `/job approve`), the requester can never approve their own, each approver counts once, and the
 * requester hears of a rejection or an expiry. Every step is in the audit log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type Harness, startHarness } from '../support/harness.js';
import { readDispatch } from '../support/seed.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import { ALICE, BOB, CAROL, DAVE, dmsTo, job, policyYaml, slashAs, writePolicy } from './helpers.js';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobbot-approvals-'));
  h = await startHarness({ env: { JOBBOT_CONFIG: writePolicy(dir, policyYaml()) } });
  h.slack.addUser({ id: DAVE, name: 'dave', realName: 'Dave Approver', email: 'dave@example.com' });
  job(h, 'prod-deploy', 'echo deployed');
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Bob asks for prod-deploy; returns the request number and its message. */
async function request(): Promise<{ id: number; channel: string; ts: string }> {
  const text = await slashAs(h, BOB, 'run prod-deploy --yes');
  const m = /Request #(\d+)/.exec(text);
  if (!m) throw new Error(`not held: ${text}`);
  const id = Number(m[1]);
  const call = await h.slack.waitForCall('chat.postMessage', (c) =>
    String(c.args.text ?? '').startsWith(`Approval requested #${id}:`),
  );
  const res = call.response as { channel: string; ts: string };
  return { id, channel: res.channel, ts: res.ts };
}

async function press(
  user: string,
  action: 'approval_approve' | 'approval_reject',
  at: { channel: string; ts: string },
) {
  const before = h.slack.responses.length;
  await h.driver.clickButton({ actionId: action, source: { channel: at.channel, ts: at.ts }, user });
  return waitFor(
    () =>
      h.slack.responses
        .slice(before)
        .map((r) => JSON.stringify(r.body))
        .find(Boolean),
    5_000,
    `the answer to ${user}'s ${action}`,
  );
}

function auditActions(): string[] {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return (db.prepare('select action from audit_log order by id').all() as { action: string }[]).map(
      (r) => r.action,
    );
  } finally {
    db.close();
  }
}

function message(at: { channel: string; ts: string }) {
  return h.slack.message(at.channel, at.ts)!;
}

describe('approvals', () => {
  it('holds the dispatch until two others approve, each once, never the requester', async () => {
    const at = await request();
    expect(validateMessageBlocks(message(at).blocks as never)).toEqual([]);
    expect(JSON.stringify(message(at).blocks)).toContain('Needs 2 approvals');

    expect(await press(BOB, 'approval_approve', at)).toMatch(/You asked for this dispatch/);
    expect(await press(CAROL, 'approval_approve', at)).toMatch(/1 of 2/);
    expect(await press(CAROL, 'approval_approve', at)).toMatch(/approved request #\d+ already/);
    await waitFor(
      () => JSON.stringify(message(at).blocks).includes('Approved so far by <@U0CAROL001>'),
      5_000,
      'the vote shown',
    );

    expect(await press(DAVE, 'approval_approve', at)).toMatch(/runs as #(\d+)/);
    const text = JSON.stringify(message(at).blocks);
    const n = Number(/dispatched as #(\d+)/.exec(text)?.[1]);
    expect(n).toBeGreaterThan(0);
    const d = readDispatch(h.env.JOBBOT_DB!, n)!;
    expect(d.actor.id).toBe(BOB);
    expect((d.overrides as { approvedBy: { id: string }[] }).approvedBy.map((p) => p.id)).toEqual([
      CAROL,
      DAVE,
    ]);
    // The dispatch's own status message says who approved it.
    await waitFor(
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .some((c) => JSON.stringify(c.args.blocks ?? '').includes(`approved by <@${CAROL}>, <@${DAVE}>`)),
      10_000,
      'the status message naming the approvers',
    );
    await waitFor(() => dmsTo(h, BOB).some((t) => /was approved by/.test(t)), 5_000, 'the requester told');
    // Closed: the buttons are gone, and the command says so.
    expect(await slashAs(h, ALICE, `approve ${at.id}`)).toMatch(/was approved already/);
  });

  it('refuses approvers the rule does not name', async () => {
    const at = await request();
    h.slack.addUser({ id: 'U0EVE00001', name: 'eve' });
    expect(await press('U0EVE00001', 'approval_approve', at)).toMatch(/\(rule: policies\[0\] \(prod-\*\)/);
  });

  it('tells the requester of a rejection, and nothing runs', async () => {
    const at = await request();
    expect(await press(ALICE, 'approval_reject', at)).toMatch(/You rejected request/);
    await waitFor(
      () => JSON.stringify(message(at).blocks).includes('Rejected by <@U0ALICE001>'),
      5_000,
      'shown',
    );
    await waitFor(
      () => dmsTo(h, BOB).some((t) => /rejected your dispatch/.test(t)),
      5_000,
      'the requester told',
    );
    expect(await slashAs(h, CAROL, `approve ${at.id}`)).toMatch(/was rejected/);
  });

  it('expires an open request, tells the requester, and refuses late approvals', async () => {
    const at = await request();
    const db = openDatabase(h.env.JOBBOT_DB!);
    try {
      db.prepare(
        `update approval_requests set expires_at = '2000-01-01T00:00:00.000Z' where state = 'open'`,
      ).run();
    } finally {
      db.close();
    }
    expect(await press(CAROL, 'approval_approve', at)).toMatch(/has expired/);
    await waitFor(() => JSON.stringify(message(at).blocks).includes('Expired with 0 of 2'), 5_000, 'shown');
    await waitFor(
      () => dmsTo(h, BOB).some((t) => /expired with 0 of 2/.test(t)),
      5_000,
      'the requester told',
    );
  });

  it('works as slash commands too, and audits every step', async () => {
    const at = await request();
    expect(await slashAs(h, CAROL, `approve ${at.id}`)).toMatch(/1 of 2/);
    expect(await slashAs(h, BOB, `reject ${at.id}`)).toMatch(/withdrew/);
    expect(await slashAs(h, CAROL, 'approve 9999')).toMatch(/no approval request #9999/);
    const actions = auditActions();
    for (const a of [
      'approval.requested',
      'approval.granted',
      'approval.approved',
      'approval.rejected',
      'approval.expired',
    ])
      expect(actions).toContain(a);
  });
});
