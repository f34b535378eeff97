/**
 * The HTTP receiver (src/slack/receiver.ts) under a real Bolt App, driven over signed HTTP by the
 * Slack emulator's driver: a slash command is acknowledged empty before its work runs, and its answer
 * comes through the response_url; everything else behaves as Bolt's HTTPReceiver (401 for a bad
 * signature, url_verification, ssl_check, response_action in a view submission's ack, retry headers,
 * 404 without an ack, 500 when processing fails before the ack).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Authorize } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SlackReceiver } from '../../src/slack/receiver.js';
import { SlackDriver } from '../support/slack/driver.js';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

interface Rig {
  emu: SlackEmulator;
  app: App;
  receiver: SlackReceiver;
  driver: SlackDriver;
  url: string;
  /** JSON log lines Jobbot's logger wrote (warn and above). */
  logs: Record<string, unknown>[];
  /** Events Bolt's global middleware saw: anything processed at all. */
  processed: unknown[];
  /** When each HTTP answer was sent (res.end called), in that order. */
  answered: number[];
  /** For each request, ms from its arrival (the server's request event) to its answer being sent. */
  latencies: number[];
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

async function rig(
  opts: {
    authorize?: Authorize<boolean>;
    unhandledRequestTimeoutMillis?: number;
    commandTiming?: { quietMs: number; maxDeferMs: number };
  } = {},
): Promise<Rig> {
  const emu = await startSlackEmulator();
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('warn', { write: (line: string) => void logs.push(JSON.parse(line)) });
  const receiver = new SlackReceiver({
    signingSecret: emu.config.signingSecret,
    log,
    ...(opts.unhandledRequestTimeoutMillis
      ? { unhandledRequestTimeoutMillis: opts.unhandledRequestTimeoutMillis }
      : {}),
    ...(opts.commandTiming ? { commandTiming: opts.commandTiming } : {}),
  });
  const app = new App({
    receiver,
    logger: silentLogger(),
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    ...(opts.authorize
      ? { authorize: opts.authorize }
      : { token: emu.config.botToken, tokenVerificationEnabled: false }),
  });
  const processed: unknown[] = [];
  app.use(async ({ body, next }) => {
    processed.push(body);
    await next();
  });
  const answered: number[] = [];
  const latencies: number[] = [];
  const server: Server = createServer((req, res) => {
    const arrived = performance.now();
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      answered.push(performance.now());
      latencies.push(performance.now() - arrived);
      return end(...args);
    }) as typeof res.end;
    receiver.requestListener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const driver = new SlackDriver({ emulator: emu, transport: 'http', appUrl: url });
  const r: Rig = {
    emu,
    app,
    receiver,
    driver,
    url,
    logs,
    processed,
    answered,
    latencies,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emu.close();
    },
  };
  rigs.push(r);
  return r;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** CPU time each /heavy command holds the event loop for. */
const WORK_MS = 50;

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Command work that holds the event loop, as a dispatch does.
  }
}

describe('slash commands', () => {
  it('are acknowledged empty before their work, which answers through the response_url', async () => {
    const r = await rig();
    const gate = deferred();
    let finished = false;
    r.app.command('/slow', async ({ ack, respond }) => {
      await ack();
      await gate.promise;
      finished = true;
      await respond({ text: 'done at last' });
    });
    const res = await r.driver.slashCommand({ command: '/slow', text: 'x' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.ack).toBeUndefined();
    expect(finished).toBe(false);
    gate.resolve();
    const answer = await res.answer();
    expect(answer).toMatchObject({ text: 'done at last', via: 'response_url' });
    expect(finished).toBe(true);
  });

  it('are acknowledged at once however much command work is queued, one command per turn', async () => {
    const r = await rig();
    const started: number[] = [];
    let done = 0;
    r.app.command('/heavy', async ({ ack }) => {
      await ack();
      started.push(performance.now());
      busy(WORK_MS);
      done++;
    });
    const n = 12;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) => r.driver.slashCommand({ command: '/heavy', text: String(i) })),
    );
    expect(acks.every((a) => a.status === 200 && a.ack === undefined)).toBe(true);
    await expect.poll(() => done, { timeout: 5_000 }).toBe(n);
    // No request waits behind the work of the commands before it: with Bolt's HTTPReceiver, which
    // runs each command before acknowledging it, the later ones waited several times WORK_MS. (Twice
    // WORK_MS leaves room for a loaded machine; typically an acknowledgement takes under 5 ms.)
    expect(Math.max(...r.latencies)).toBeLessThan(2 * WORK_MS);
    // Commands start in the order they were acknowledged, each after its acknowledgement was sent.
    expect(started.every((t, i) => r.answered[i]! < t)).toBe(true);
  });

  it('start once their requests have been read, long before the most they may be held back', async () => {
    // Commands wait while a request is being read: each request must say when it has been, or every
    // command would wait maxDeferMs.
    const r = await rig({ commandTiming: { quietMs: 5, maxDeferMs: 5_000 } });
    const started: number[] = [];
    r.app.command('/quick', async ({ ack }) => {
      await ack();
      started.push(performance.now());
    });
    const sent = performance.now();
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => r.driver.slashCommand({ command: '/quick', text: String(i) })),
    );
    // An unsigned request is read (and refused) too: it holds nothing up either.
    const refused = await fetch(`${r.url}/`, { method: 'POST', body: 'command=/quick' });
    expect(refused.status).toBe(401);
    await expect.poll(() => started.length, { timeout: 4_000 }).toBe(5);
    expect(Math.max(...started) - sent).toBeLessThan(2_000);
  });

  it('warn that a reply given to their ack is lost', async () => {
    const r = await rig();
    r.app.command('/talky', async ({ ack }) => {
      await ack({ text: 'nobody sees this' });
    });
    const res = await r.driver.slashCommand({ command: '/talky' });
    expect(res.ack).toBeUndefined();
    await expect
      .poll(() => r.logs.find((l) => l.code === 'slack_ack_reply_lost'), { timeout: 5_000 })
      .toMatchObject({ command: '/talky' });
  });

  it('tell the person when authorization fails, where HTTPReceiver answered 401', async () => {
    const r = await rig({
      authorize: async () => {
        throw new Error('Slack has not answered auth.test');
      },
    });
    const res = await r.driver.slashCommand({ command: '/job', text: 'help' });
    expect(res.status).toBe(200);
    expect((await res.answer()).text).toMatch(/cannot confirm its Slack identity/);
    expect(r.logs.some((l) => l.code === 'slack_command_failed')).toBe(true);
  });

  it('finish before stop() resolves', async () => {
    const r = await rig();
    let finished = false;
    r.app.command('/late', async ({ ack }) => {
      await ack();
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = true;
    });
    await r.driver.slashCommand({ command: '/late' });
    await r.receiver.stop();
    expect(finished).toBe(true);
  });
});

describe('the rest, as Bolt HTTPReceiver does it', () => {
  it('refuses a bad signature or a stale timestamp with 401 and processes nothing', async () => {
    const r = await rig();
    let ran = 0;
    r.app.command('/job', async ({ ack }) => {
      ran++;
      await ack();
    });
    expect((await r.driver.slashCommand({ command: '/job' }, { badSignature: true })).status).toBe(401);
    expect((await r.driver.slashCommand({ command: '/job' }, { staleTimestamp: true })).status).toBe(401);
    expect((await r.driver.event({ type: 'app_mention', text: 'hi' }, { badSignature: true })).status).toBe(
      401,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.processed).toEqual([]);
    expect(ran).toBe(0);
    expect(r.logs.filter((l) => l.code === 'slack_signature_invalid')).toHaveLength(3);
  });

  it('answers url_verification and ssl_check', async () => {
    const r = await rig();
    const res = await r.driver.urlVerification('c-42');
    expect(res).toMatchObject({ status: 200, body: { challenge: 'c-42' } });
    // Slack's SSL check is not signed.
    const ssl = await fetch(`${r.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ssl_check=1&token=x',
    });
    expect(ssl.status).toBe(200);
    expect(await ssl.text()).toBe('');
    expect(r.processed).toEqual([]);
  });

  it("puts a view submission's response_action errors in the ack body", async () => {
    const r = await rig();
    r.app.command('/form', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'form',
          title: plain('Form'),
          submit: plain('Save'),
          blocks: [
            {
              type: 'input',
              block_id: 'name',
              label: plain('Name'),
              element: { type: 'plain_text_input', action_id: 'name' },
            },
          ],
        },
      });
    });
    r.app.view('form', async ({ ack }) => {
      await ack({ response_action: 'errors', errors: { name: 'Not that name' } });
    });
    const res = await r.driver.slashCommand({ command: '/form' });
    const opened = await r.emu.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (opened.response as { view: { id: string } }).view.id;
    const sub = await r.driver.submitView({ viewId, values: { Name: 'nope' } });
    expect(sub.ack).toEqual({ response_action: 'errors', errors: { name: 'Not that name' } });
    expect(r.emu.isViewOpen(viewId)).toBe(true);
  });

  it('hands the retry headers to the app, for events and commands alike', async () => {
    const r = await rig();
    const seen: { retryNum?: number; retryReason?: string }[] = [];
    r.app.event('app_mention', async ({ context }) => {
      seen.push({ retryNum: context.retryNum, retryReason: context.retryReason });
    });
    r.app.command('/job', async ({ ack, context }) => {
      await ack();
      seen.push({ retryNum: context.retryNum, retryReason: context.retryReason });
    });
    const event = await r.driver.event(
      { type: 'app_mention', text: 'hi', user: 'U0ALICE001', channel: r.emu.defaultChannel },
      { retryNum: 2, retryReason: 'http_timeout' },
    );
    expect(event.status).toBe(200);
    await r.driver.slashCommand({ command: '/job' }, { retryNum: 1, retryReason: 'http_error' });
    await expect
      .poll(() => seen, { timeout: 5_000 })
      .toEqual([
        { retryNum: 2, retryReason: 'http_timeout' },
        { retryNum: 1, retryReason: 'http_error' },
      ]);
  });

  it('answers 404 when an interaction is not acknowledged in time, and 500 when it fails first', async () => {
    const r = await rig({ unhandledRequestTimeoutMillis: 200 });
    r.app.action('silent', async () => {});
    r.app.action('broken', async () => {
      throw new Error('boom');
    });
    const message = r.emu.state.addMessage({
      channel: r.emu.channelId(r.emu.defaultChannel),
      ...r.emu.state.botMessageFields(),
      text: 'buttons',
      blocks: [
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'silent', text: plain('Silent') },
            { type: 'button', action_id: 'broken', text: plain('Broken') },
          ],
        },
      ],
    });
    const source = { channel: message.channel, ts: message.ts };
    expect((await r.driver.clickButton({ actionId: 'silent', source })).status).toBe(404);
    expect((await r.driver.clickButton({ actionId: 'broken', source })).status).toBe(500);
  });
});
