/**
 * The emulator's authorization, which `jobbot doctor` relies on: SelfSubjectAccessReview answers as the
 * real API server does, a forbidden request gets the real 403 Status, and both follow the same rules.
 * The real kubectl's `auth can-i` agrees (skipped only when no kubectl binary is installed).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ApiException,
  AuthorizationV1Api,
  BatchV1Api,
  KubeConfig,
  type V1Job,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_YAML } from '../support/fixtures.js';
import { EMULATOR_USER, type KubeEmulator, startKubeEmulator } from '../support/kube/index.js';
import { CLI_TESTS } from './helpers.js';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

let kube: KubeEmulator;
let dir: string;
let kubeconfig: string;
let kc: KubeConfig;

beforeAll(async () => {
  kube = await startKubeEmulator({
    namespaces: ['jobs', 'team-a'],
    forbid: [
      { verb: 'create', resource: 'jobs', namespace: 'jobs', cluster: 'alpha' },
      { verb: 'get', resource: 'pods/log' },
    ],
  });
  dir = mkdtempSync(path.join(tmpdir(), 'kube-access-'));
  kubeconfig = await kube.writeKubeconfig(path.join(dir, 'kubeconfig'));
  kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
});
afterAll(async () => {
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function canI(attributes: V1ResourceAttributes, context = 'alpha'): Promise<boolean | undefined> {
  kc.setCurrentContext(context);
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: attributes },
    },
  });
  return review.status?.allowed;
}

const piJob = () => yaml.load(PI_YAML) as V1Job;

describe('authorization in the Kubernetes emulator', CLI_TESTS, () => {
  it('answers SelfSubjectAccessReview by the rules, per cluster and namespace', async () => {
    expect(await canI({ verb: 'create', group: 'batch', resource: 'jobs', namespace: 'jobs' })).toBe(false);
    expect(await canI({ verb: 'create', group: 'batch', resource: 'jobs', namespace: 'team-a' })).toBe(true);
    expect(await canI({ verb: 'list', group: 'batch', resource: 'jobs', namespace: 'jobs' })).toBe(true);
    expect(await canI({ verb: 'create', group: 'batch', resource: 'jobs', namespace: 'jobs' }, 'beta')).toBe(
      true,
    );
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'jobs' }, 'beta')).toBe(
      false,
    );
    expect(await canI({ verb: 'get', resource: 'pods', namespace: 'jobs' }, 'beta')).toBe(true);
  });

  it('refuses the forbidden request itself with a Kubernetes Forbidden Status, dry run included', async () => {
    kc.setCurrentContext('alpha');
    const batch = kc.makeApiClient(BatchV1Api);
    for (const dryRun of [undefined, 'All']) {
      const err = await batch
        .createNamespacedJob({ namespace: 'jobs', body: piJob(), ...(dryRun ? { dryRun } : {}) })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiException);
      const e = err as ApiException<string>;
      expect(e.code).toBe(403);
      expect(JSON.parse(e.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `jobs.batch is forbidden: User "${EMULATOR_USER}" cannot create resource "jobs" in API group "batch" in the namespace "jobs"`,
        reason: 'Forbidden',
        details: { group: 'batch', kind: 'jobs' },
        code: 403,
      });
    }
    expect(kube.cluster('alpha').list('jobs', 'jobs')).toEqual([]);
    await batch.createNamespacedJob({ namespace: 'team-a', body: piJob() });
    expect(kube.cluster('alpha').job('team-a', 'pi')).toBeDefined();
  });

  it('changes its answers when a test forbids or allows at run time', async () => {
    const beta = kube.cluster('beta');
    beta.access.forbid({ verb: 'list', resource: 'namespaces' });
    expect(await canI({ verb: 'list', resource: 'namespaces' }, 'beta')).toBe(false);
    beta.access.allowAll();
    expect(await canI({ verb: 'list', resource: 'namespaces' }, 'beta')).toBe(true);
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'jobs' }, 'beta')).toBe(
      true,
    );
  });

  it('refuses a review that names neither resource nor non-resource attributes', async () => {
    kc.setCurrentContext('alpha');
    const err = (await kc
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({ body: { spec: {} } })
      .catch((e: unknown) => e)) as ApiException<string>;
    expect(err.code).toBe(422);
    expect(JSON.parse(err.body).message).toContain(
      'exactly one of nonResourceAttributes or resourceAttributes',
    );
  });

  it.skipIf(!KUBECTL)('agrees with kubectl auth can-i', async () => {
    const can = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          KUBECTL!,
          ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), 'auth', 'can-i', ...args],
          { env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig }, timeout: 40_000 },
          (err, stdout) => resolve({ code: err ? Number(err.code) : 0, out: stdout.trim() }),
        );
      });
    expect(await can('create', 'jobs', '-n', 'jobs')).toEqual({ code: 1, out: 'no' });
    expect(await can('create', 'jobs', '-n', 'team-a')).toEqual({ code: 0, out: 'yes' });
    expect(await can('create', 'jobs', '-n', 'jobs', '--context', 'beta')).toEqual({ code: 0, out: 'yes' });
    expect(await can('list', 'namespaces')).toEqual({ code: 0, out: 'yes' });
    expect(await can('get', 'pods', '--subresource=log', '-n', 'jobs')).toEqual({
      code: 1,
      out: 'no',
    });
  });
});
