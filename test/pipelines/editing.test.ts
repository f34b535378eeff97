/**
 * Pipelines through Slack beyond YAML: the form mode of the modal, refusing a save on top of someone
 * else's, run history, log snippets in the run's thread and App Home following a run's jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { validateMessageBlocks, validateView } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import { createPipeline, finishedRun, job, openModal, runThread, slash, startRun } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  job(h, 'migrate', 'echo migrated the schema');
  job(h, 'web-smoke', 'echo web ok');
  job(h, 'api-smoke', 'echo api ok');
});
afterAll(async () => {
  await h?.stop();
});

async function redrawn(viewId: string, act: () => Promise<unknown>): Promise<void> {
  const before = h.slack.callsTo('views.update').length;
  await act();
  await h.slack.waitForCall('views.update', () => h.slack.callsTo('views.update').length > before);
  expect(validateView(h.slack.view(viewId), 'modal')).toEqual([]);
}

const chooseMode = (viewId: string, mode: 'YAML' | 'Form') =>
  redrawn(viewId, () =>
    h.driver.selectOption({ actionId: 'pipeline_mode', value: mode, source: { viewId } }),
  );
const addStage = (viewId: string) =>
  redrawn(viewId, () => h.driver.clickButton({ actionId: 'pipeline_add_stage', source: { viewId } }));

function errorsOf(res: { ack: unknown }): Record<string, string> {
  const ack = res.ack as { response_action?: string; errors?: Record<string, string> } | undefined;
  expect(ack?.response_action).toBe('errors');
  return ack!.errors!;
}

describe('the pipeline form', () => {
  it('builds a two-stage pipeline with overrides from menus', async () => {
    const viewId = await openModal(h, 'pipeline new');
    await chooseMode(viewId, 'Form');
    await addStage(viewId);
    const view = JSON.stringify(h.slack.view(viewId));
    expect(view).toContain('Stage 2: jobs (run in parallel)');
    expect(view).toContain('web-smoke');
    const res = await h.driver.submitView({
      viewId,
      values: {
        Name: 'formed',
        'Stage 1: jobs (run in parallel)': ['migrate'],
        'Stage 1: overrides': 'migrate env.MODE="very fast"',
        'Stage 2: jobs (run in parallel)': ['web-smoke', 'api-smoke'],
      },
    });
    expect(res.ack).toBeFalsy();
    const shown = await h.driver.slashCommand({ command: '/job', text: 'pipeline show formed' });
    const text = JSON.stringify((await shown.answer()).body);
    expect(text).toMatch(/1\. migrate/);
    expect(text).toMatch(/2\. web-smoke, api-smoke/);
    expect(text).toContain('very fast');
  });

  it('shows an existing pipeline as a form and back as the same YAML', async () => {
    await createPipeline(
      h,
      'both',
      'stages: [{jobs: [{job: migrate, overrides: {image: "perl:5.36"}}]}, {jobs: [{job: web-smoke}]}]',
    );
    const viewId = await openModal(h, 'pipeline edit both');
    await chooseMode(viewId, 'Form');
    const form = JSON.stringify(h.slack.view(viewId));
    expect(form).toContain('Stage 2: jobs');
    expect(form).toContain('migrate image=perl:5.36');
    await chooseMode(viewId, 'YAML');
    const yaml = JSON.stringify(h.slack.view(viewId));
    expect(yaml).toContain('perl:5.36');
    expect(yaml).toContain('web-smoke');
  });

  it('keeps unreadable YAML in YAML mode and says why', async () => {
    const viewId = await openModal(h, 'pipeline new');
    // Typed but not submitted: the switch reads what the view holds.
    await redrawn(viewId, () =>
      h.driver.selectOption({
        actionId: 'pipeline_mode',
        value: 'Form',
        source: { viewId },
        values: { 'Stages (YAML)': 'stages: [oops' },
      }),
    );
    const view = JSON.stringify(h.slack.view(viewId));
    expect(view).toContain('Fix the YAML before switching to the form');
    expect(view).toContain('Stages (YAML)');
  });

  it('puts each mistake under its stage, and saves nothing', async () => {
    const viewId = await openModal(h, 'pipeline new');
    await chooseMode(viewId, 'Form');
    await addStage(viewId);
    const res = await h.driver.submitView({
      viewId,
      values: {
        Name: 'mistaken',
        'Stage 1: jobs (run in parallel)': ['migrate'],
        'Stage 1: overrides': 'web-smoke image=x',
        'Stage 2: jobs (run in parallel)': ['api-smoke'],
        'Stage 2: overrides': 'api-smoke nonsense',
      },
    });
    const errors = errorsOf(res);
    expect(errors.overrides_0).toMatch(/start it with one of this stage's jobs \(migrate\)/);
    expect(errors.overrides_1).toMatch(/`nonsense` is not key=value/);
    expect(await slash(h, 'pipeline show mistaken')).toMatch(/no pipeline named mistaken/);

    const bad = await h.driver.submitView({
      viewId,
      values: {
        Name: 'mistaken',
        'Stage 1: jobs (run in parallel)': ['migrate'],
        'Stage 1: overrides': 'migrate nosuchkey=1',
        'Stage 2: jobs (run in parallel)': ['api-smoke'],
        'Stage 2: overrides': '',
      },
    });
    expect(errorsOf(bad).stage_0).toMatch(/Stage 1, migrate:/);
  });
});

describe('two people editing one pipeline', () => {
  it('refuses the second save instead of overwriting the first', async () => {
    await createPipeline(h, 'shared', 'stages: [{jobs: [{job: migrate}]}]');
    const alice = await openModal(h, 'pipeline edit shared');
    const bob = await openModal(h, 'pipeline edit shared', 'U0BOB00001');
    const first = await h.driver.submitView({
      viewId: alice,
      values: { 'Stages (YAML)': 'stages: [{jobs: [{job: web-smoke}]}]' },
    });
    expect(first.ack).toBeFalsy();
    const second = await h.driver.submitView({
      viewId: bob,
      values: { 'Stages (YAML)': 'stages: [{jobs: [{job: api-smoke}]}]' },
    });
    expect(errorsOf(second).yaml).toMatch(/Someone saved shared \(now revision 2\)/);
    expect(
      JSON.stringify(
        (await (await h.driver.slashCommand({ command: '/job', text: 'pipeline show shared' })).answer())
          .body,
      ),
    ).toContain('web-smoke');
  });

  it('refuses to create a pipeline under a name that exists', async () => {
    const res = await createPipeline(h, 'shared', 'stages: [{jobs: [{job: api-smoke}]}]');
    expect(errorsOf(res).name).toMatch(/A pipeline named shared exists already/);
  });
});

describe('runs in Slack', () => {
  it('shows each job’s log in the thread, lists runs and follows them in App Home', async () => {
    await createPipeline(h, 'logged', 'stages: [{jobs: [{job: migrate}]}, {jobs: [{job: web-smoke}]}]');
    await h.driver.appHomeOpened(h.slack.defaultUser);
    await h.slack.waitForCall('views.publish', (c) => c.args.user_id === h.slack.defaultUser);
    const published = () => h.slack.callsTo('views.publish').length;
    const before = published();

    const id = await startRun(h, 'logged');
    expect((await finishedRun(h, id, 40_000)).state).toBe('succeeded');
    const [, ...replies] = await runThread(h, id);
    const migrate = replies.find((m) => /^migrate #\d+: Succeeded/.test(m.text))!;
    expect(JSON.stringify(migrate.blocks)).toContain('migrated the schema');
    expect(JSON.stringify(migrate.blocks)).toMatch(/Full logs: `\/job logs \d+`/);
    for (const m of replies) expect(validateMessageBlocks(m.blocks as never)).toEqual([]);
    // App Home shows dispatches whoever started them, so a run's jobs refresh it too.
    await waitFor(() => published() > before, 10_000, 'App Home to follow the run');

    const all = await h.driver.slashCommand({ command: '/job', text: 'pipeline history' });
    const listing = JSON.stringify((await all.answer()).body);
    expect(listing).toContain(`*logged* run #${id}`);
    expect(listing).toMatch(/Succeeded: all 2 stages/);
    const one = await slash(h, 'pipeline history logged');
    expect(one).toMatch(/Runs of pipeline logged: 1-1 of 1/);
    expect(await slash(h, 'pipeline history nosuch')).toMatch(/no pipeline named nosuch/);
    expect(await slash(h, `pipeline show #${id}`)).toMatch(
      new RegExp(`Pipeline logged run #${id}: Succeeded`),
    );
    expect(await slash(h, 'pipeline show #99999')).toMatch(/no pipeline run #99999/);
  });
});
