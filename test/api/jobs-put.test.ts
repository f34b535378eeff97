/**
 * PUT /api/v1/jobs/{name} (GitOps): definitions created and revised over HTTP, checked exactly as
 * in Slack (YAML parse, Kubernetes rules, the dry run on the emulator).
 */
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from '../support/cluster.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { api, createToken } from './helpers.js';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  token = await createToken(h, 'ci-gitops', 'gitops-*');
});
afterAll(async () => {
  await h?.stop();
});

const where = `cluster=${E2E.cluster}&namespace=${E2E.namespace}`;
const named = (name: string, image = 'perl:5.34.0') =>
  PI_YAML.replace('name: pi\n', `name: ${name}\n`).replace('perl:5.34.0', image);

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert on them
async function put(path: string, body: string, type = 'application/yaml', secret = token): Promise<any> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${secret}`, 'content-type': type },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), headers: res.headers };
}

describe('PUT /api/v1/jobs/{name}', () => {
  it('creates from YAML (201), saves a revision on change (200) and nothing when unchanged', async () => {
    const created = await put(`/api/v1/jobs/gitops-pi?${where}`, named('gitops-pi'));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'gitops-pi', revision: 1, created: true, changed: true });
    expect(created.headers.get('location')).toBe('/api/v1/jobs/gitops-pi');

    const updated = await put(
      `/api/v1/jobs/gitops-pi?${where}`,
      named('gitops-pi', 'perl:5.36'),
      'text/yaml',
    );
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ revision: 2, created: false, changed: true });
    expect((await api(h, 'GET', '/api/v1/jobs/gitops-pi', { token })).json.revision).toBe(2);

    const same = await put(
      `/api/v1/jobs/gitops-pi?${where}`,
      named('gitops-pi', 'perl:5.36'),
      'application/x-yaml; charset=utf-8',
    );
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ revision: 2, changed: false });

    const audit = JSON.stringify(
      (await (await h.driver.slashCommand({ command: '/job', text: 'audit' })).answer()).body,
    );
    expect(audit).toContain('definition.updated');
    expect(audit).toContain('ci-gitops');
  });

  it('takes JSON with the Job as an object or as YAML text', async () => {
    const job = yaml.load(named('gitops-json')) as object;
    const res = await api(h, 'PUT', '/api/v1/jobs/gitops-json', {
      token,
      body: { cluster: E2E.cluster, namespace: E2E.namespace, description: 'from git', job },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'gitops-json', description: 'from git', revision: 1 });

    const text = await api(h, 'PUT', '/api/v1/jobs/gitops-json', {
      token,
      body: { cluster: E2E.cluster, namespace: E2E.namespace, yaml: named('gitops-json', 'perl:5.36') },
    });
    expect(text.status).toBe(200);
    expect(text.json).toMatchObject({ revision: 2, description: 'from git' });

    const both = await api(h, 'PUT', '/api/v1/jobs/gitops-json', {
      token,
      body: { cluster: E2E.cluster, namespace: E2E.namespace },
    });
    expect(both.status).toBe(422);
    expect(both.json.error.code).toBe('invalid_request');
  });
});

describe('PUT /api/v1/jobs/{name} errors', () => {
  it('422 with the line for invalid YAML', async () => {
    const res = await put(
      `/api/v1/jobs/gitops-bad?${where}`,
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: gitops-bad\nspec: [unclosed\n',
    );
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_definition');
    expect(res.json.error.fields.join('\n')).toMatch(/line \d+/);
  });

  it('422 when metadata.name is not the name in the path', async () => {
    const res = await put(`/api/v1/jobs/gitops-other?${where}`, named('gitops-pi'));
    expect(res.status).toBe(422);
    expect(res.json.error.fields[0]).toMatch(/^metadata\.name/);
  });

  it('422 for an unknown cluster or a missing cluster/namespace', async () => {
    const unknown = await put(`/api/v1/jobs/gitops-x?cluster=nosuch&namespace=jobs`, named('gitops-x'));
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.fields.join('\n')).toMatch(/^cluster/m);

    const missing = await put('/api/v1/jobs/gitops-x', named('gitops-x'));
    expect(missing.status).toBe(422);
    expect(missing.json.error.code).toBe('invalid_request');
    expect(missing.json.error.fields).toHaveLength(2);
  });

  it('403 outside the token pattern, 415 for other content types', async () => {
    const res = await put(`/api/v1/jobs/pi?${where}`, named('pi'));
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    expect((await put(`/api/v1/jobs/gitops-x?${where}`, named('gitops-x'), 'text/plain')).status).toBe(415);
  });

  it('413 over 256 KiB, while 70 KiB (over the JSON limit) is accepted', async () => {
    const padded = `${named('gitops-big')}#${'x'.repeat(70 * 1024)}\n`;
    expect((await put(`/api/v1/jobs/gitops-big?${where}`, padded)).status).toBe(201);
    const res = await put(`/api/v1/jobs/gitops-big?${where}`, `${padded}#${'x'.repeat(260 * 1024)}\n`);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('body_too_large');
  });

  it('is described in openapi.json', async () => {
    const doc = (await api(h, 'GET', '/api/v1/openapi.json')).json;
    const body = doc.paths['/api/v1/jobs/{name}'].put.requestBody.content;
    expect(Object.keys(body['application/json'].schema.properties)).toEqual([
      'cluster',
      'namespace',
      'description',
      'yaml',
      'job',
    ]);
    expect(body['application/yaml']).toBeDefined();
  });
});

describe('PUT /api/v1/jobs/{name} and concurrent edits', () => {
  it('answers 409 conflict when the service reports a stale revision', async () => {
    const { Readable } = await import('node:stream');
    const { putJob } = await import('../../src/http/api/jobs-put.js');
    const req = Object.assign(Readable.from([Buffer.from(named('gitops-race'))]), {
      headers: { 'content-type': 'application/yaml' },
    });
    const current = { name: 'gitops-race', revision: 3, yaml: '', cluster: 'alpha', namespace: 'jobs' };
    const handler = putJob({
      tokens: { allows: () => true },
      definitions: {
        find: () => current as never,
        save: async (_draft, _actor, editing) => {
          expect(editing).toEqual({ name: 'gitops-race', revision: 3 });
          return {
            ok: false,
            errors: [
              { path: 'name', message: 'Someone saved gitops-race (now revision 4) while you edited it.' },
            ],
          };
        },
      },
    });
    const ctx = {
      req,
      res: {},
      url: new URL(`http://x/api/v1/jobs/gitops-race?${where}`),
      token: { label: 'ci', createdBy: { id: 'U1', name: 'u' } },
      body: async () => ({}),
    };
    await expect(handler(ctx as never, 'gitops-race')).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    });
  });
});
