// The driver against a real Bolt app over both transports (HTTPReceiver and Socket Mode): slash
// command acks, modal open/update/submit with validation errors, buttons answered through
// response_url, App Home. Plus the HTTP signature checked by Bolt's own verifySlackRequest.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDriver, type Transport } from '../support/slack/driver.js';
import { eventually } from '../support/slack/eventually.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';
import { createMiniApp } from './mini-app.js';

const ALICE = 'U0ALICE001';

describe.each<Transport>(['http', 'socket'])('driver over %s with a Bolt app', (transport) => {
  let emu: SlackEmulator;
  let app: App;
  let driver: SlackDriver;

  beforeAll(async () => {
    emu = await startSlackEmulator();
    if (transport === 'http') {
      app = createMiniApp(emu, { signingSecret: emu.config.signingSecret });
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): AddressInfo };
      driver = new SlackDriver({
        emulator: emu,
        transport,
        appUrl: `http://127.0.0.1:${server.address().port}`,
      });
    } else {
      app = createMiniApp(emu, { appToken: emu.config.appToken, socketMode: true });
      await app.start();
      await emu.socket.waitForConnection();
      driver = new SlackDriver({ emulator: emu, transport });
    }
  });

  afterAll(async () => {
    await app.stop();
    await emu.close();
  });

  it('returns the ack body of a slash command', async () => {
    const res = await driver.slashCommand({ command: '/jobbot', text: 'help', user: ALICE, channel: 'jobs' });
    expect(res.status).toBe(200);
    expect(res.ack).toEqual({ response_type: 'ephemeral', text: 'unknown: help' });
    expect(res.triggerId).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });

  it('runs the modal flow: open, select, refuse, submit, click', async () => {
    await driver.slashCommand({ command: '/jobbot', text: 'run', user: ALICE, channel: 'jobs' });
    await emu.waitForCall('views.open');
    const opened = emu.latestView(ALICE);
    expect(opened).toMatchObject({ callback_id: 'run_job', type: 'modal' });
    const viewId = String(opened?.id);

    await driver.selectOption({ actionId: 'env_select', source: { viewId }, value: 'prod', user: ALICE });
    await emu.waitForCall('views.update');
    expect(JSON.stringify(emu.view(viewId)?.blocks)).toContain('Target: *prod*');

    // The Slack client refuses these before anything reaches the app.
    await expect(driver.submitView({ viewId, values: { 'Job name': 'nightly' } })).rejects.toThrow(
      /"Size" is required/,
    );
    await expect(driver.submitView({ viewId, values: { Owner: 'x' } })).rejects.toThrow(
      /no input labelled "Owner"/,
    );

    const refused = await driver.submitView({ viewId, values: { 'Job name': 'Bad Name', Size: 'LARGE' } });
    expect(refused.ack).toEqual({
      response_action: 'errors',
      errors: { name: 'Use lowercase letters, digits and dashes' },
    });
    expect(emu.isViewOpen(viewId)).toBe(true);

    // What the user entered stays in the modal: only the name is corrected.
    await driver.submitView({ viewId, values: { 'Job name': 'nightly', Notify: ['bob'] } });
    expect(emu.isViewOpen(viewId)).toBe(false);
    const posted = await emu.waitForCall('chat.postMessage');
    expect(posted.args.text).toBe('job nightly (large) queued; notify U0BOB00001');

    const message = emu.messages('jobs').at(-1);
    if (!message) throw new Error('no message');
    const click = await driver.clickButton({ actionId: 'approve', source: message, user: ALICE });
    expect(click.responseUrl).toBeDefined();
    await eventually(() => expect(emu.message('jobs', message.ts)?.text).toBe(`approved by <@${ALICE}>`));
    expect(emu.message('jobs', message.ts)?.blocks).toBeUndefined();
  });

  it('publishes and refreshes the Home tab', async () => {
    await driver.appHomeOpened('U0BOB00001');
    await eventually(() => expect(emu.homeView('U0BOB00001')).toBeDefined());
    await driver.clickButton({
      actionId: 'home_refresh',
      source: { home: 'U0BOB00001' },
      user: 'U0BOB00001',
    });
    await eventually(() => expect(JSON.stringify(emu.homeView('U0BOB00001')?.blocks)).toContain('Refreshed'));
  });

  it('explains what is there when a button is missing', async () => {
    const message = emu.messages('jobs').at(-1);
    if (!message) throw new Error('no message');
    await expect(driver.clickButton({ actionId: 'nope', source: message })).rejects.toThrow(
      /no element with action_id "nope"/,
    );
  });
});

describe('HTTP signing', () => {
  let emu: SlackEmulator;
  beforeAll(async () => {
    emu = await startSlackEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  it('signs exactly the bytes it sends, verified by Bolt', async () => {
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
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const driver = new SlackDriver({ emulator: emu, transport: 'http', appUrl });
    await driver.slashCommand({ command: '/jobbot', text: 'a b&c' });
    await driver.event(
      { type: 'app_mention', user: ALICE, text: 'hi' },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    await driver.slashCommand({ command: '/jobbot' }, { badSignature: true });
    await driver.slashCommand({ command: '/jobbot' }, { staleTimestamp: true });
    server.close();

    const verify = (i: number) => {
      const { headers, body } = seen[i] as (typeof seen)[number];
      verifySlackRequest({
        signingSecret: emu.config.signingSecret,
        body,
        headers: {
          'x-slack-signature': String(headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      });
    };
    verify(0);
    verify(1);
    expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen[0]?.body).get('text')).toBe('a b&c');
    expect(seen[1]?.headers['content-type']).toBe('application/json');
    expect(seen[1]?.headers).toMatchObject({
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(() => verify(2)).toThrow(/signature mismatch/);
    expect(() => verify(3)).toThrow(/stale/);
  });

  it('gets 401 from a Bolt HTTPReceiver for a bad signature or a stale timestamp', async () => {
    const app = createMiniApp(emu, { signingSecret: emu.config.signingSecret });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): AddressInfo };
    const driver = new SlackDriver({
      emulator: emu,
      transport: 'http',
      appUrl: `http://127.0.0.1:${server.address().port}`,
    });
    try {
      expect(
        (await driver.slashCommand({ command: '/jobbot', text: 'x' }, { badSignature: true })).status,
      ).toBe(401);
      expect(
        (await driver.slashCommand({ command: '/jobbot', text: 'x' }, { staleTimestamp: true })).status,
      ).toBe(401);
      expect((await driver.urlVerification('c-123')).body).toEqual({ challenge: 'c-123' });
    } finally {
      await app.stop();
    }
  });

  it('fails when the app acks later than the deadline', async () => {
    const server = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const driver = new SlackDriver({ emulator: emu, transport: 'http', appUrl, ackTimeoutMs: 100 });
    await expect(driver.slashCommand({ command: '/jobbot' })).rejects.toThrow(/Slack gives up after 100 ms/);
    server.close();
  });
});
