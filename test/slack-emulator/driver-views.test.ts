// Modal life cycle details through a Bolt HTTP app: response_action update/push/clear applied to the
// emulator's stack, view_closed only with notify_on_close, acks Slack would refuse, buttons in
// ephemeral replies, external select suggestions and Events API retries.

import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDriver } from '../support/slack/driver.js';
import { eventually } from '../support/slack/eventually.js';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const step = (n: number, extra: Record<string, unknown> = {}) => ({
  type: 'modal' as const,
  callback_id: `step${n}`,
  title: plain(`Step ${n}`),
  submit: plain('Next'),
  notify_on_close: n === 1,
  blocks: [
    {
      type: 'input' as const,
      block_id: `b${n}`,
      label: plain(`Answer ${n}`),
      element: { type: 'plain_text_input' as const, action_id: 'a' },
    },
  ],
  ...extra,
});

let emu: SlackEmulator;
let app: App;
let driver: SlackDriver;
const closed: string[] = [];
const retries: Array<number | undefined> = [];

beforeAll(async () => {
  emu = await startSlackEmulator();
  app = new App({
    token: emu.config.botToken,
    signingSecret: emu.config.signingSecret,
    logger: silentLogger(),
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/wizard', async ({ ack, command, client }) => {
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: step(1) });
  });
  app.command('/menu', async ({ ack, respond }) => {
    await ack();
    await respond({
      text: 'pick',
      blocks: [
        { type: 'actions', elements: [{ type: 'button', action_id: 'dismiss', text: plain('Dismiss') }] },
      ],
    });
  });
  app.action('dismiss', async ({ ack, respond }) => {
    await ack();
    await respond({ delete_original: true });
  });
  app.view('step1', async ({ ack, view }) => {
    const answer = view.state.values.b1?.a?.value;
    if (answer === 'push') await ack({ response_action: 'push', view: step(2) });
    else if (answer === 'bad-key') await ack({ response_action: 'errors', errors: { nope: 'x' } });
    else await ack({ response_action: 'update', view: step(3) });
  });
  app.view('step2', async ({ ack }) => ack({ response_action: 'clear' }));
  app.view('step3', async ({ ack }) => ack());
  app.view({ callback_id: 'step1', type: 'view_closed' }, async ({ ack, view }) => {
    closed.push(view.id);
    await ack();
  });
  app.options('repo', async ({ ack, options }) => {
    await ack({ options: [{ text: plain(`${options.value}-api`), value: `${options.value}-api` }] });
  });
  app.event('app_mention', async ({ context }) => {
    retries.push(context.retryNum);
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): AddressInfo };
  driver = new SlackDriver({
    emulator: emu,
    transport: 'http',
    appUrl: `http://127.0.0.1:${server.address().port}`,
  });
});

afterAll(async () => {
  await app.stop();
  await emu.close();
});

async function openWizard(user: string): Promise<string> {
  await driver.slashCommand({ command: '/wizard', user });
  await eventually(() => expect(emu.latestView(user)).toBeDefined());
  return String(emu.latestView(user)?.id);
}

describe('view submissions', () => {
  it('pushes, then clears the whole stack', async () => {
    const root = await openWizard('U0ALICE001');
    await driver.submitView({ viewId: root, values: { 'Answer 1': 'push' } });
    const stack = emu.openModals('U0ALICE001');
    expect(stack.map((v) => v.callback_id)).toEqual(['step1', 'step2']);
    expect(stack[1]).toMatchObject({ root_view_id: root, previous_view_id: root });
    await driver.submitView({ user: 'U0ALICE001', values: { 'Answer 2': 'done' } });
    expect(emu.openModals('U0ALICE001')).toEqual([]);
  });

  it('updates in place, keeping the view id', async () => {
    const root = await openWizard('U0BOB00001');
    await driver.submitView({ viewId: root, values: { 'Answer 1': 'next' } });
    expect(emu.latestView('U0BOB00001')).toMatchObject({ id: root, callback_id: 'step3' });
    await driver.submitView({ viewId: root, values: { 'Answer 3': 'ok' } });
    expect(emu.isViewOpen(root)).toBe(false);
  });

  it('fails the test when errors are not keyed by an input block_id', async () => {
    const root = await openWizard('U0CAROL001');
    await expect(driver.submitView({ viewId: root, values: { 'Answer 1': 'bad-key' } })).rejects.toThrow(
      /keyed by input block_ids \(b1\); got: nope/,
    );
  });

  it('sends view_closed only for views with notify_on_close', async () => {
    const root = await openWizard('U0CAROL001');
    const res = await driver.closeView({ viewId: root });
    expect(res?.status).toBe(200);
    expect(closed).toEqual([root]);
    expect(emu.isViewOpen(root)).toBe(false);
  });
});

describe('other interactions', () => {
  it('clicks a button in an ephemeral reply and deletes it through response_url', async () => {
    await driver.slashCommand({ command: '/menu', user: 'U0BOB00001', channel: 'general' });
    await eventually(() => expect(emu.ephemerals({ user: 'U0BOB00001' })).toHaveLength(1));
    const [menu] = emu.ephemerals({ user: 'U0BOB00001' });
    if (!menu) throw new Error('no ephemeral');
    await driver.clickButton({ actionId: 'dismiss', source: menu, user: 'U0BOB00001' });
    await eventually(() => expect(emu.ephemerals({ user: 'U0BOB00001' })).toHaveLength(0));
  });

  it('loads external select options', async () => {
    const trigger = emu.issueTriggerId({ user: 'U0ALICE001' });
    await app.client.views.open({
      trigger_id: trigger,
      view: {
        type: 'modal',
        title: plain('Repo'),
        submit: plain('Go'),
        blocks: [
          {
            type: 'input',
            block_id: 'r',
            label: plain('Repository'),
            element: { type: 'external_select', action_id: 'repo', min_query_length: 1 },
          },
        ],
      },
    });
    const viewId = String(emu.latestView('U0ALICE001')?.id);
    const res = await driver.loadOptions({ actionId: 'repo', value: 'job', source: { viewId } });
    expect(res.ack).toEqual({ options: [{ text: plain('job-api'), value: 'job-api' }] });
  });

  it('passes Events API retry headers to Bolt', async () => {
    const res = await driver.event({
      type: 'app_mention',
      user: 'U0ALICE001',
      text: 'hi',
      channel: 'C0JOBS0001',
    });
    expect(res.status).toBe(200);
    await driver.event(
      { type: 'app_mention', user: 'U0ALICE001', text: 'hi' },
      { retryNum: 2, retryReason: 'timeout' },
    );
    await eventually(() => expect(retries).toEqual([undefined, 2]));
  });
});
