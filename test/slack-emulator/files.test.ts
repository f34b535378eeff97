// Files shared by users and by the app, with the real WebClient (files.info) and fetch (the private
// download URLs): the bytes come back only with the bot token; without it Slack's redirect to the
// sign-in page ends in HTML with status 200, which code that trusts the status would read as the file.

import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../support/slack/silent-logger.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/web-api.js';

const ALICE = 'U0ALICE001';
const YAML = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: nightly\n';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);

let emu: SlackEmulator;
let client: WebClient;

beforeAll(async () => {
  emu = await startSlackEmulator();
  client = new WebClient(emu.config.botToken, {
    slackApiUrl: emu.apiUrl,
    retryConfig: { retries: 0 },
    logger: silentLogger(),
  });
});

afterAll(async () => {
  await emu.close();
});

function shareYaml() {
  return emu.postUserMessage({
    channel: 'jobs',
    user: ALICE,
    text: 'here is the job',
    files: [{ name: 'job.yaml', content: YAML }],
  });
}

function fileOf(message: { files?: unknown[] }, i = 0) {
  const file = message.files?.[i] as Record<string, string> | undefined;
  if (!file) throw new Error('the message has no file');
  return file;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('files shared by users', () => {
  it('attaches Slack file objects to a file_share message', () => {
    const message = shareYaml();
    expect(message).toMatchObject({
      type: 'message',
      subtype: 'file_share',
      user: ALICE,
      text: 'here is the job',
      upload: true,
      display_as_bot: false,
    });
    const file = fileOf(message);
    expect(file).toMatchObject({
      id: expect.stringMatching(/^F[A-Z0-9]+$/),
      name: 'job.yaml',
      title: 'job.yaml',
      mimetype: 'text/plain',
      filetype: 'yaml',
      pretty_type: 'YAML',
      size: Buffer.byteLength(YAML),
      user: ALICE,
      mode: 'hosted',
      is_public: true,
      url_private: `${emu.baseUrl}/files-pri/${emu.config.teamId}-${file.id}/job.yaml`,
      url_private_download: `${emu.baseUrl}/files-pri/${emu.config.teamId}-${file.id}/download/job.yaml`,
    });
    expect(emu.message('jobs', message.ts)?.files).toEqual(message.files);
    expect(emu.file(String(file.id))?.content?.toString()).toBe(YAML);
  });

  it('keeps filetype and mimetype overrides and binary content', () => {
    const message = emu.postUserMessage({
      channel: 'general',
      user: ALICE,
      text: '',
      files: [
        { name: 'manifest', content: YAML, filetype: 'yaml', mode: 'snippet' },
        { name: 'shot.bin', content: PNG, mimetype: 'image/png', filetype: 'png' },
      ],
    });
    expect(fileOf(message, 0)).toMatchObject({
      filetype: 'yaml',
      mimetype: 'text/plain',
      mode: 'snippet',
      editable: true,
    });
    expect(fileOf(message, 1)).toMatchObject({ filetype: 'png', mimetype: 'image/png', size: PNG.length });
  });

  it('answers files.info with the file and where it was shared', async () => {
    const message = shareYaml();
    const file = fileOf(message);
    const res = await client.files.info({ file: String(file.id) });
    expect(res).toMatchObject({ ok: true, comments: [], file: { ...file, comments_count: 0 } });
    expect(res.file?.channels).toEqual(['C0JOBS0001']);
    expect(res.file?.shares?.public?.C0JOBS0001?.[0]).toMatchObject({ ts: message.ts, channel_name: 'jobs' });
  });

  it('answers file_not_found for an unknown file', async () => {
    const err = await client.files.info({ file: 'F0NOPE0001' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'file_not_found' },
    });
  });
});

describe('private file URLs', () => {
  it('serves the bytes to the bot token with the file content-type and length', async () => {
    const file = fileOf(shareYaml());
    const res = await fetch(file.url_private_download as string, { headers: bearer(emu.config.botToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(YAML)));
    expect(res.headers.get('content-disposition')).toContain('attachment; filename="job.yaml"');
    expect(await res.text()).toBe(YAML);

    const inline = await fetch(file.url_private as string, { headers: bearer(emu.config.botToken) });
    expect(inline.headers.get('content-disposition')).toBeNull();
    expect(await inline.text()).toBe(YAML);
    expect(emu.downloads.filter((d) => d.fileId === file.id)).toMatchObject([
      { status: 200, served: true, token: emu.config.botToken },
      { status: 200, served: true },
    ]);
  });

  it('serves binary files byte for byte', async () => {
    const message = emu.postUserMessage({
      channel: 'jobs',
      user: ALICE,
      text: 'screenshot',
      files: [{ name: 'shot.png', content: PNG }],
    });
    const res = await fetch(fileOf(message).url_private_download as string, {
      headers: bearer(emu.config.botToken),
    });
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
  });

  it('answers the sign-in page, HTTP 200 after a redirect, without a valid bot token', async () => {
    const file = fileOf(shareYaml());
    const url = file.url_private_download as string;
    for (const headers of [{}, bearer('xoxb-wrong'), bearer(emu.config.appToken)]) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(200);
      expect(res.redirected).toBe(true);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toMatch(/^<!DOCTYPE html>.*Sign in to Jobbot Test/);
    }
    const manual = await fetch(url, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(
      `${emu.baseUrl}/?redir=${encodeURIComponent(new URL(url).pathname)}`,
    );
    expect(await manual.text()).toContain('Found</a>.');
    const misses = emu.downloads.filter((d) => d.fileId === file.id);
    expect(misses.map((d) => [d.status, d.served])).toEqual(Array(4).fill([302, false]));
    expect(misses[0]?.token).toBeUndefined();
    expect(misses[1]?.token).toBe('xoxb-wrong');
  });

  it('answers 404 for an unknown file, even with the bot token', async () => {
    const res = await fetch(`${emu.baseUrl}/files-pri/${emu.config.teamId}-F0NOPE0001/download/x.txt`, {
      headers: bearer(emu.config.botToken),
    });
    expect(res.status).toBe(404);
    expect(emu.downloads.at(-1)).toMatchObject({ fileId: 'F0NOPE0001', status: 404, served: false });
  });

  it('serves what the app uploaded too, and describes it in files.info', async () => {
    const res = await client.filesUploadV2({
      channel_id: 'C0JOBS0001',
      filename: 'run.log',
      content: 'ok\n',
    });
    const fileId = (res.files as Array<{ files: Array<{ id: string }> }>)[0]?.files[0]?.id ?? '';
    const info = await client.files.info({ file: fileId });
    expect(info.file).toMatchObject({ name: 'run.log', filetype: 'text', user: emu.config.botUserId });
    const download = await fetch(String(info.file?.url_private_download), {
      headers: bearer(emu.config.botToken),
    });
    expect(await download.text()).toBe('ok\n');
  });
});
