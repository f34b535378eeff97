/**
 * Access control through every door, against a running Jobbot with a policy file: who may use which
 * slash command, button, modal, App Home, message shortcut and API call, and what a refusal says.
 * People: alice (admin), bob (@devs; may run safe-*), carol (nobody special).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createToken } from '../api/helpers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { ALICE, BOB, CAROL, job, policyYaml, slashAs, writePolicy } from './helpers.js';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobbot-policy-'));
  h = await startHarness({ env: { JOBBOT_CONFIG: writePolicy(dir, policyYaml()) } });
  job(h, 'safe-echo', 'echo safe');
  job(h, 'prod-deploy', 'echo deployed');
  job(h, 'other-job', 'echo other');
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const REFUSED = /\(rule: [^)]+\)/;

describe('slash commands', () => {
  // [who, command, allowed]
  const table: [string, string, string, boolean][] = [
    ['alice', ALICE, 'new', true],
    ['bob', BOB, 'new', false],
    ['carol', CAROL, 'new', false],
    ['alice', ALICE, 'edit safe-echo', true],
    ['bob', BOB, 'edit safe-echo', false],
    ['bob', BOB, 'delete safe-echo', false],
    ['alice', ALICE, 'audit', true],
    ['bob', BOB, 'audit', false],
    ['alice', ALICE, 'token list', true],
    ['carol', CAROL, 'token list', false],
    ['alice', ALICE, 'pipeline new', true],
    ['bob', BOB, 'pipeline new', false],
    ['bob', BOB, 'run safe-echo', true],
    ['alice', ALICE, 'run safe-echo', true],
    ['carol', CAROL, 'run safe-echo', false],
    ['carol', CAROL, 'run prod-deploy', false],
    ['bob', BOB, 'run other-job', false],
    ['alice', ALICE, 'run other-job', true],
    ['carol', CAROL, 'list', true],
    ['carol', CAROL, 'history', true],
  ].map(([who, text, ok]) => [
    who as string,
    who === 'alice' ? ALICE : who === 'bob' ? BOB : CAROL,
    text as string,
    ok as boolean,
  ]);

  it.each(table)('%s (%s): /job %s', async (_who, user, text, allowed) => {
    const answer = await slashAs(h, user, text as string);
    if (allowed) expect(answer).not.toMatch(REFUSED);
    else expect(answer).toMatch(REFUSED);
  });

  it('says which rule refused and whom to ask', async () => {
    expect(await slashAs(h, BOB, 'new')).toMatch(/admins/);
    expect(await slashAs(h, BOB, 'run other-job')).toMatch(/other-job/);
  });

  it('offers in help only what the person may do', async () => {
    const help = async (user: string) =>
      JSON.stringify(
        (await (await h.driver.slashCommand({ command: '/job', text: 'help', user })).answer()).body,
      );
    const alice = await help(ALICE);
    const carol = await help(CAROL);
    for (const sub of ['new', 'audit', 'token', 'run']) expect(alice).toContain(`/job ${sub}`);
    for (const sub of ['/job new', '/job audit', '/job token', '/job run']) expect(carol).not.toContain(sub);
    expect(carol).toContain('/job history');
  });

  it('shows Dispatch and Edit buttons in list and show only to who may use them', async () => {
    const listed = async (user: string) =>
      JSON.stringify(
        (await (await h.driver.slashCommand({ command: '/job', text: 'list', user })).answer()).body,
      );
    expect((await listed(CAROL)).match(/definition_dispatch/g)).toBeNull();
    expect((await listed(BOB)).match(/definition_dispatch/g)).toHaveLength(2); // safe-echo, prod-deploy
    const shown = async (user: string) =>
      JSON.stringify(
        (await (await h.driver.slashCommand({ command: '/job', text: 'show safe-echo', user })).answer())
          .body,
      );
    expect(await shown(BOB)).not.toContain('definition_edit');
    expect(await shown(ALICE)).toContain('definition_edit');
  });
});

describe('buttons, modals, App Home and the message shortcut', () => {
  it('re-checks a button when it is pressed, whoever was shown it', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run safe-echo --yes', user: BOB });
    const n = Number(/#(\d+)/.exec((await res.answer()).text)![1]);
    // The status message is in the channel, where carol sees its Cancel and Re-run buttons too.
    const status = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.args.text ?? '').includes(`#${n}`) && !c.args.thread_ts,
    );
    const ts = (status.response as { ts: string }).ts;
    const channel = (status.response as { channel: string }).channel;
    const before = h.slack.responses.length;
    await h.driver.clickButton({ actionId: 'dispatch_rerun', source: { channel, ts }, user: CAROL });
    await h.slack
      .waitForCall('chat.postMessage', () => h.slack.responses.length > before, 5_000)
      .catch(() => undefined);
    await expect
      .poll(() => JSON.stringify(h.slack.responses.slice(before)), { timeout: 5_000 })
      .toMatch(REFUSED);
    expect(h.slack.openModals(CAROL)).toHaveLength(0);
  });

  it('refuses the message shortcut to non-admins and opens it for admins', async () => {
    const channel = h.slack.defaultChannel;
    const { ts } = h.slack.postUserMessage({
      channel,
      user: BOB,
      text: '```apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: from-chat\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox:1.36\n```',
    });
    const before = h.slack.responses.length;
    await h.driver.messageShortcut({
      callbackId: 'create_job_from_yaml',
      source: { channel, ts },
      user: BOB,
    });
    await expect
      .poll(() => JSON.stringify(h.slack.responses.slice(before)), { timeout: 5_000 })
      .toMatch(REFUSED);
    expect(h.slack.openModals(BOB)).toHaveLength(0);
    await h.driver.messageShortcut({
      callbackId: 'create_job_from_yaml',
      source: { channel, ts },
      user: ALICE,
    });
    await expect.poll(() => h.slack.openModals(ALICE).length, { timeout: 5_000 }).toBe(1);
  });

  it('App Home offers only the jobs the person may dispatch', async () => {
    const home = async (user: string) => {
      const before = h.slack.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
      await h.driver.appHomeOpened(user);
      const call = await h.slack.waitForCall(
        'views.publish',
        (c) =>
          c.args.user_id === user &&
          h.slack.callsTo('views.publish').filter((x) => x.args.user_id === user).length > before,
      );
      return JSON.stringify(call.args.view);
    };
    const bob = await home(BOB);
    expect(bob).toContain('safe-echo');
    expect(bob).not.toContain('other-job');
    expect(await home(CAROL)).not.toContain('definition_dispatch');
  });
});

describe('the HTTP API', () => {
  it('judges the person a pipeline acts for, as Slack would', async () => {
    const token = await createToken(h, 'ci-access');
    const asCarol = await api(h, 'POST', '/api/v1/jobs/safe-echo/dispatches', {
      token,
      body: { onBehalfOf: CAROL },
    });
    expect(asCarol.status).toBe(403);
    expect(asCarol.json.error.message).toMatch(REFUSED);
    const asBob = await api(h, 'POST', '/api/v1/jobs/safe-echo/dispatches', {
      token,
      body: { onBehalfOf: BOB },
    });
    expect(asBob.status).toBe(201);
    const held = await api(h, 'POST', '/api/v1/jobs/prod-deploy/dispatches', {
      token,
      body: { onBehalfOf: BOB },
    });
    expect(held.status).toBe(202);
    expect(held.json).toMatchObject({ status: 'awaiting_approval', approval: { approvals: 2 } });
  });
});
