/**
 * `jobbot import --dry-run`: every check runs, the cluster's server-side dry run included, and the
 * report is the one the real import then prints — but nothing is saved: no definition, no revision,
 * no audit entry, and no Job in the cluster.
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

describe('import --dry-run', CLI_TESTS, () => {
  it('reports what the import would do, saves nothing, and the real import then does exactly that', async () => {
    const repo = path.join(w.dir, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'pi.yaml'), piJob('pi', 'jobs'));
    writeFileSync(path.join(repo, 'same.yaml'), piJob('same', 'jobs'));
    const setup = await w.jobbot('import', repo, '--cluster', 'alpha');
    expect(setup.code).toBe(0);

    writeFileSync(
      path.join(repo, 'pi.yaml'),
      piJob('pi', 'jobs').replace('backoffLimit: 4', 'backoffLimit: 2'),
    );
    writeFileSync(path.join(repo, 'new.yaml'), piJob('new', 'jobs'));
    const definitions = w.definitions();
    const audit = w.audit();
    w.kube.clearRequests();

    const dry = await w.jobbot('import', repo, '--cluster', 'alpha', '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        'created   repo/new.yaml: new on cluster alpha, namespace jobs',
        'updated   repo/pi.yaml: pi, revision 2',
        '            spec.backoffLimit: 4 → 2',
        'unchanged repo/same.yaml: same, revision 1',
        '3 files: 1 created, 1 updated, 1 unchanged. Dry run: nothing was saved.',
        '',
      ].join('\n'),
    );
    expect(w.definitions()).toEqual(definitions);
    expect(w.audit()).toEqual(audit);
    // The cluster judged both changed files in a server-side dry run, and stored nothing.
    const posts = w.kube.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.query.dryRun)).toEqual(['All', 'All']);
    expect(w.kube.cluster('alpha').list('jobs', 'jobs')).toEqual([]);

    const real = await w.jobbot('import', repo, '--cluster', 'alpha');
    expect(real.code).toBe(0);
    expect(reportLines(real.stdout)).toEqual(reportLines(dry.stdout));
    expect(w.definitions().map((d) => [d.name, d.revision])).toEqual([
      ['new', 1],
      ['pi', 2],
      ['same', 1],
    ]);
    expect(
      w
        .audit()
        .slice(audit.length)
        .map((e) => [e.action, e.target]),
    ).toEqual([
      ['definition.created', 'definition:new'],
      ['definition.updated', 'definition:pi'],
    ]);
  });
});
