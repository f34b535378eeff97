/**
 * Pipelines end to end: created through the modal, run from Slack and the API, followed in one
 * thread, against the Kubernetes emulator running each stage's Jobs for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { PipelineRepository } from '../../src/store/pipelines.js';
import { type Harness, startHarness } from '../support/harness.js';
import { readDispatch } from '../support/seed.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import {
  createPipeline,
  finishedRun,
  job,
  openModal,
  readRun,
  runDispatches,
  runThread,
  slash,
  startRun,
} from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  job(h, 'migrate', 'echo migrated');
  job(h, 'web-smoke', 'echo web ok');
  job(h, 'api-smoke', 'echo api ok');
  job(h, 'broken', 'echo nope; exit 3');
  job(h, 'sleeper', 'sleep 600');
  job(h, 'report', 'echo report');
});
afterAll(async () => {
  await h?.stop();
});

const THREE =
  'stages: [{jobs: [{job: migrate, overrides: {env.MODE: fast}}]}, {jobs: [{job: web-smoke}, {job: api-smoke}]}, {jobs: [{job: report}]}]';

function expectValid(messages: { blocks?: unknown }[]): void {
  for (const m of messages) expect(validateMessageBlocks(m.blocks as never)).toEqual([]);
}

describe('creating pipelines', () => {
  it('refuses unknown jobs, bad names and too many stages in the modal', async () => {
    const res = await createPipeline(h, 'Bad_Name', 'stages: [{jobs: [{job: nosuch}]}]');
    const errors = (res.ack as { errors: Record<string, string> }).errors;
    expect(errors.name).toMatch(/lower-case/);
    expect(errors.yaml).toMatch(/nosuch/);
    const many = `stages: [${Array.from({ length: 11 }, () => '{jobs: [{job: migrate}]}').join(', ')}]`;
    const res2 = await createPipeline(h, 'many', many);
    expect((res2.ack as { errors: Record<string, string> }).errors.yaml).toMatch(/at most 10 stages/);
  });

  it('saves, lists and shows a pipeline', async () => {
    const res = await createPipeline(h, 'deploy', THREE);
    expect(res.ack).toBeFalsy();
    expect(await slash(h, 'pipeline list')).toMatch(/pipelines/);
    expect(await slash(h, 'pipeline show deploy')).toBe('Pipeline deploy');
    expect(await slash(h, 'pipeline frobnicate')).toMatch(/pipeline new/);
  });

  it('edits a pipeline in a modal holding its YAML', async () => {
    await createPipeline(h, 'draft', 'stages: [{jobs: [{job: migrate}]}]');
    const viewId = await openModal(h, 'pipeline edit draft');
    expect(JSON.stringify(h.slack.view(viewId))).toContain('job: migrate');
    const res = await h.driver.submitView({
      viewId,
      values: { 'Stages (YAML)': 'stages: [{jobs: [{job: report}]}]' },
    });
    expect(res.ack).toBeFalsy();
    const res2 = await h.driver.slashCommand({ command: '/job', text: 'pipeline show draft' });
    expect(JSON.stringify((await res2.answer()).body)).toMatch(/revision 2[\s\S]*report/);
  });
});

describe('running a pipeline', () => {
  it('runs the stages in order, the parallel stage together, in one thread', async () => {
    const id = await startRun(h, 'deploy');
    const run = await finishedRun(h, id, 40_000);
    expect(run.state).toBe('succeeded');
    const ds = runDispatches(h, id).map((r) => ({
      ...r,
      d: readDispatch(h.env.JOBBOT_DB!, r.dispatchNumber)!,
    }));
    expect(ds.map((x) => x.stage)).toEqual([0, 1, 1, 2]);
    const [first, web, apiSmoke, last] = ds;
    expect(first!.d.state).toBe('succeeded');
    expect(JSON.stringify(first!.d.overrides)).toContain('MODE');
    // A stage starts only once the one before has finished.
    expect(Date.parse(web!.d.createdAt)).toBeGreaterThanOrEqual(Date.parse(first!.d.finishedAt!));
    expect(Date.parse(apiSmoke!.d.createdAt)).toBeGreaterThanOrEqual(Date.parse(first!.d.finishedAt!));
    const stage2End = Math.max(Date.parse(web!.d.finishedAt!), Date.parse(apiSmoke!.d.finishedAt!));
    expect(Date.parse(last!.d.createdAt)).toBeGreaterThanOrEqual(stage2End);
    // The stage's dispatches post nothing of their own.
    for (const x of ds) expect(readDispatch(h.env.JOBBOT_DB!, x.dispatchNumber)!.messageTs).toBeNull();

    const [status, ...replies] = await runThread(h, id);
    expect(status!.text).toMatch(new RegExp(`^Pipeline deploy run #${id}: Succeeded`));
    expect(JSON.stringify(status!.blocks)).toContain('Stage 3 (succeeded)');
    const texts = replies.map((m) => m.text);
    expect(texts.filter((t) => /^Stage \d of 3 started/.test(t))).toHaveLength(3);
    expect(texts.some((t) => t.startsWith(`web-smoke #${web!.dispatchNumber}: Succeeded`))).toBe(true);
    expect(texts.at(-1)).toMatch(/Succeeded: all 3 stages/);
    expectValid([status!, ...replies]);
  });

  it('stops at a failing stage and names the job that failed', async () => {
    expect(
      (
        await createPipeline(
          h,
          'fails',
          'stages: [{jobs: [{job: migrate}]}, {jobs: [{job: web-smoke}, {job: broken}]}, {jobs: [{job: report}]}]',
        )
      ).ack,
    ).toBeFalsy();
    const id = await startRun(h, 'fails');
    const run = await finishedRun(h, id, 40_000);
    expect(run.state).toBe('failed');
    expect(run.verdict).toMatch(/^Failed in stage 2: broken #\d+/);
    expect(runDispatches(h, id).some((r) => r.stage === 2)).toBe(false);
    const [status, ...replies] = await runThread(h, id);
    expect(status!.text).toMatch(/Failed in stage 2: broken/);
    expect(JSON.stringify(status!.blocks)).toContain('Stage 3 (skipped)');
    expect(replies.at(-1)!.text).toMatch(/broken/);
    expectValid([status!, ...replies]);
  });

  it('stops the rest of a stage as soon as one of its jobs fails', async () => {
    expect(
      (
        await createPipeline(
          h,
          'doomed',
          'stages: [{jobs: [{job: broken}, {job: sleeper}]}, {jobs: [{job: report}]}]',
        )
      ).ack,
    ).toBeFalsy();
    const id = await startRun(h, 'doomed');
    const run = await finishedRun(h, id, 40_000);
    expect(run.state).toBe('failed');
    expect(run.verdict).toMatch(/^Failed in stage 1: broken #\d+/);
    const sleeper = runDispatches(h, id)
      .map((r) => readDispatch(h.env.JOBBOT_DB!, r.dispatchNumber)!)
      .find((d) => d.definitionName === 'sleeper')!;
    expect(sleeper.state).toBe('cancelled');
    expect(runDispatches(h, id).some((r) => r.stage === 1)).toBe(false);
  });

  it('cancels the running stage when the run is cancelled', async () => {
    expect(
      (
        await createPipeline(
          h,
          'slow',
          'stages: [{jobs: [{job: sleeper}, {job: web-smoke}]}, {jobs: [{job: report}]}]',
        )
      ).ack,
    ).toBeFalsy();
    const id = await startRun(h, 'slow');
    const sleeper = await waitFor(
      () => {
        const r = runDispatches(h, id)[0];
        const d = r && readDispatch(h.env.JOBBOT_DB!, r.dispatchNumber);
        return d?.state === 'running' ? d : undefined;
      },
      15_000,
      'the sleeper to run',
    );
    expect(await slash(h, `pipeline cancel ${id}`)).toMatch(/Cancelled pipeline slow run/);
    const run = readRun(h, id);
    expect(run.state).toBe('cancelled');
    await waitFor(
      () => readDispatch(h.env.JOBBOT_DB!, sleeper.number)!.state === 'cancelled',
      15_000,
      'cancel',
    );
    expect(runDispatches(h, id).some((r) => r.stage === 1)).toBe(false);
    const [status, ...replies] = await runThread(h, id);
    expect(status!.text).toMatch(/Cancelled by <@/);
    expectValid([status!, ...replies]);
    expect(await slash(h, `pipeline cancel ${id}`)).toMatch(/already finished/);
  });
});

describe('a restart in the middle of a run', () => {
  it('carries the run on to its last stage', async () => {
    job(h, 'pause', 'sleep 2; echo done');
    expect(
      (await createPipeline(h, 'resumable', 'stages: [{jobs: [{job: pause}]}, {jobs: [{job: report}]}]')).ack,
    ).toBeFalsy();
    const id = await startRun(h, 'resumable');
    await waitFor(() => runDispatches(h, id).length === 1, 10_000, 'stage 1 to start');
    await h.restart();
    const run = await finishedRun(h, id, 40_000);
    expect(run.state).toBe('succeeded');
    expect(runDispatches(h, id).map((r) => r.stage)).toEqual([0, 1]);
    await runThread(h, id);
  });
});

describe('resuming after a crash', () => {
  it('starts the jobs of a stage that a crash left unstarted', async () => {
    expect(
      (await createPipeline(h, 'pair', 'stages: [{jobs: [{job: migrate}, {job: report}]}]')).ack,
    ).toBeFalsy();
    // pair's one stage is [migrate, report]: a plain dispatch stands in for migrate, as if Jobbot
    // had crashed after dispatching it and before dispatching report.
    const number = Number(/#(\d+)/.exec(await slash(h, 'run migrate --yes'))![1]);
    await waitFor(() => readDispatch(h.env.JOBBOT_DB!, number)?.state === 'succeeded', 15_000, 'migrate');
    await h.app.stop();
    const db = openDatabase(h.env.JOBBOT_DB!);
    let id: number;
    try {
      const repo = new PipelineRepository(db);
      const run = repo.createRun(
        repo.get('pair')!,
        SLACK_USER(h),
        h.slack.defaultChannel,
        new Date().toISOString(),
      );
      repo.addDispatch(run.id, { dispatchNumber: number, stage: 0, job: 0 });
      id = run.id;
    } finally {
      db.close();
    }
    await h.restart();
    const run = await finishedRun(h, id, 40_000);
    expect(run.state).toBe('succeeded');
    expect(runDispatches(h, id).map((r) => [r.stage, r.job])).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('resuming after a stage finished while Jobbot was down', () => {
  it('starts the next stage', async () => {
    const number = Number(/#(\d+)/.exec(await slash(h, 'run migrate --yes'))![1]);
    await waitFor(() => readDispatch(h.env.JOBBOT_DB!, number)?.state === 'succeeded', 15_000, 'migrate');
    await h.app.stop();
    const db = openDatabase(h.env.JOBBOT_DB!);
    let id: number;
    try {
      const repo = new PipelineRepository(db);
      const run = repo.createRun(repo.get('deploy')!, SLACK_USER(h), null, new Date().toISOString());
      repo.addDispatch(run.id, { dispatchNumber: number, stage: 0, job: 0 });
      id = run.id;
    } finally {
      db.close();
    }
    await h.restart();
    expect((await finishedRun(h, id, 40_000)).state).toBe('succeeded');
    expect(runDispatches(h, id).map((r) => r.stage)).toEqual([0, 1, 1, 2]);
  });
});

const SLACK_USER = (x: Harness) => ({ kind: 'slack' as const, id: x.slack.defaultUser, name: 'tester' });

describe('the audit log', () => {
  it('records pipelines saved, run, cancelled and finished', () => {
    const db = openDatabase(h.env.JOBBOT_DB!);
    try {
      const actions = (
        db.prepare(`select distinct action from audit_log where action like 'pipeline.%'`).all() as {
          action: string;
        }[]
      ).map((r) => r.action);
      expect(actions.sort()).toEqual([
        'pipeline.cancelled',
        'pipeline.created',
        'pipeline.finished',
        'pipeline.run',
        'pipeline.updated',
      ]);
    } finally {
      db.close();
    }
  });
});
