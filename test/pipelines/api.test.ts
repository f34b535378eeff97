/**
 * The pipeline API: defining a pipeline with PUT, running it with a token (waiting for its end),
 * reading and cancelling runs, and where a run's thread goes when its channel cannot take it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createToken } from '../api/helpers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import { createPipeline, finishedRun, job, readRun, runThread, startRun } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  job(h, 'migrate', 'echo migrated');
  job(h, 'web-smoke', 'echo web ok');
  job(h, 'api-smoke', 'echo api ok');
  job(h, 'report', 'echo report');
  job(h, 'sleeper', 'sleep 600');
  const three =
    'stages: [{jobs: [{job: migrate}]}, {jobs: [{job: web-smoke}, {job: api-smoke}]}, {jobs: [{job: report}]}]';
  await createPipeline(h, 'deploy', three);
  await createPipeline(h, 'slow', 'stages: [{jobs: [{job: sleeper}]}, {jobs: [{job: report}]}]');
});
afterAll(async () => {
  await h?.stop();
});

describe('the pipeline API', () => {
  it('starts a run with a token and reports it', async () => {
    const token = await createToken(h, 'ci-pipelines');
    const res = await api(h, 'POST', '/api/v1/pipelines/deploy/runs', {
      token,
      body: { channel: 'C0JOBS0001', wait: 60 },
    });
    expect(res.status).toBe(201);
    expect(res.json.status).toBe('succeeded');
    expect(res.json.stages).toHaveLength(3);
    const got = await api(h, 'GET', `/api/v1/pipeline-runs/${res.json.id}`, { token });
    expect(got.json.verdict).toMatch(/Succeeded/);
    expect((await api(h, 'POST', '/api/v1/pipelines/nope/runs', { token })).status).toBe(404);
    const narrow = await createToken(h, 'ci-narrow', 'migrate');
    expect((await api(h, 'POST', '/api/v1/pipelines/deploy/runs', { token: narrow })).status).toBe(403);
  });
});

describe('defining pipelines through the API', () => {
  it('creates and updates a pipeline with PUT, checking its jobs', async () => {
    const token = await createToken(h, 'ci-define');
    const yaml = 'stages: [{jobs: [{job: migrate}]}]';
    const created = await api(h, 'PUT', '/api/v1/pipelines/from-api', { token, body: { yaml } });
    expect(created.status).toBe(201);
    const updated = await api(h, 'PUT', '/api/v1/pipelines/from-api', {
      token,
      body: { yaml: 'stages: [{jobs: [{job: migrate}, {job: report}]}]' },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.revision).toBe(2);
    const bad = await api(h, 'PUT', '/api/v1/pipelines/from-api', {
      token,
      body: { yaml: 'stages: [{jobs: [{job: nosuch}]}]' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields.join(' ')).toMatch(/nosuch/);
  });
});

describe('runs through the API', () => {
  it('cancels a run, then refuses to cancel it again', async () => {
    const token = await createToken(h, 'ci-cancel');
    const res = await api(h, 'POST', '/api/v1/pipelines/slow/runs', {
      token,
      body: { channel: 'C0JOBS0001' },
    });
    expect(res.status).toBe(201);
    const cancelled = await api(h, 'POST', `/api/v1/pipeline-runs/${res.json.id}/cancel`, { token });
    expect(cancelled.status).toBe(202);
    expect(cancelled.json.status).toBe('cancelled');
    expect((await api(h, 'POST', `/api/v1/pipeline-runs/${res.json.id}/cancel`, { token })).status).toBe(409);
    expect((await api(h, 'GET', '/api/v1/pipeline-runs/999999', { token })).status).toBe(404);
  });

  it.each([
    ['names no channel', {}],
    ['names a channel Slack refuses', { channel: 'C0NOSUCH99' }],
  ])("posts the thread to the token creator's DM when the run %s", async (_, body) => {
    const token = await createToken(h, `ci-dm-${Object.keys(body).length}`);
    const res = await api(h, 'POST', '/api/v1/pipelines/deploy/runs', { token, body });
    expect(res.status).toBe(201);
    const run = await finishedRun(h, res.json.id, 40_000);
    expect(run.state).toBe('succeeded');
    const messages = await runThread(h, run.id);
    expect(readRun(h, run.id).channel).toMatch(/^D/);
    expect(messages[0]!.text).toMatch(/Succeeded/);
    for (const m of messages) expect(validateMessageBlocks(m.blocks as never)).toEqual([]);
  });
});

describe('the Cancel run button', () => {
  it('cancels the run from its status message, then leaves the button out', async () => {
    const id = await startRun(h, 'slow');
    const posted = await waitFor(
      () => {
        const r = readRun(h, id);
        return r.messageTs ? r : undefined;
      },
      10_000,
      'the status message',
    );
    await h.driver.clickButton({
      actionId: 'pipeline_cancel',
      source: { channel: posted.channel!, ts: posted.messageTs! },
    });
    const run = await finishedRun(h, id);
    expect(run.state).toBe('cancelled');
    expect(run.verdict).toMatch(new RegExp(`^Cancelled by <@${h.slack.defaultUser}>`));
    const [status] = await runThread(h, id);
    expect(JSON.stringify(status!.blocks)).not.toContain('pipeline_cancel');
  });
});
