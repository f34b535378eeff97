// Message and global shortcuts from the driver to a real Bolt app over both transports: the payload
// Slack sends (message_action with the whole stored message, files included; shortcut without
// channel), acked, a modal opened with the trigger_id, the shared file downloaded with the bot token,
// and an answer through the response_url.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type SlackShortcut } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDriver, type Transport } from '../support/slack/driver.js';
import { eventually } from '../support/slack/eventually.js';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const YAML = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: from-yaml\n';
const plain = (text: string) => ({ type: 'plain_text' as const, text });

function shortcutApp(emu: SlackEmulator, extra: Record<string, unknown>, seen: SlackShortcut[]): App {
  const app = new App({
    token: emu.config.botToken,
    logger: silentLogger(),
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    ...extra,
  });

  app.shortcut('create_job_from_yaml', async ({ shortcut, ack, client }) => {
    await ack();
    seen.push(shortcut);
    if (shortcut.type !== 'message_action') return;
    const file = (shortcut.message.files as Array<{ url_private_download: string }> | undefined)?.[0];
    let manifest = shortcut.message.text ?? '';
    if (file) {
      const res = await fetch(file.url_private_download, {
        headers: { authorization: `Bearer ${emu.config.botToken}` },
      });
      manifest = await res.text();
    }
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'job_from_yaml',
        title: plain('Create job'),
        submit: plain('Create'),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${manifest}\`\`\`` } }],
      },
    });
  });

  app.shortcut('quote', async ({ shortcut, ack, respond }) => {
    await ack();
    seen.push(shortcut);
    await respond({ text: 'quoted' });
  });

  app.shortcut('new_job', async ({ shortcut, ack, client }) => {
    await ack();
    seen.push(shortcut);
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: { type: 'modal', callback_id: 'new_job', title: plain('New job'), blocks: [] },
    });
  });

  return app;
}

describe.each<Transport>(['http', 'socket'])('shortcuts over %s with a Bolt app', (transport) => {
  let emu: SlackEmulator;
  let app: App;
  let driver: SlackDriver;
  const seen: SlackShortcut[] = [];

  beforeAll(async () => {
    emu = await startSlackEmulator();
    if (transport === 'http') {
      app = shortcutApp(emu, { signingSecret: emu.config.signingSecret }, seen);
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): AddressInfo };
      driver = new SlackDriver({
        emulator: emu,
        transport,
        appUrl: `http://127.0.0.1:${server.address().port}`,
      });
    } else {
      app = shortcutApp(emu, { appToken: emu.config.appToken, socketMode: true }, seen);
      await app.start();
      await emu.socket.waitForConnection();
      driver = new SlackDriver({ emulator: emu, transport });
    }
  });

  afterAll(async () => {
    await app.stop();
    await emu.close();
  });

  it('sends message_action for a message with a file; the app downloads it and opens a modal', async () => {
    const message = emu.postUserMessage({
      channel: 'jobs',
      user: BOB,
      text: 'nightly job',
      files: [{ name: 'job.yaml', content: YAML }],
    });
    const res = await driver.messageShortcut({
      callbackId: 'create_job_from_yaml',
      source: message,
      user: ALICE,
    });
    expect(res.status).toBe(200);
    expect(res.ack).toBeUndefined();

    const opened = await emu.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe(res.triggerId);
    expect(opened.response).toMatchObject({ ok: true });
    expect(emu.latestView(ALICE)).toMatchObject({ callback_id: 'job_from_yaml' });
    expect(JSON.stringify(emu.latestView(ALICE)?.blocks)).toContain('name: from-yaml');
    expect(emu.downloads).toMatchObject([{ status: 200, served: true, token: emu.config.botToken }]);

    const body = seen.at(-1);
    const { channel: _channel, ...stored } = message;
    expect(body).toEqual({
      type: 'message_action',
      token: emu.config.verificationToken,
      action_ts: expect.stringMatching(/^\d+\.\d{6}$/),
      team: { id: emu.config.teamId, domain: emu.config.teamDomain },
      user: { id: ALICE, username: 'alice', name: 'alice', team_id: emu.config.teamId },
      channel: { id: 'C0JOBS0001', name: 'jobs' },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: 'create_job_from_yaml',
      trigger_id: res.triggerId,
      response_url: res.responseUrl,
      message_ts: message.ts,
      message: stored,
    });
    if (transport === 'socket') {
      expect(emu.socket.envelopes.at(-1)).toMatchObject({
        type: 'interactive',
        accepts_response_payload: false,
        payload: { type: 'message_action' },
      });
    }
  });

  it('answers through the response_url in the message channel', async () => {
    const message = emu.postUserMessage({ channel: 'general', user: BOB, text: 'quote me' });
    await driver.messageShortcut({ callbackId: 'quote', source: message, user: ALICE });
    await eventually(() =>
      expect(emu.ephemerals({ channel: 'general', user: ALICE })).toMatchObject([
        { text: 'quoted', via: 'response_url' },
      ]),
    );
    // The shortcut's response_url cannot rewrite a human's message.
    expect(emu.message('general', message.ts)?.text).toBe('quote me');
  });

  it('sends a global shortcut without channel, message or response_url', async () => {
    const res = await driver.globalShortcut({ callbackId: 'new_job', user: BOB });
    expect(res.status).toBe(200);
    expect(res.responseUrl).toBeUndefined();
    await eventually(() => expect(emu.latestView(BOB)).toMatchObject({ callback_id: 'new_job' }));
    expect(seen.at(-1)).toEqual({
      type: 'shortcut',
      token: emu.config.verificationToken,
      action_ts: expect.any(String),
      team: { id: emu.config.teamId, domain: emu.config.teamDomain },
      user: { id: BOB, username: 'bob', team_id: emu.config.teamId },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: 'new_job',
      trigger_id: res.triggerId,
    });
  });

  it('refuses messages that do not exist or that the user cannot see', async () => {
    await expect(
      driver.messageShortcut({ callbackId: 'quote', source: { channel: 'jobs', ts: '1.000100' } }),
    ).rejects.toThrow(/no message 1.000100/);
    const secret = emu.postUserMessage({ channel: 'ops-private', user: ALICE, text: 'secret' });
    await expect(driver.messageShortcut({ callbackId: 'quote', source: secret, user: BOB })).rejects.toThrow(
      /cannot see/,
    );
  });
});

describe('shortcuts over HTTP on the wire', () => {
  it('posts a signed form with the payload JSON in `payload`', async () => {
    const emu = await startSlackEmulator();
    const seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const driver = new SlackDriver({ emulator: emu, transport: 'http', appUrl });
      const message = emu.postUserMessage({ channel: 'jobs', user: ALICE, text: 'hello' });
      const res = await driver.messageShortcut({ callbackId: 'cb', source: message });
      expect(res.ack).toBeUndefined();
      expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(seen[0]?.headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
      const payload = JSON.parse(new URLSearchParams(seen[0]?.body).get('payload') ?? 'null');
      expect(payload).toMatchObject({
        type: 'message_action',
        callback_id: 'cb',
        message: { text: 'hello' },
      });
    } finally {
      server.close();
      await emu.close();
    }
  });
});
