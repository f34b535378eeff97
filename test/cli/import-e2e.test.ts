/**
 * GitOps end to end: `jobbot import` runs as its own process beside a running Jobbot, with the very
 * settings the app runs with, and `/job list` in Slack then shows the imported jobs, with their
 * revisions attributed to `cli`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CLI_TESTS, piJob, runJobbot } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('jobbot import beside a running Jobbot', CLI_TESTS, () => {
  it('imports a folder that /job list then shows', async () => {
    const repo = path.join(h.dir, 'jobs-repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'nightly-pi.yaml'), piJob('nightly-pi'));
    writeFileSync(
      path.join(repo, 'weekly-report.yaml'),
      `cluster: ${E2E.cluster}\nnamespace: ${E2E.namespace}\ndescription: Weekly report\nyaml: |\n${piJob(
        'weekly-report',
      )
        .split('\n')
        .map((l) => (l ? `  ${l}` : l))
        .join('\n')}`,
    );

    const run = await runJobbot(
      ['import', repo, '--cluster', E2E.cluster, '--namespace', E2E.namespace],
      h.env,
      h.dir,
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        `created   jobs-repo/nightly-pi.yaml: nightly-pi on cluster ${E2E.cluster}, namespace ${E2E.namespace}`,
        `created   jobs-repo/weekly-report.yaml: weekly-report on cluster ${E2E.cluster}, namespace ${E2E.namespace}`,
        '2 files: 2 created.',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(0);

    const list = await h.driver.slashCommand({ command: '/job', text: 'list' });
    const text = JSON.stringify((await list.answer()).body.blocks);
    expect(text).toContain('*nightly-pi*');
    expect(text).toContain('*weekly-report*');
    expect(text).toContain('Weekly report');

    const show = await h.driver.slashCommand({ command: '/job', text: 'show weekly-report --revisions' });
    expect(JSON.stringify((await show.answer()).body.blocks)).toMatch(/Revision 1\* by .*\(cli\)/);
  });
});
