/**
 * CRUD against the emulator with the real @kubernetes/client-node 1.4: defaults, selectors,
 * errors as ApiException carrying a Status, dryRun, the three patch formats, namespaces,
 * Table output and authentication.
 */

import { PatchStrategy, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type Harness, jobManifest, raw, startHarness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // Long-running containers keep these Jobs stable while the tests look at them.
  h.emu.behave({}, { steps: [{ kind: 'sleep', seconds: Number.POSITIVE_INFINITY }] });
});

afterAll(async () => {
  await h.close();
});

const ns = 'default';

describe('create and read', () => {
  it('applies the server-side defaults a real API server applies', async () => {
    const job = await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('defaults') });
    const uid = job.metadata?.uid ?? '';
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(job.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(job.metadata?.generation).toBe(1);
    expect(job.spec).toMatchObject({
      backoffLimit: 6,
      completions: 1,
      parallelism: 1,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    });
    const labels = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'defaults',
      'controller-uid': uid,
      'job-name': 'defaults',
    };
    expect(job.spec?.template.metadata?.labels).toEqual(labels);
    expect(job.metadata?.labels).toEqual(labels);
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    });
    const read = await h.batch.readNamespacedJob({ name: 'defaults', namespace: ns });
    expect(read.metadata?.uid).toBe(uid);
  });

  it('keeps one increasing resourceVersion across resources', async () => {
    const a = await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('rv-a') });
    const list = await h.core.listNamespacedPod({ namespace: ns });
    const b = await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('rv-b') });
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(a.metadata?.resourceVersion),
    );
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(list.metadata?.resourceVersion));
  });

  it('lists with label selectors (=, !=, in, notin, existence) and a name field selector', async () => {
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('sel-1', { labels: { team: 'a', tier: 'x' } }),
    });
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('sel-2', { labels: { team: 'b' } }),
    });
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('sel-3', { labels: { team: 'c', tier: 'y' } }),
    });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await h.batch.listNamespacedJob({ namespace: ns, labelSelector, fieldSelector })).items.map(
        (j) => j.metadata?.name,
      );
    expect(await names('team=a')).toEqual(['sel-1']);
    expect(await names('team in (a, c)')).toEqual(['sel-1', 'sel-3']);
    expect(await names('team,team!=a')).toEqual(['sel-2', 'sel-3']);
    expect(await names('team,!tier')).toEqual(['sel-2']);
    expect(await names('team,team notin (a,b)')).toEqual(['sel-3']);
    expect(await names('team notin (a,b)')).toContain('defaults');
    expect(await names(undefined, 'metadata.name=sel-2')).toEqual(['sel-2']);
    const bad = await apiError(h.batch.listNamespacedJob({ namespace: ns, labelSelector: 'team in a' }));
    expect(bad.code).toBe(400);
  });

  it('pages lists with limit and continue', async () => {
    const first = await h.batch.listNamespacedJob({ namespace: ns, limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toBeTruthy();
    const rest = await h.batch.listNamespacedJob({
      namespace: ns,
      limit: 100,
      _continue: first.metadata?._continue,
    });
    const all = await h.batch.listNamespacedJob({ namespace: ns });
    expect([...first.items, ...rest.items].map((j) => j.metadata?.name)).toEqual(
      all.items.map((j) => j.metadata?.name),
    );
  });
});

describe('errors are real Status objects', () => {
  it('answers 404 NotFound', async () => {
    const { code, status } = await apiError(h.batch.readNamespacedJob({ name: 'missing', namespace: ns }));
    expect(code).toBe(404);
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'jobs.batch "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', group: 'batch', kind: 'jobs' },
      code: 404,
    });
  });

  it('answers 409 AlreadyExists', async () => {
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('twice') });
    const { code, status } = await apiError(
      h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('twice') }),
    );
    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: 'AlreadyExists',
      message: 'jobs.batch "twice" already exists',
      details: { name: 'twice', group: 'batch', kind: 'jobs' },
    });
  });

  it('answers 422 Invalid with one cause per field', async () => {
    const body = jobManifest('Bad_Name', {
      restartPolicy: 'Always',
      containers: [
        { name: 'a', image: 'busybox' },
        { name: 'a', image: '' },
      ],
      spec: { parallelism: -1 },
    });
    const { code, status } = await apiError(h.batch.createNamespacedJob({ namespace: ns, body }));
    expect(code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.details?.kind).toBe('Job');
    expect(status.details?.group).toBe('batch');
    expect(status.message).toMatch(/^Job\.batch "Bad_Name" is invalid: \[/);
    const fields = status.details?.causes?.map((c) => `${c.reason} ${c.field}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'FieldValueInvalid metadata.name',
        'FieldValueInvalid spec.parallelism',
        'FieldValueNotSupported spec.template.spec.restartPolicy',
        'FieldValueDuplicate spec.template.spec.containers[1].name',
        'FieldValueRequired spec.template.spec.containers[1].image',
      ]),
    );
    const restart = status.details?.causes?.find((c) => c.field === 'spec.template.spec.restartPolicy');
    expect(restart?.message).toBe('Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });

  it('rejects names that cannot be label values (over 63 characters)', async () => {
    const name = `j${'x'.repeat(63)}`;
    const { code, status } = await apiError(
      h.batch.createNamespacedJob({ namespace: ns, body: jobManifest(name) }),
    );
    expect(code).toBe(422);
    expect(status.message).toBe(
      `Job.batch "${name}" is invalid: spec.template.labels: Invalid value: "${name}": must be no more than 63 characters`,
    );
  });

  it('requires containers', async () => {
    const body = jobManifest('empty', { containers: [] });
    const { status } = await apiError(h.batch.createNamespacedJob({ namespace: ns, body }));
    expect(status.details?.causes).toContainEqual({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.template.spec.containers',
    });
  });

  it('answers 404 for a namespace that does not exist', async () => {
    const { code, status } = await apiError(
      h.batch.createNamespacedJob({ namespace: 'nope', body: jobManifest('x') }),
    );
    expect(code).toBe(404);
    expect(status.message).toBe('namespaces "nope" not found');
  });

  it('rejects unknown fields with fieldValidation=Strict and warns by default', async () => {
    // client-node's serializer drops unknown fields, so this goes over raw HTTP as kubectl would.
    const manifest = jobManifest('strict');
    const body = { ...manifest, spec: { ...manifest.spec, bogus: 1 } };
    const url = `${h.emu.url}/apis/batch/v1/namespaces/${ns}/jobs`;
    const headers = { 'Content-Type': 'application/json' };
    const strict = await raw(`${url}?fieldValidation=Strict`, { method: 'POST', headers, body });
    expect(strict.status).toBe(400);
    expect(strict.json()).toMatchObject({ message: 'strict decoding error: unknown field "spec.bogus"' });
    const warned = await raw(url, { method: 'POST', headers, body });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect((warned.json() as V1Job).spec).not.toHaveProperty('bogus');
  });
});

describe('dryRun', () => {
  it('validates and returns the object without storing it', async () => {
    const job = await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('dry'), dryRun: 'All' });
    expect(job.spec?.backoffLimit).toBe(6);
    expect(job.metadata?.uid).toBeTruthy();
    expect((await apiError(h.batch.readNamespacedJob({ name: 'dry', namespace: ns }))).code).toBe(404);
    const invalid = await apiError(
      h.batch.createNamespacedJob({
        namespace: ns,
        body: jobManifest('dry', { restartPolicy: 'Always' }),
        dryRun: 'All',
      }),
    );
    expect(invalid.code).toBe(422);
  });
});

describe('patch', () => {
  it('applies merge and strategic merge patches when their content type is set', async () => {
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('patched') });
    const merged = await h.batch.patchNamespacedJob(
      { name: 'patched', namespace: ns, body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.spec?.suspend).toBe(true);
    const strategic = await h.batch.patchNamespacedJob(
      {
        name: 'patched',
        namespace: ns,
        body: { metadata: { labels: { extra: 'yes' } }, spec: { parallelism: 3 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.spec?.parallelism).toBe(3);
    expect(strategic.metadata?.labels?.extra).toBe('yes');
    expect(strategic.metadata?.labels?.['job-name']).toBe('patched');
    expect(strategic.metadata?.generation).toBe(3);
  });

  it('applies a JSON patch (the client default content type)', async () => {
    const job = await h.batch.patchNamespacedJob({
      name: 'patched',
      namespace: ns,
      body: [
        { op: 'test', path: '/spec/parallelism', value: 3 },
        { op: 'replace', path: '/spec/parallelism', value: 2 },
      ],
    });
    expect(job.spec?.parallelism).toBe(2);
    const failed = await apiError(
      h.batch.patchNamespacedJob({
        name: 'patched',
        namespace: ns,
        body: [{ op: 'test', path: '/spec/parallelism', value: 9 }],
      }),
    );
    expect(failed.code).toBe(422);
  });

  it('answers 400 for a partial object sent with the default json-patch content type', async () => {
    const { code, status } = await apiError(
      h.batch.patchNamespacedJob({ name: 'patched', namespace: ns, body: { spec: { suspend: false } } }),
    );
    expect(code).toBe(400);
    expect(status.message).toBe('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  });

  it('answers 415 for a content type PATCH does not take', async () => {
    const res = await raw(`${h.emu.url}/apis/batch/v1/namespaces/${ns}/jobs/patched`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: { spec: { suspend: false } },
    });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });

  it('refuses to change the pod template and reports a stale resourceVersion as 409', async () => {
    const current = await h.batch.readNamespacedJob({ name: 'patched', namespace: ns });
    const immutable = await apiError(
      h.batch.patchNamespacedJob(
        {
          name: 'patched',
          namespace: ns,
          body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine' }] } } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(immutable.code).toBe(422);
    expect(immutable.status.details?.causes?.[0]?.field).toBe('spec.template');
    const stale = await apiError(
      h.batch.patchNamespacedJob(
        {
          name: 'patched',
          namespace: ns,
          body: { metadata: { resourceVersion: '1' }, spec: { parallelism: 1 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe('Conflict');
    const replaced = await h.batch.replaceNamespacedJob({
      name: 'patched',
      namespace: ns,
      body: { ...current, spec: { ...current.spec!, parallelism: 4 } },
    });
    expect(replaced.spec?.parallelism).toBe(4);
  });
});

describe('namespaces, tables and auth', () => {
  it('lists, reads and creates namespaces', async () => {
    const list = await h.core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'jobbot']),
    );
    await h.core.createNamespace({ body: { metadata: { name: 'team-z' } } });
    expect((await h.core.readNamespace({ name: 'team-z' })).status?.phase).toBe('Active');
    expect((await apiError(h.core.createNamespace({ body: { metadata: { name: 'team-z' } } }))).code).toBe(
      409,
    );
  });

  it('serves server-side Table output for jobs and pods', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const jobs = (
      await raw(`${h.emu.url}/apis/batch/v1/namespaces/${ns}/jobs`, { headers: { Accept: accept } })
    ).json() as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(jobs.kind).toBe('Table');
    expect(jobs.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Status',
      'Completions',
      'Duration',
      'Age',
    ]);
    expect(jobs.rows.find((r) => r.cells[0] === 'defaults')?.cells.slice(1, 3)).toEqual(['Running', '0/1']);
    const pods = (
      await raw(`${h.emu.url}/api/v1/namespaces/${ns}/pods`, { headers: { Accept: accept } })
    ).json() as {
      columnDefinitions: { name: string }[];
    };
    expect(pods.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
  });

  it('rejects a wrong bearer token with 401', async () => {
    const res = await raw(`${h.emu.url}/apis/batch/v1/namespaces/${ns}/jobs`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('answers discovery and health endpoints', async () => {
    expect((await raw(`${h.emu.url}/healthz`)).text).toBe('ok');
    expect((await raw(`${h.emu.url}/version`)).json()).toMatchObject({ major: '1', minor: '32' });
    const batch = (await raw(`${h.emu.url}/apis/batch/v1`)).json() as { resources: { name: string }[] };
    expect(batch.resources.map((r) => r.name)).toContain('jobs');
    expect((await raw(`${h.emu.url}/apis/apps/v1`)).status).toBe(404);
  });
});
