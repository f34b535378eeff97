/**
 * `jobbot import` and `jobbot export` against the Kubernetes emulator and a real database file, as an
 * operator runs them (a separate process, no Slack settings): a folder of the three file shapes is
 * imported through the same checks as Slack, re-importing changes nothing, an export reads back
 * unchanged and exports again byte for byte, and an edited file becomes one new revision that says
 * what changed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobYaml } from '../../src/domain/definition/index.js';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { CLI_TESTS, type CliWorld, piJob, reportLines, startCliWorld } from './helpers.js';

let w: CliWorld;
beforeAll(async () => {
  w = await startCliWorld();
});
afterAll(async () => {
  await w?.close();
});

const REPORT = `# Nightly report; owned by the data team.
cluster: alpha
namespace: jobs
description: Nightly report
yaml: |
  # The docs' pi Job, renamed.
  apiVersion: batch/v1
  kind: Job
  metadata:
    name: report
  spec:
    template:
      spec:
        containers:
        - name: pi
          image: perl:5.34.0 # pinned
          command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]
        restartPolicy: Never
`;

const CLEANUP = {
  cluster: 'beta',
  namespace: 'jobs',
  description: 'Removes old files',
  job: {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'cleanup', labels: { team: 'ops' } },
    spec: {
      template: {
        spec: {
          restartPolicy: 'OnFailure',
          containers: [{ name: 'rm', image: 'busybox:1.36', command: ['true'] }],
        },
      },
    },
  },
};

function writeRepo(): string {
  const repo = path.join(w.dir, 'repo');
  mkdirSync(repo);
  writeFileSync(path.join(repo, 'pi.yaml'), piJob('pi', 'jobs'));
  writeFileSync(path.join(repo, 'report.yaml'), REPORT);
  writeFileSync(path.join(repo, 'cleanup.json'), JSON.stringify(CLEANUP, null, 2));
  writeFileSync(path.join(repo, 'README.md'), 'not a definition');
  return repo;
}

/** A definition made with the Slack form: no YAML of its own. */
function seedFormDefinition(): void {
  const parsed = parseJobYaml(piJob('formed'));
  if (!parsed.ok) throw new Error('bad fixture');
  const db = openDatabase(w.db);
  try {
    new DefinitionRepository(db).create(
      {
        name: 'formed',
        cluster: 'alpha',
        namespace: 'jobs',
        description: 'Made in the form',
        source: 'form',
        template: parsed.manifest as never,
        yaml: null,
      },
      { kind: 'slack', id: 'U0ALICE001', name: 'alice' },
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
}

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

describe('import, then export', CLI_TESTS, () => {
  it('imports Job files and definition files through the cluster dry run, as the cli actor', async () => {
    const repo = writeRepo();
    const run = await w.jobbot('import', repo, '--cluster', 'alpha');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'created   repo/cleanup.json: cleanup on cluster beta, namespace jobs',
        'created   repo/pi.yaml: pi on cluster alpha, namespace jobs',
        'created   repo/report.yaml: report on cluster alpha, namespace jobs',
        '3 files: 3 created.',
        '',
      ].join('\n'),
    );

    const defs = w.definitions();
    expect(defs.map((d) => [d.name, d.cluster, d.namespace, d.description, d.revision])).toEqual([
      ['cleanup', 'beta', 'jobs', 'Removes old files', 1],
      ['pi', 'alpha', 'jobs', '', 1],
      ['report', 'alpha', 'jobs', 'Nightly report', 1],
    ]);
    for (const d of defs) expect(d.createdBy).toEqual({ kind: 'system', id: 'cli', name: 'cli' });
    expect(defs.find((d) => d.name === 'report')?.yaml).toContain("# The docs' pi Job, renamed.");
    expect(w.audit().map((e) => [e.action, e.target, e.actor.id])).toEqual([
      ['definition.created', 'definition:cleanup', 'cli'],
      ['definition.created', 'definition:pi', 'cli'],
      ['definition.created', 'definition:report', 'cli'],
    ]);

    // Each was judged by its cluster in a server-side dry run, and nothing runs there.
    const dryRuns = w.kube.requests.filter((r) => r.method === 'POST' && r.query.dryRun === 'All');
    expect(dryRuns.map((r) => r.cluster).sort()).toEqual(['alpha', 'alpha', 'beta']);
    expect(w.kube.cluster('alpha').list('jobs', 'jobs')).toEqual([]);
  });

  it('changes nothing when the same files are imported again', async () => {
    const run = await w.jobbot('import', path.join(w.dir, 'repo'), '--cluster=alpha');
    expect(run.code).toBe(0);
    expect(reportLines(run.stdout)).toEqual([
      'unchanged repo/cleanup.json: cleanup, revision 1',
      'unchanged repo/pi.yaml: pi, revision 1',
      'unchanged repo/report.yaml: report, revision 1',
    ]);
    expect(w.definitions().map((d) => d.revision)).toEqual([1, 1, 1]);
    expect(w.audit()).toHaveLength(3);
  });

  it('exports files that import reads back unchanged, and that export again identically', async () => {
    seedFormDefinition();
    const first = await w.jobbot('export', '--out', 'exported');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('exported formed (revision 1) to exported/formed.yaml\n');
    expect(first.stdout).toMatch(/4 definitions exported to .*exported\n$/);
    const files = filesOf(path.join(w.dir, 'exported'));
    expect(Object.keys(files).sort()).toEqual(['cleanup.yaml', 'formed.yaml', 'pi.yaml', 'report.yaml']);
    // The YAML a definition was saved with comes back as it was, comments included.
    expect(files['report.yaml']).toContain('    image: perl:5.34.0 # pinned\n');
    expect(files['report.yaml']).toMatch(
      /^cluster: alpha\nnamespace: jobs\ndescription: Nightly report\nyaml: \|\n/m,
    );

    const back = await w.jobbot('import', 'exported');
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(reportLines(back.stdout)).toEqual([
      'unchanged exported/cleanup.yaml: cleanup, revision 1',
      'unchanged exported/formed.yaml: formed, revision 1',
      'unchanged exported/pi.yaml: pi, revision 1',
      'unchanged exported/report.yaml: report, revision 1',
    ]);
    // A form-made definition stays one, so /job edit still opens it in the form.
    expect(w.definitions().find((d) => d.name === 'formed')).toMatchObject({ source: 'form', yaml: null });

    expect((await w.jobbot('export', '--out', 'again')).code).toBe(0);
    expect(filesOf(path.join(w.dir, 'again'))).toEqual(files);
  });

  it('saves an edited file as one new revision and says what changed', async () => {
    const file = path.join(w.dir, 'exported', 'report.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('perl:5.34.0 # pinned', 'perl:5.36.0 # pinned')
        .replace('description: Nightly report', 'description: Nightly pi report'),
    );
    const run = await w.jobbot('import', 'exported/report.yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'updated   exported/report.yaml: report, revision 2',
        '            description: "Nightly report" → "Nightly pi report"',
        '            spec.template.spec.containers[0].image: "perl:5.34.0" → "perl:5.36.0"',
        '1 file: 1 updated.',
        '',
      ].join('\n'),
    );
    expect(w.definitions().find((d) => d.name === 'report')).toMatchObject({
      revision: 2,
      description: 'Nightly pi report',
      updatedBy: { kind: 'system', id: 'cli' },
    });
    expect(w.audit().at(-1)).toMatchObject({ action: 'definition.updated', target: 'definition:report' });
  });

  it('says clearly what is wrong with the command itself', async () => {
    const missing = await w.jobbot('import', 'nowhere');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(
      /^jobbot: cannot read .*nowhere: .*Check the path\. \(path_unreadable\)\n$/,
    );
    const empty = path.join(w.dir, 'empty');
    mkdirSync(empty);
    expect((await w.jobbot('import', empty)).stderr).toMatch(
      /holds no \.yaml, \.yml or \.json file.*\(nothing_to_import\)/,
    );
    expect((await w.jobbot('import')).stderr).toMatch(
      /import: PATH is missing\. See jobbot help\. \(usage\)/,
    );
    expect((await w.jobbot('import', 'x', '--force')).stderr).toMatch(/unexpected argument --force/);
    const noDb = await w.jobbot('export', '--db', path.join(w.dir, 'none.db'));
    expect(noDb.stderr).toMatch(
      /no database at .*none\.db\. Pass --db PATH or set JOBBOT_DB.*\(no_database\)/,
    );
  });
});
