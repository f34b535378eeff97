// Request encodings and edge answers of the emulated Web API with plain fetch: JSON bodies, token as a
// parameter, malformed blocks, oversized views, pushing from App Home, waiting for calls.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

let emu: SlackEmulator;

beforeAll(async () => {
  emu = await startSlackEmulator();
});

afterAll(async () => {
  await emu.close();
});

async function callJson(method: string, body: unknown, token = emu.config.botToken) {
  const res = await fetch(`${emu.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as Record<string, unknown>;
}

async function callForm(method: string, params: Record<string, string>) {
  const res = await fetch(`${emu.apiUrl}${method}`, { method: 'POST', body: new URLSearchParams(params) });
  return (await res.json()) as Record<string, unknown>;
}

describe('request formats', () => {
  it('accepts JSON bodies with a bearer token', async () => {
    const res = await callJson('chat.postMessage', {
      channel: 'C0GENERAL1',
      text: 'json',
      blocks: [{ type: 'divider' }],
    });
    expect(res).toMatchObject({ ok: true, channel: 'C0GENERAL1', message: { text: 'json' } });
  });

  it('accepts the token as a form parameter and keeps it out of the recorded args', async () => {
    const res = await callForm('auth.test', { token: emu.config.botToken });
    expect(res.ok).toBe(true);
    const call = emu.callsTo('auth.test').at(-1);
    expect(call?.args).toEqual({});
    expect(call?.token).toBe(emu.config.botToken);
  });

  it('answers invalid_blocks_format for blocks that are not a JSON array', async () => {
    const res = await callForm('chat.postMessage', {
      token: emu.config.botToken,
      channel: 'general',
      blocks: '[{',
    });
    expect(res).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  it('answers view_too_large over 250 kB', async () => {
    const blocks = Array.from({ length: 90 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'x'.repeat(2900) },
    }));
    const res = await callJson('views.publish', { user_id: 'U0ALICE001', view: { type: 'home', blocks } });
    expect(res).toEqual({ ok: false, error: 'view_too_large' });
  });

  it('refuses to push onto App Home', async () => {
    const home = await callJson('views.publish', {
      user_id: 'U0ALICE001',
      view: { type: 'home', blocks: [] },
    });
    const viewId = String((home.view as { id: string }).id);
    const res = await callJson('views.push', {
      trigger_id: emu.issueTriggerId({ user: 'U0ALICE001', viewId }),
      view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
    });
    expect(res).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });

  it('requires the app-level token for apps.connections.open', async () => {
    expect(await callJson('apps.connections.open', {})).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    const res = await callJson('apps.connections.open', {}, emu.config.appToken);
    expect(String(res.url)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('takes raw bytes on upload URLs', async () => {
    const url = await callJson('files.getUploadURLExternal', { filename: 'out.yaml', length: 4 });
    const up = await fetch(String(url.upload_url), { method: 'POST', body: 'a: 1' });
    expect(await up.text()).toBe('OK - 4');
    const done = await callJson('files.completeUploadExternal', {
      files: [{ id: url.file_id }],
      channel_id: 'C0JOBS0001',
    });
    expect(done).toMatchObject({ ok: true, files: [{ id: url.file_id, name: 'out.yaml' }] });
    expect(emu.file(String(url.file_id))?.content?.toString()).toBe('a: 1');
  });

  it('answers file_not_found when the bytes do not match the announced length', async () => {
    const url = await callJson('files.getUploadURLExternal', { filename: 'out.txt', length: 10 });
    await fetch(String(url.upload_url), { method: 'POST', body: 'short' });
    expect(await callJson('files.completeUploadExternal', { files: [{ id: url.file_id }] })).toEqual({
      ok: false,
      error: 'file_not_found',
    });
  });
});

describe('waitForCall', () => {
  it('finds past calls, waits for future ones and times out with the calls it saw', async () => {
    const past = await emu.waitForCall('chat.postMessage', (c) => c.args.text === 'json');
    expect(past.args.blocks).toEqual([{ type: 'divider' }]);
    const future = emu.waitForCall('users.info', (c) => c.args.user === 'U0BOB00001');
    await callForm('users.info', { token: emu.config.botToken, user: 'U0BOB00001' });
    expect((await future).response).toMatchObject({ ok: true, user: { name: 'bob' } });
    await expect(emu.waitForCall('views.open', undefined, 50)).rejects.toThrow(
      /no views.open call within 50 ms/,
    );
  });
});
