/**
 * Helpers for the pipeline tests: jobs defined straight in the database, pipelines created through
 * the real `/job pipeline new` modal, and reads of runs and their Slack threads once delivered.
 */
import { expect } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { PipelineRepository, type RunRecord } from '../../src/store/pipelines.js';
import { E2E } from '../support/cluster.js';
import { shellJobYaml } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { defineJob } from '../support/seed.js';
import { validateMessageBlocks, validateView } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

export function job(h: Harness, name: string, command: string): void {
  defineJob(
    h.env.JOBBOT_DB!,
    shellJobYaml(name, command),
    { cluster: E2E.cluster, namespace: E2E.namespace },
    { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
  );
}

/** Opens the modal `/job TEXT` opens (checked against Block Kit); returns its view id. */
export async function openModal(h: Harness, text: string, user?: string): Promise<string> {
  const res = await h.driver.slashCommand({ command: '/job', text, ...(user ? { user } : {}) });
  const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
  const viewId = (call.response as { view: { id: string } }).view.id;
  expect(validateView(h.slack.view(viewId), 'modal')).toEqual([]);
  return viewId;
}

/** Opens the New pipeline modal and submits it; returns the submission's ack. */
export async function createPipeline(h: Harness, name: string, yaml: string) {
  const viewId = await openModal(h, 'pipeline new');
  return h.driver.submitView({ viewId, values: { Name: name, 'Stages (YAML)': yaml } });
}

/** The ephemeral answer to `/job TEXT`, its blocks checked against Block Kit. */
export async function slash(h: Harness, text: string): Promise<string> {
  const res = await h.driver.slashCommand({ command: '/job', text });
  const { body, text: answer } = await res.answer();
  if (body.blocks) expect(validateMessageBlocks(body.blocks as never)).toEqual([]);
  return answer;
}

export async function startRun(h: Harness, name: string): Promise<number> {
  const text = await slash(h, `pipeline run ${name}`);
  const m = /run #(\d+)/.exec(text);
  if (!m) throw new Error(`not started: ${text}`);
  return Number(m[1]);
}

function withRepo<T>(h: Harness, f: (r: PipelineRepository) => T): T {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return f(new PipelineRepository(db));
  } finally {
    db.close();
  }
}

export function readRun(h: Harness, id: number): RunRecord {
  return withRepo(h, (r) => r.run(id)!);
}

export function runDispatches(h: Harness, id: number) {
  return withRepo(h, (r) => r.dispatchesOf(id));
}

export function finishedRun(h: Harness, id: number, ms = 20_000): Promise<RunRecord> {
  return waitFor(
    () => {
      const r = readRun(h, id);
      return r.state !== 'running' ? r : undefined;
    },
    ms,
    `pipeline run #${id} to finish`,
  );
}

/** The run's status message and thread, once its outbox has delivered everything. */
export async function runThread(h: Harness, id: number) {
  await waitFor(
    () => {
      const db = openDatabase(h.env.JOBBOT_DB!);
      try {
        const row = db
          .prepare('select count(*) as n from pipeline_outbox where run_id = ? and delivered_at is null')
          .get(id) as { n: number };
        return row.n === 0;
      } finally {
        db.close();
      }
    },
    10_000,
    'the pipeline outbox to drain',
  );
  const run = readRun(h, id);
  expect(run.messageTs).toBeTruthy();
  return h.slack.thread(run.channel!, run.messageTs!);
}
