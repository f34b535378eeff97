/**
 * `jobbot import` of invalid files: each problem is reported with the file and its line (also inside
 * a definition file's embedded Job), the exit status is 1, and an invalid file saves nothing at all —
 * no definition, no revision, no audit entry — while the valid files beside it are saved.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TESTS, type CliWorld, piJob, reportLines, startCliWorld } from './helpers.js';

let w: CliWorld;
beforeAll(async () => {
  w = await startCliWorld();
});
afterAll(async () => {
  await w?.close();
});

// Line 14 is the container without an image: line 9 of the embedded Job, which starts after line 5.
const NO_IMAGE = `# a definition file
cluster: alpha
namespace: jobs
description: no image
yaml: |
  apiVersion: batch/v1
  kind: Job
  metadata:
    name: noimage
  spec:
    template:
      spec:
        containers:
        - name: pi
          command: ["true"]
        restartPolicy: Never
`;

const UNKNOWN_CLUSTER = `cluster: gamma
namespace: jobs
yaml: |
${piJob('elsewhere')
  .split('\n')
  .map((l) => (l ? `  ${l}` : l))
  .join('\n')}`;

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(w.dir, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('importing invalid files', CLI_TESTS, () => {
  it('reports each problem at its file and line, saves the valid file and nothing of the others', async () => {
    const dir = folder('bad', {
      'always.yaml': piJob('always').replace('restartPolicy: Never', 'restartPolicy: Always'),
      'broken.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: [\n',
      'good.yaml': piJob('good'),
      'noimage.yaml': NO_IMAGE,
      'elsewhere.yaml': UNKNOWN_CLUSTER,
      'deployment.yaml': piJob('web').replace('batch/v1', 'apps/v1').replace('kind: Job', 'kind: Deployment'),
    });
    const run = await w.jobbot('import', dir, '--cluster', 'alpha', '--namespace', 'jobs');
    expect(run.code).toBe(1);
    const lines = reportLines(run.stdout);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^invalid {3}bad\/always\.yaml:12: spec\.template\.spec\.restartPolicy: restartPolicy Always is not allowed for a Job/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^invalid {3}bad\/broken\.yaml:4: YAML syntax error on line 4/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^invalid {3}bad\/deployment\.yaml:2: kind: This is a Deployment \(apps\/v1\); Jobbot needs a Job/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^invalid {3}bad\/elsewhere\.yaml:1: cluster: Unknown cluster "gamma"; choose one of: alpha, beta\./,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^invalid {3}bad\/noimage\.yaml:14: spec\.template\.spec\.containers\[0\]\.image: /,
      ),
    );
    expect(lines).toContain('created   bad/good.yaml: good on cluster alpha, namespace jobs');
    expect(run.stdout).toMatch(
      /\n6 files: 1 created, 5 invalid\. The invalid files saved nothing: fix them and import again\.\n$/,
    );

    expect(w.definitions().map((d) => d.name)).toEqual(['good']);
    expect(w.audit().map((e) => e.target)).toEqual(['definition:good']);
  });

  it('keeps the saved definition as it was when a change to it is invalid', async () => {
    const dir = folder('worse', {
      'good.yaml': piJob('good').replace('backoffLimit: 4', 'backoffLimit: -1'),
    });
    const run = await w.jobbot('import', dir, '--cluster', 'alpha', '--namespace', 'jobs');
    expect(run.code).toBe(1);
    expect(reportLines(run.stdout)).toEqual([
      expect.stringMatching(/^invalid {3}worse\/good\.yaml:13: spec\.backoffLimit: /),
    ]);
    expect(w.definitions()).toMatchObject([{ name: 'good', revision: 1 }]);
    expect(w.audit()).toHaveLength(1);
  });

  it("reports the cluster's own refusal in the dry run, and saves nothing", async () => {
    const alpha = w.kube.cluster('alpha');
    alpha.access.forbid({ verb: 'create', resource: 'jobs', namespace: 'jobs' });
    try {
      const dir = folder('refused', { 'refused.yaml': piJob('refused', 'jobs') });
      const run = await w.jobbot('import', dir, '--cluster', 'alpha');
      expect(run.code).toBe(1);
      expect(reportLines(run.stdout)).toEqual([
        expect.stringMatching(
          /^invalid {3}refused\/refused\.yaml:4: namespace: Jobbot may not create Jobs there on alpha \(jobs\.batch is forbidden: .*cannot create resource "jobs"/,
        ),
      ]);
      expect(w.definitions().map((d) => d.name)).toEqual(['good']);
    } finally {
      alpha.access.allowAll();
    }
  });

  it('refuses two files that define the same job', async () => {
    const dir = folder('twice', { 'a.yaml': piJob('twin'), 'b.yaml': piJob('twin') });
    const run = await w.jobbot('import', dir, '--cluster', 'alpha', '--namespace', 'jobs', '--dry-run');
    expect(run.code).toBe(1);
    expect(reportLines(run.stdout)).toEqual([
      'created   twice/a.yaml: twin on cluster alpha, namespace jobs',
      'invalid   twice/b.yaml:4: name: job twin is also defined in twice/a.yaml; keep it in one file.',
    ]);
  });

  it('asks for a cluster when a Job file could go to several', async () => {
    const dir = folder('where', { 'pi.yaml': piJob('where') });
    const run = await w.jobbot('import', dir);
    expect(run.code).toBe(1);
    expect(reportLines(run.stdout)).toEqual([
      'invalid   where/pi.yaml: cluster: say which cluster this Job runs on: pass --cluster NAME (one of alpha, beta), or use a definition file.',
      'invalid   where/pi.yaml:3: metadata.namespace: say which namespace this Job runs in: add metadata.namespace, or pass --namespace NAME.',
    ]);
  });
});
