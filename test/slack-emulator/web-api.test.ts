// The emulator's Web API against the real @slack/web-api WebClient: shapes, Slack's error codes and
// the errors the client raises for them (platform errors, HTTP errors, rate limits).

import { ErrorCode, type ViewsOpenArguments, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

let clock = Date.now();
let emu: SlackEmulator;
let client: WebClient;

const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });
const modal = (title = 'Run a job'): ViewsOpenArguments['view'] => ({
  type: 'modal',
  title: { type: 'plain_text', text: title },
  submit: { type: 'plain_text', text: 'Run' },
  blocks: [section('hello')],
});

function platformError(err: unknown): { error: string; messages?: string[] } {
  expect((err as { code?: string }).code).toBe(ErrorCode.PlatformError);
  const data = (err as { data: { error: string; response_metadata?: { messages?: string[] } } }).data;
  return {
    error: data.error,
    ...(data.response_metadata?.messages ? { messages: data.response_metadata.messages } : {}),
  };
}

async function errorOf(p: Promise<unknown>): Promise<{ error: string; messages?: string[] }> {
  try {
    await p;
  } catch (err) {
    return platformError(err);
  }
  throw new Error('expected the call to fail');
}

function newClient(token: string | undefined, extra: Record<string, unknown> = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: emu.apiUrl,
    retryConfig: { retries: 0 },
    logger: silentLogger(),
    ...extra,
  });
}

beforeAll(async () => {
  emu = await startSlackEmulator({ now: () => clock });
  client = newClient(emu.config.botToken);
});

afterAll(async () => {
  await emu.close();
});

afterEach(() => {
  emu.clearFaults();
  clock = Date.now();
});

describe('auth', () => {
  it('answers auth.test for the bot token', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      url: 'https://jobbot-test.slack.com/',
      team: 'Jobbot Test',
      user: 'jobbot',
      team_id: emu.config.teamId,
      user_id: emu.config.botUserId,
      bot_id: emu.config.botId,
    });
  });

  it('refuses unknown and missing tokens, and the app token outside Socket Mode', async () => {
    const bad = newClient('xoxb-nope');
    expect(await errorOf(bad.auth.test())).toEqual({ error: 'invalid_auth' });
    const none = newClient(undefined);
    expect(await errorOf(none.auth.test())).toEqual({ error: 'not_authed' });
    const app = newClient(emu.config.appToken);
    expect(await errorOf(app.auth.test())).toEqual({ error: 'not_allowed_token_type' });
  });

  it('answers unknown_method', async () => {
    expect(await errorOf(client.apiCall('jobs.launch', {}))).toEqual({ error: 'unknown_method' });
  });
});

describe('chat', () => {
  it('posts, threads, updates and records the call with parsed blocks', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0JOBS0001',
      text: 'job started',
      blocks: [section('*job* started')],
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: 'C0JOBS0001',
      message: { text: 'job started', bot_id: emu.config.botId },
    });
    const ts = String(posted.ts);
    const reply = await client.chat.postMessage({ channel: 'C0JOBS0001', thread_ts: ts, text: 'log line' });
    await client.chat.update({
      channel: 'C0JOBS0001',
      ts,
      text: 'job done',
      blocks: [section('*job* done')],
    });

    const [top] = emu.messages('jobs');
    expect(top).toMatchObject({
      ts,
      text: 'job done',
      reply_count: 1,
      edited: { user: emu.config.botUserId },
    });
    expect(top?.blocks?.[0]).toMatchObject({ text: { text: '*job* done' }, block_id: expect.any(String) });
    expect(emu.thread('jobs', ts).map((m) => m.text)).toEqual(['job done', 'log line']);
    expect(reply.message?.thread_ts).toBe(ts);
    const call = await emu.waitForCall('chat.update');
    expect(call.args.blocks).toEqual([section('*job* done')]);
    expect(call.token).toBe(emu.config.botToken);
  });

  it('rejects invalid blocks with invalid_blocks and Slack-style messages', async () => {
    const res = await errorOf(
      client.chat.postMessage({ channel: 'C0JOBS0001', text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    expect(res).toEqual({
      error: 'invalid_blocks',
      messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
  });

  it.each([
    ['no_text', { channel: 'C0JOBS0001' }],
    ['channel_not_found', { channel: 'C0NOPE0001', text: 'x' }],
    ['not_in_channel', { channel: 'C0RANDOM01', text: 'x' }],
  ])('answers %s', async (code, args) => {
    expect((await errorOf(client.chat.postMessage(args as never))).error).toBe(code);
  });

  it('truncates text beyond 40,000 characters', async () => {
    const res = await client.chat.postMessage({ channel: 'general', text: 'x'.repeat(40_010) });
    expect(res.message?.text).toHaveLength(40_000);
  });

  it('posts to a user id through the bot IM', async () => {
    const res = await client.chat.postMessage({ channel: 'U0BOB00001', text: 'hi bob' });
    expect(String(res.channel)).toMatch(/^D/);
    expect(emu.messages('U0BOB00001').map((m) => m.text)).toEqual(['hi bob']);
  });

  it('refuses to update unknown or foreign messages', async () => {
    expect(
      (await errorOf(client.chat.update({ channel: 'C0JOBS0001', ts: '1.000001', text: 'x' }))).error,
    ).toBe('message_not_found');
    const human = emu.postUserMessage({ channel: 'jobs', user: 'U0ALICE001', text: 'mine' });
    expect(
      (await errorOf(client.chat.update({ channel: 'C0JOBS0001', ts: human.ts, text: 'x' }))).error,
    ).toBe('cant_update_message');
  });

  it('posts ephemerals to members only', async () => {
    const res = await client.chat.postEphemeral({
      channel: 'C0JOBS0001',
      user: 'U0BOB00001',
      text: 'only you',
    });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(emu.ephemerals({ user: 'U0BOB00001' })).toMatchObject([
      { text: 'only you', message_ts: res.message_ts },
    ]);
    const outsider = client.chat.postEphemeral({ channel: 'C0JOBS0001', user: 'U0CAROL001', text: 'x' });
    expect((await errorOf(outsider)).error).toBe('user_not_in_channel');
    expect(
      (await errorOf(client.chat.postEphemeral({ channel: 'C0JOBS0001', user: 'U0NOBODY01', text: 'x' })))
        .error,
    ).toBe('user_not_found');
  });
});

describe('views', () => {
  it('opens a modal with a single-use trigger that expires after 3 s', async () => {
    const trigger = emu.issueTriggerId({ user: 'U0ALICE001' });
    const opened = await client.views.open({ trigger_id: trigger, view: modal() });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      hash: expect.any(String),
    });
    expect(emu.latestView('U0ALICE001')?.id).toBe(opened.view?.id);
    expect((await errorOf(client.views.open({ trigger_id: trigger, view: modal() }))).error).toBe(
      'exchanged_trigger_id',
    );

    const late = emu.issueTriggerId({ user: 'U0ALICE001' });
    clock += 3001;
    expect((await errorOf(client.views.open({ trigger_id: late, view: modal() }))).error).toBe(
      'expired_trigger_id',
    );
    expect((await errorOf(client.views.open({ trigger_id: '1.2.abc', view: modal() }))).error).toBe(
      'invalid_trigger_id',
    );
  });

  it('rejects an over-long title with invalid_arguments', async () => {
    const res = await errorOf(
      client.views.open({ trigger_id: emu.issueTriggerId(), view: modal('x'.repeat(25)) }),
    );
    expect(res).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
    });
  });

  it('changes the hash on update and answers hash_conflict for a stale one', async () => {
    const opened = await client.views.open({ trigger_id: emu.issueTriggerId(), view: modal() });
    const id = String(opened.view?.id);
    const firstHash = String(opened.view?.hash);
    clock += 1000;
    const updated = await client.views.update({ view_id: id, hash: firstHash, view: modal('Updated') });
    expect(updated.view?.hash).not.toBe(firstHash);
    expect(emu.view(id)?.title).toEqual({ type: 'plain_text', text: 'Updated' });
    expect((await errorOf(client.views.update({ view_id: id, hash: firstHash, view: modal() }))).error).toBe(
      'hash_conflict',
    );
    expect((await errorOf(client.views.update({ view_id: 'V0NOPE0001', view: modal() }))).error).toBe(
      'not_found',
    );
  });

  it('allows 2 pushed views above the root', async () => {
    const user = 'U0BOB00001';
    const root = await client.views.open({ trigger_id: emu.issueTriggerId({ user }), view: modal() });
    const rootId = String(root.view?.id);
    const push = () =>
      client.views.push({ trigger_id: emu.issueTriggerId({ user, viewId: rootId }), view: modal('More') });
    const second = await push();
    expect(second.view).toMatchObject({ root_view_id: rootId, previous_view_id: rootId });
    await push();
    expect((await errorOf(push())).error).toBe('push_limit_reached');
    expect(emu.openModals(user)).toHaveLength(3);
  });

  it('publishes the Home tab under one view id', async () => {
    const home = { type: 'home' as const, blocks: [section('Welcome')] };
    const first = await client.views.publish({ user_id: 'U0CAROL001', view: home });
    const second = await client.views.publish({
      user_id: 'U0CAROL001',
      view: home,
      hash: String(first.view?.hash),
    });
    expect(second.view?.id).toBe(first.view?.id);
    expect(second.view?.hash).not.toBe(first.view?.hash);
    expect(emu.homeView('U0CAROL001')?.blocks).toHaveLength(1);
    const stale = client.views.publish({ user_id: 'U0CAROL001', view: home, hash: String(first.view?.hash) });
    expect((await errorOf(stale)).error).toBe('hash_conflict');
    expect((await errorOf(client.views.publish({ user_id: 'U0NOBODY01', view: home }))).error).toBe(
      'invalid_arguments',
    );
  });
});

describe('files', () => {
  it('uploads through filesUploadV2 end to end and keeps the bytes', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0JOBS0001', text: 'job finished' });
    const res = await client.filesUploadV2({
      channel_id: 'C0JOBS0001',
      thread_ts: String(parent.ts),
      initial_comment: 'logs attached',
      filename: 'job.log',
      title: 'Job log',
      content: 'line 1\nline 2\n',
    });
    const fileId = (res.files as Array<{ files: Array<{ id: string }> }>)[0]?.files[0]?.id ?? '';
    const file = emu.file(fileId);
    expect(file).toMatchObject({
      filename: 'job.log',
      title: 'Job log',
      completed: true,
      channel: 'C0JOBS0001',
    });
    expect(file?.content?.toString()).toBe('line 1\nline 2\n');
    expect(emu.thread('jobs', String(parent.ts))[1]).toMatchObject({
      text: 'logs attached',
      files: [{ id: fileId }],
    });
  });

  it('answers file_not_found when nothing was uploaded', async () => {
    const url = await client.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
    const complete = client.files.completeUploadExternal({ files: [{ id: String(url.file_id) }] });
    expect((await errorOf(complete)).error).toBe('file_not_found');
  });
});

describe('directory', () => {
  it('answers users.info, usergroups.users.list and conversations.info', async () => {
    expect((await client.users.info({ user: 'U0ALICE001' })).user).toMatchObject({
      name: 'alice',
      is_admin: true,
    });
    expect((await errorOf(client.users.info({ user: 'U0NOBODY01' }))).error).toBe('user_not_found');
    expect((await client.usergroups.users.list({ usergroup: 'S0DEVS0001' })).users).toEqual([
      'U0ALICE001',
      'U0BOB00001',
    ]);
    expect((await errorOf(client.usergroups.users.list({ usergroup: 'S0NOPE0001' }))).error).toBe(
      'no_such_subteam',
    );
    expect((await client.conversations.info({ channel: 'C0PRIVATE1' })).channel).toMatchObject({
      is_private: true,
    });
    expect((await errorOf(client.conversations.info({ channel: 'C0NOPE0001' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('serves users the test registers', async () => {
    emu.addUser({ id: 'U0DAVE0001', name: 'dave', realName: 'Dave Ops' });
    expect((await client.users.info({ user: 'U0DAVE0001' })).user?.real_name).toBe('Dave Ops');
  });
});

describe('faults', () => {
  it('rate-limits with 429 and Retry-After, seen by the client as a rate-limit error', async () => {
    emu.rateLimit('chat.postMessage', { retryAfterSeconds: 7 });
    const strict = newClient(emu.config.botToken, { rejectRateLimitedCalls: true });
    await expect(strict.chat.postMessage({ channel: 'general', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(emu.callsTo('chat.postMessage').at(-1)).toMatchObject({
      status: 429,
      response: { error: 'ratelimited' },
    });
    await expect(strict.chat.postMessage({ channel: 'general', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('fails with 5xx, error codes and slow answers on demand', async () => {
    emu.fail('chat.update', { status: 503 });
    await expect(client.chat.update({ channel: 'general', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    emu.fail('users.info', { error: 'fatal_error', times: 2 });
    expect((await errorOf(client.users.info({ user: 'U0ALICE001' }))).error).toBe('fatal_error');
    expect((await errorOf(client.users.info({ user: 'U0ALICE001' }))).error).toBe('fatal_error');
    emu.fail('auth.test', { delayMs: 300 });
    const impatient = newClient(emu.config.botToken, { timeout: 50 });
    await expect(impatient.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
  });
});

describe('response_url', () => {
  it('works 5 times within 30 minutes', async () => {
    const url = emu.issueResponseUrl({ user: 'U0ALICE001', channel: 'C0JOBS0001' });
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < 5; i++) expect((await post({ text: `update ${i}` })).status).toBe(200);
    const sixth = await post({ text: 'too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    expect(emu.ephemerals({ user: 'U0ALICE001' }).filter((e) => e.via === 'response_url')).toHaveLength(5);

    const old = emu.issueResponseUrl({ user: 'U0ALICE001', channel: 'C0JOBS0001' });
    clock += 30 * 60 * 1000 + 1;
    const expired = await fetch(old, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    expect(expired.status).toBe(404);
    expect(emu.responses.at(-1)).toMatchObject({ url: old, status: 404, error: 'expired_url' });
  });

  it('posts in channel and rejects invalid blocks', async () => {
    const url = emu.issueResponseUrl({ user: 'U0ALICE001', channel: 'C0GENERAL1' });
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ response_type: 'in_channel', text: 'for everyone' })).status).toBe(200);
    expect(emu.messages('general').at(-1)?.text).toBe('for everyone');
    const bad = await post({
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });
});
