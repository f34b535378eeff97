/**
 * The pipeline API end to end: tokens made in Slack, then real HTTP calls to the running app, which
 * dispatches the docs "pi" Job on the Kubernetes emulator and reports back in Slack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { api, createToken, define, dispatchRecord, drained } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  define(h, PI_YAML);
  define(h, PI_YAML.replace('name: pi\n', 'name: deploy-pi\n'));
});
afterAll(async () => {
  await h?.stop();
});

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';

describe('API tokens', () => {
  it('are shown once on creation, listed without the secret, and refused once revoked', async () => {
    const secret = await createToken(h, 'ci-lifecycle');
    const again = await h.driver.slashCommand({ command: '/job', text: 'token create ci-lifecycle' });
    expect((await again.answer()).text).toMatch(/already exists/);

    const list = await h.driver.slashCommand({ command: '/job', text: 'token list' });
    const listed = (await list.answer()).text;
    expect(listed).toContain('ci-lifecycle');
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain('jbt_');

    expect((await api(h, 'GET', '/api/v1/jobs', { token: secret })).status).toBe(200);
    const revoke = await h.driver.slashCommand({ command: '/job', text: 'token revoke ci-lifecycle' });
    expect((await revoke.answer()).text).toMatch(/Revoked/);
    const refused = await api(h, 'GET', '/api/v1/jobs', { token: secret });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('are audited without the secret', async () => {
    const secret = await createToken(h, 'ci-audited', 'deploy-*');
    const res = await h.driver.slashCommand({ command: '/job', text: 'audit' });
    const text = JSON.stringify((await res.answer()).body);
    expect(text).toContain('token.created');
    expect(text).toContain('ci-audited');
    expect(text).not.toContain(secret);
  });
});

describe('dispatching through the API', () => {
  it('answers at once without wait, then reports the verdict', async () => {
    const token = await createToken(h, 'ci-nowait');
    const res = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', {
      token,
      body: { channel: 'C0JOBS0001' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      definition: 'pi',
      finished: false,
      links: { self: expect.any(String) },
    });
    expect(res.json.links.self).toBe(`/api/v1/dispatches/${res.json.number}`);
    let d = res.json;
    for (let i = 0; i < 200 && !d.finished; i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = (await api(h, 'GET', res.json.links.self, { token })).json;
    }
    expect(d.status).toBe('succeeded');
    expect(d.verdict).toMatch(/^Succeeded/);
  });

  it('waits for the verdict, attributes it in Slack, and serves the logs', async () => {
    const token = await createToken(h, 'ci-main', 'deploy-*');
    const res = await api(h, 'POST', '/api/v1/jobs/deploy-pi/dispatches', {
      token,
      body: {
        channel: 'C0JOBS0001',
        onBehalfOf: 'bob@example.com',
        wait: 60,
        overrides: { image: 'perl:5.36' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      status: 'succeeded',
      finished: true,
      verdict: expect.stringMatching(/^Succeeded/),
    });

    const logs = await fetch(`${h.url}${res.json.links.logs}?container=pi`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await logs.text()).toContain('3.14159');

    const d = dispatchRecord(h, res.json.number)!;
    expect(d.actor).toMatchObject({ kind: 'token', id: 'ci-main', ownerId: ALICE, onBehalfOf: BOB });
    await drained(h, d.number);
    const [status] = h.slack.thread(d.channel!, dispatchRecord(h, d.number)!.messageTs!);
    expect(JSON.stringify(status!.blocks)).toContain(
      `dispatched by pipeline \`ci-main\` (token created by <@${ALICE}>) on behalf of <@${BOB}>`,
    );

    const audit = await h.driver.slashCommand({ command: '/job', text: `audit #${d.number}` });
    const entry = JSON.stringify((await audit.answer()).body);
    expect(entry).toContain('dispatch.created');
    expect(entry).toContain('ci-main');
    expect(entry).toContain(BOB);
  });

  it('lists only the jobs matching the token pattern', async () => {
    const token = await createToken(h, 'ci-list', 'deploy-*');
    const res = await api(h, 'GET', '/api/v1/jobs', { token });
    expect(res.json.jobs.map((j: { name: string }) => j.name)).toEqual(['deploy-pi']);
    expect((await api(h, 'GET', '/api/v1/jobs/deploy-pi', { token })).json.name).toBe('deploy-pi');
  });
});

describe('API errors', () => {
  it('401 for a missing, unknown or malformed token, with no detail', async () => {
    for (const token of [undefined, 'jbt_nope', 'something-else']) {
      const res = await api(h, 'GET', '/api/v1/jobs', { ...(token ? { token } : {}) });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
    }
  });

  it('403 outside the pattern, 404 for unknown jobs and dispatches, 422 for unknown override keys', async () => {
    const token = await createToken(h, 'ci-errors', 'deploy-*');
    const forbidden = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', { token, body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe('forbidden');
    expect((await api(h, 'GET', '/api/v1/jobs/pi', { token })).status).toBe(403);

    const missing = await api(h, 'POST', '/api/v1/jobs/deploy-nosuch/dispatches', { token, body: {} });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('definition_not_found');
    expect((await api(h, 'GET', '/api/v1/dispatches/99999', { token })).status).toBe(404);

    const bad = await api(h, 'POST', '/api/v1/jobs/deploy-pi/dispatches', {
      token,
      body: { overrides: { imgae: 'perl:5.36' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('invalid_overrides');
    expect(bad.json.error.fields.join(' ')).toMatch(/imgae.*image/);

    const schema = await api(h, 'POST', '/api/v1/jobs/deploy-pi/dispatches', {
      token,
      body: { wait: 99999 },
    });
    expect(schema.status).toBe(400);
    expect(schema.json.error.fields[0]).toMatch(/^wait/);
  });

  it('413 for a body over 64 KiB', async () => {
    const token = await createToken(h, 'ci-large');
    const res = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', {
      token,
      raw: JSON.stringify({ overrides: { 'env.BIG': 'x'.repeat(70 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('body_too_large');
  });
});

describe('openapi.json', () => {
  it('is served without a token and describes the dispatch body', async () => {
    const res = await api(h, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    const post = res.json.paths['/api/v1/jobs/{name}/dispatches'].post;
    expect(Object.keys(post.requestBody.content['application/json'].schema.properties)).toEqual([
      'overrides',
      'channel',
      'onBehalfOf',
      'wait',
    ]);
    const run = res.json.paths['/api/v1/pipelines/{name}/runs'].post;
    expect(Object.keys(run.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['channel', 'wait']),
    );
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/pipelines/{name}',
        '/api/v1/pipeline-runs/{id}',
        '/api/v1/pipeline-runs/{id}/cancel',
      ]),
    );
  });
});
