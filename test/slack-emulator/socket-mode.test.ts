// The emulator's Socket Mode server against the real @slack/socket-mode SocketModeClient: connection
// through apps.connections.open, hello, envelopes acked with a payload, disconnect and reconnect.

import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

let emu: SlackEmulator;
let client: SocketModeClient | undefined;

function newClient(appToken: string, clientPingTimeout = 5000): SocketModeClient {
  return new SocketModeClient({
    appToken,
    logger: silentLogger(),
    // The reconnect delay is a multiple of this timeout; it is also how late a pong may be.
    clientPingTimeout,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
}

beforeEach(async () => {
  emu = await startSlackEmulator();
});

afterEach(async () => {
  await client?.disconnect();
  client = undefined;
  await emu.close();
});

describe('Socket Mode', () => {
  it('connects through apps.connections.open and acks an envelope with a payload', async () => {
    client = newClient(emu.config.appToken);
    client.on('slash_commands', async ({ ack, body }) => {
      await ack({ text: `running ${body.text}` });
    });
    await client.start();
    await emu.socket.waitForConnection();
    expect(emu.callsTo('apps.connections.open')).toHaveLength(1);
    expect(emu.callsTo('apps.connections.open')[0]?.token).toBe(emu.config.appToken);

    const ack = await emu.socket.deliver('slash_commands', { command: '/jobbot', text: 'backup' });
    expect(ack).toEqual({ text: 'running backup' });
    expect(emu.socket.envelopes[0]).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
  });

  it('delivers events_api envelopes with retry fields and resolves an empty ack with {}', async () => {
    client = newClient(emu.config.appToken);
    const seen: Array<{ retry_num?: number; event: { type: string } }> = [];
    client.on('app_home_opened', async (args) => {
      seen.push(args);
      await args.ack();
    });
    await client.start();
    const payload = { type: 'event_callback', event: { type: 'app_home_opened', user: 'U0ALICE001' } };
    expect(
      await emu.socket.deliver('events_api', payload, { retryAttempt: 1, retryReason: 'timeout' }),
    ).toEqual({});
    expect(seen[0]).toMatchObject({ retry_num: 1, event: { type: 'app_home_opened' } });
  });

  it('refuses a bot token for apps.connections.open', async () => {
    client = new SocketModeClient({
      appToken: emu.config.botToken,
      logger: silentLogger(),
      autoReconnectEnabled: false,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    await expect(client.start()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
  });

  it('reconnects after a disconnect message', async () => {
    client = newClient(emu.config.appToken, 1000);
    await client.start();
    emu.socket.disconnect();
    await emu.socket.waitForConnection({ count: 2, timeoutMs: 5000 });
    expect(emu.callsTo('apps.connections.open')).toHaveLength(2);
    client.on('interactive', async ({ ack }) => ack());
    expect(await emu.socket.deliver('interactive', { type: 'block_actions' })).toEqual({});
  });

  it('fails a delivery the app never acks', async () => {
    client = newClient(emu.config.appToken);
    await client.start();
    await expect(
      emu.socket.deliver('interactive', { type: 'block_actions' }, { ackTimeoutMs: 100 }),
    ).rejects.toThrow(/did not ack/);
  });
});
