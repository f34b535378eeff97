/**
 * The RBAC of manifests/base against what Jobbot really asks the API server for. A real Jobbot runs a
 * whole cycle against the Kubernetes emulator (start-up checks, a definition saved through the modal
 * with its namespace picker and dry run, a dispatch followed to its end with logs and cleanup, a
 * cancelled dispatch, and a retried create), then every recorded request is resolved to the
 * (API group, resource, verb) the API server would authorize. The rendered Roles must grant each one,
 * and grant nothing that no request used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry, clustersFrom, loadKubeConfig } from '../../src/kube/clusters.js';
import { KubeJobs } from '../../src/kube/jobs.js';
import { createLogger } from '../../src/logger.js';
import { openDatabase } from '../../src/store/db.js';
import { type DispatchRecord, DispatchRepository } from '../../src/store/dispatches.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, REAL_KUBECONFIG, startHarness } from '../support/harness.js';
import type { RecordedRequest } from '../support/kube/index.js';
import { waitFor } from '../support/wait.js';
import { BASE, JOBBOT_SA, render } from './kustomize.js';
import {
  accessOf,
  allows,
  DEFAULT_NON_RESOURCE,
  describeAccess,
  type Grant,
  grantsFor,
  isResourceAccess,
  type ResourceAccess,
} from './rbac.js';

const CLUSTER = 'alpha';
const NAMESPACE = 'jobs';

let h: Harness;
let grants: Grant[];
let requests: RecordedRequest[];

function dispatch(n: number): DispatchRecord | undefined {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return new DispatchRepository(db).get(n);
  } finally {
    db.close();
  }
}

async function run(text: string): Promise<number> {
  const res = await h.driver.slashCommand({ command: h.command, text });
  const answer = (await res.answer()).text;
  const m = /#(\d+)/.exec(answer);
  if (!m) throw new Error(`not dispatched: ${answer}`);
  return Number(m[1]);
}

function finished(n: number, state: string): Promise<DispatchRecord> {
  return waitFor(
    () => {
      const d = dispatch(n);
      return d?.state === state && d.finishedAt ? d : undefined;
    },
    30_000,
    `dispatch #${n} to be ${state}`,
  );
}

/** Creates a definition the way a person does: /job new, pick the cluster, paste YAML, submit. */
async function defineThroughModal(yaml: string): Promise<void> {
  const res = await h.driver.slashCommand({ command: h.command, text: 'new' });
  const open = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
  const viewId = (open.response as { view: { id: string } }).view.id;
  const updates = h.slack.callsTo('views.update').length;
  await h.driver.selectOption({ actionId: 'definition_cluster', value: CLUSTER, source: { viewId } });
  await h.slack.waitForCall('views.update', () => h.slack.callsTo('views.update').length > updates);
  const saved = await h.driver.submitView({ viewId, values: { Namespace: NAMESPACE, YAML: yaml } });
  expect(saved.ack).toBeUndefined();
}

/** A retried create (after a timeout or a restart) finds its own Job, AlreadyExists, and reads it back. */
async function retriedCreate(): Promise<void> {
  const kc = loadKubeConfig({ kind: 'files', paths: [h.env.KUBECONFIG!] });
  const registry = new ClusterRegistry(
    clustersFrom(kc, { kind: 'files', paths: [h.env.KUBECONFIG!] }),
    createLogger('silent'),
  );
  const jobs = new KubeJobs(registry);
  // Not labelled managed-by=jobbot, so the running Jobbot's watch leaves it alone.
  const manifest = {
    apiVersion: 'batch/v1' as const,
    kind: 'Job' as const,
    metadata: {
      name: 'rbac-retried-create',
      namespace: NAMESPACE,
      labels: { 'jobbot.dev/dispatch': '999999' },
    },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }],
        },
      },
    },
  };
  expect(await jobs.createJob(CLUSTER, manifest)).toEqual({ ok: true, value: { created: true } });
  expect(await jobs.createJob(CLUSTER, manifest)).toEqual({ ok: true, value: { created: false } });
  expect(await jobs.deleteJob(CLUSTER, NAMESPACE, manifest.metadata.name)).toMatchObject({ ok: true });
}

describe.skipIf(REAL_KUBECONFIG)('RBAC of manifests/base against a full dispatch cycle', () => {
  beforeAll(async () => {
    grants = grantsFor(await render(BASE), JOBBOT_SA);
    h = await startHarness();
    // Start-up: every cluster's first check.
    const checked = (c: { name: string }) =>
      h.kube!.requests.some((r) => r.cluster === c.name && r.path === '/version');
    await waitFor(() => h.kube!.clusters.every(checked), 10_000, 'cluster checks');

    await defineThroughModal(PI_YAML);
    const done = await finished(await run('run pi --yes'), 'succeeded');
    expect(done.jobName).toBeTruthy();

    await defineThroughModal(
      PI_YAML.replace('name: pi', 'name: sleeper').replace(/command: .*/, 'command: ["sleep", "3600"]'),
    );
    const n = await run('run sleeper --yes');
    await waitFor(() => dispatch(n)?.state === 'running', 20_000, `dispatch #${n} to run`);
    const confirm = await h.driver.slashCommand({ command: h.command, text: `cancel ${n}` });
    await h.driver.clickButton({ actionId: 'dispatch_cancel', source: (await confirm.answer()).reply });
    await finished(n, 'cancelled');
    // Gone from the cluster: the logs were gathered and the Job deleted.
    await waitFor(() => !h.kube!.job(NAMESPACE, dispatch(n)!.jobName), 10_000, 'the cancelled Job to go');

    await retriedCreate();
    requests = [...h.kube!.requests];
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const resourceRequests = () =>
    requests
      .map((r) => ({ r, a: accessOf(r) }))
      .filter((x): x is { r: RecordedRequest; a: ResourceAccess } => isResourceAccess(x.a));

  it('went through every step of the cycle', () => {
    const seen = new Set(resourceRequests().map(({ a }) => describeAccess(a)));
    for (const step of [
      'list core/namespaces', // the namespace picker
      'create batch/jobs', // dry run, then the dispatch
      'list batch/jobs',
      'watch batch/jobs',
      'list core/pods',
      'watch core/pods',
      'get core/pods/log',
      'delete batch/jobs',
      'get batch/jobs', // the retried create
    ])
      expect(seen).toContain(step);
    expect(requests.some((r) => r.method === 'POST' && r.query.dryRun === 'All')).toBe(true);
  });

  it('is granted every request Jobbot made', () => {
    const denied = resourceRequests()
      .filter(({ a }) => !allows(grants, a))
      .map(({ r, a }) => `${describeAccess(a)} in ${a.namespace ?? 'cluster scope'} (${r.method} ${r.path})`);
    expect([...new Set(denied)]).toEqual([]);
  });

  it('needs no role for the non-resource URLs it reads (version check, discovery)', () => {
    const others = requests.filter((r) => !isResourceAccess(accessOf(r)));
    expect(others.some((r) => r.path === '/version')).toBe(true);
    const uncovered = others.filter(
      (r) => r.method !== 'GET' || !DEFAULT_NON_RESOURCE.some((p) => p.test(r.path)),
    );
    expect(uncovered.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('grants nothing that Jobbot did not use', () => {
    const used = resourceRequests().map(({ a }) => a);
    const unused = grants
      .filter(
        (g) =>
          !used.some(
            (a) =>
              a.group === g.group &&
              a.resource === g.resource &&
              a.verb === g.verb &&
              (g.namespace === undefined || g.namespace === a.namespace),
          ),
      )
      .map((g) => `${describeAccess(g)} (${g.from})`);
    expect(unused).toEqual([]);
    // Wildcards or name restrictions would make the comparison above meaningless.
    expect(grants.filter((g) => [g.group, g.resource, g.verb].includes('*') || g.rule.resourceNames)).toEqual(
      [],
    );
  });

  it('deletes Jobs with background propagation, so the garbage collector removes the pods', () => {
    const deletes = requests.filter((r) => r.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(0);
    for (const r of deletes) {
      expect(accessOf(r)).toMatchObject({ group: 'batch', resource: 'jobs', verb: 'delete' });
      const body = r.body as { propagationPolicy?: string } | undefined;
      expect(r.query.propagationPolicy ?? body?.propagationPolicy).toBe('Background');
    }
    expect(grants.some((g) => g.resource === 'pods' && g.verb === 'delete')).toBe(false);
  });
});
