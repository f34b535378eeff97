/**
 * Job definitions end to end: the real app, the Slack driver filling the modal the app really opened,
 * and the Kubernetes emulator judging the dry run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { E2E, emulatorOnly } from '../support/cluster.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { validateMessageBlocks, validateView } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

type Ack = { text: string; blocks: unknown[] } | undefined;

async function openNew(): Promise<string> {
  const res = await h.driver.slashCommand({ command: '/job', text: 'new' });
  expect(res.status).toBe(200);
  const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
  expect(call.response).toMatchObject({ ok: true });
  return (call.response as { view: { id: string } }).view.id;
}

function viewOf(id: string) {
  return h.slack.view(id) as unknown as {
    blocks: { block_id?: string; type: string }[];
    title: { text: string };
  };
}

async function chooseCluster(viewId: string, cluster: string): Promise<void> {
  const before = h.slack.callsTo('views.update').length;
  await h.driver.selectOption({ actionId: 'definition_cluster', value: cluster, source: { viewId } });
  await h.slack.waitForCall('views.update', () => h.slack.callsTo('views.update').length > before);
}

async function chooseMode(viewId: string, mode: 'YAML' | 'Form'): Promise<void> {
  const before = h.slack.callsTo('views.update').length;
  await h.driver.selectOption({ actionId: 'definition_mode', value: mode, source: { viewId } });
  await h.slack.waitForCall('views.update', () => h.slack.callsTo('views.update').length > before);
}

async function createFromYaml(yaml: string, namespace = E2E.namespace) {
  const viewId = await openNew();
  await chooseCluster(viewId, E2E.cluster);
  return h.driver.submitView({ viewId, values: { Namespace: namespace, YAML: yaml } });
}

function submissionErrors(res: { ack: unknown }): Record<string, string> {
  const ack = res.ack as { response_action?: string; errors?: Record<string, string> } | undefined;
  expect(ack?.response_action).toBe('errors');
  return ack!.errors!;
}

function definitions() {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return new DefinitionRepository(db).list({ offset: 0, limit: 1000 }).items;
  } finally {
    db.close();
  }
}

describe('creating from YAML', () => {
  it('saves the docs "pi" Job and confirms to its author', async () => {
    const viewId = await openNew();
    expect(viewOf(viewId).title.text).toBe('Create job');
    expect(validateView(h.slack.view(viewId), 'modal')).toEqual([]);
    await chooseCluster(viewId, E2E.cluster);
    const namespaceBlock = viewOf(viewId).blocks.find((b) => b.block_id?.startsWith('namespace'));
    expect(JSON.stringify(namespaceBlock)).toContain('"jobs"');
    const res = await h.driver.submitView({
      viewId,
      values: { Namespace: E2E.namespace, Description: 'Computes pi', YAML: PI_YAML },
    });
    expect(res.status).toBe(200);
    expect(res.ack).toBeUndefined();
    const saved = definitions().find((d) => d.name === 'pi')!;
    expect(saved).toMatchObject({
      cluster: E2E.cluster,
      namespace: E2E.namespace,
      description: 'Computes pi',
      source: 'yaml',
      revision: 1,
    });
    expect(saved.createdBy).toMatchObject({ kind: 'slack', id: h.slack.defaultUser });
    await h.slack.waitForCall('chat.postEphemeral', (c) => String(c.args.text).includes('Created job *pi*'));
  });

  it('shows a saved job with its YAML, and lists it', async () => {
    const show = await h.driver.slashCommand({ command: '/job', text: 'show pi' });
    const ack = (await show.answer()).body as Ack;
    expect(validateMessageBlocks(ack!.blocks)).toEqual([]);
    const text = JSON.stringify(ack!.blocks);
    expect(text).toContain('perl:5.34.0');
    expect(text).toContain('backoffLimit: 4');
    expect(text).toContain('Computes pi');
    const list = await h.driver.slashCommand({ command: '/job', text: 'list' });
    expect(JSON.stringify((await list.answer()).body.blocks)).toContain('*pi*');
  });

  it('refuses a duplicate name with a pointer to /job edit, and saves nothing', async () => {
    const errors = submissionErrors(await createFromYaml(PI_YAML));
    expect(errors.yaml).toMatch(/A job named pi already exists\. .*\/job edit pi/);
    expect(definitions().filter((d) => d.name === 'pi')).toHaveLength(1);
  });

  it.each([
    ['broken YAML', 'apiVersion: batch/v1\nkind: Job\nmetadata: [\n', /line 4/i],
    [
      'a Deployment',
      PI_YAML.replace('batch/v1', 'apps/v1').replace('kind: Job', 'kind: Deployment'),
      /This is a Deployment/,
    ],
    ['two documents', `${PI_YAML}---\n${PI_YAML}`, /2 documents/],
    ['an uppercase name', PI_YAML.replace('name: pi\n', 'name: Pi\n'), /Definition name/],
    ['an over-long name', PI_YAML.replace('name: pi\n', `name: ${'p'.repeat(60)}\n`), /limit is 52/],
    [
      'restartPolicy Always',
      PI_YAML.replace('restartPolicy: Never', 'restartPolicy: Always'),
      /restartPolicy Always is not allowed for a Job: use Never/,
    ],
    ['a missing image', PI_YAML.replace('        image: perl:5.34.0\n', ''), /image/i],
    [
      'duplicate container names',
      PI_YAML.replace(
        '      restartPolicy: Never',
        '      - name: pi\n        image: busybox:1.36\n      restartPolicy: Never',
      ),
      /Container name "pi" is used/,
    ],
    [
      'negative completions',
      PI_YAML.replace('  backoffLimit: 4', '  backoffLimit: 4\n  completions: -1'),
      /completions/,
    ],
    [
      'a mount of an undefined volume',
      PI_YAML.replace(
        '        command:',
        '        volumeMounts:\n        - name: nope\n          mountPath: /x\n        command:',
      ),
      /nope/,
    ],
  ])('refuses %s inline and saves nothing', async (_what, yaml, message) => {
    const before = definitions().length;
    const errors = submissionErrors(await createFromYaml(yaml.replace('name: pi\n', 'name: other\n')));
    expect(errors.yaml).toMatch(message);
    expect(definitions()).toHaveLength(before);
  });

  it('refuses a namespace the cluster does not have', async () => {
    const viewId = await openNew();
    await chooseCluster(viewId, E2E.cluster);
    // The select offers only real namespaces; a YAML naming another one is caught against the choice.
    const res = await h.driver.submitView({
      viewId,
      values: {
        Namespace: E2E.namespace,
        YAML: PI_YAML.replace('name: pi\n', 'name: elsewhere\n  namespace: nowhere\n'),
      },
    });
    expect(Object.values(submissionErrors(res)).join(' ')).toMatch(/nowhere/);
  });
});

describe('checks against the cluster', () => {
  emulatorOnly.it('asks the API server with a dry run and stores nothing in the cluster', async () => {
    const dryRuns = h.kube!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'));
    expect(dryRuns.length).toBeGreaterThan(0);
    expect(dryRuns.every((r) => r.query.dryRun === 'All')).toBe(true);
    expect(h.kube!.cluster('alpha').list('jobs', 'jobs')).toEqual([]);
  });

  emulatorOnly.it('shows what an admission webhook said when the dry run is refused', async () => {
    h.kube!.cluster('alpha').failNext(1, {
      method: 'POST',
      path: /\/jobs$/,
      status: 400,
      message: 'admission webhook "images.example.com" denied the request: registry docker.io is not allowed',
    });
    const errors = submissionErrors(await createFromYaml(PI_YAML.replace('name: pi\n', 'name: webhook\n')));
    expect(errors.yaml).toMatch(/denied the request: registry docker\.io is not allowed/);
    expect(definitions().some((d) => d.name === 'webhook')).toBe(false);
  });

  emulatorOnly.it('says when the cluster cannot be reached, and saves nothing', async () => {
    const viewId = await openNew();
    await chooseCluster(viewId, E2E.cluster);
    await h.kube!.cluster('alpha').setUnreachable('refuse');
    try {
      const res = await h.driver.submitView({
        viewId,
        values: { Namespace: E2E.namespace, YAML: PI_YAML.replace('name: pi\n', 'name: offline\n') },
      });
      expect(submissionErrors(res).cluster).toMatch(
        /Cluster alpha cannot be reached right now .*nothing was saved/,
      );
    } finally {
      await h.kube!.cluster('alpha').setReachable();
    }
    expect(definitions().some((d) => d.name === 'offline')).toBe(false);
  });

  it('limits the YAML input to what Slack accepts and points to the shortcut for more', async () => {
    const viewId = await openNew();
    const input = JSON.stringify(viewOf(viewId).blocks.find((b) => b.block_id === 'yaml'));
    expect(input).toContain('"max_length":3000');
    expect(input).toContain('Create job from YAML');
    await chooseCluster(viewId, E2E.cluster);
    await expect(
      h.driver.submitView({
        viewId,
        values: { Namespace: E2E.namespace, YAML: `${PI_YAML}#${'x'.repeat(3000)}` },
      }),
    ).rejects.toThrow(/longer than max_length 3000/);
  });

  emulatorOnly.it('offers the namespaces of the cluster chosen last', async () => {
    const viewId = await openNew();
    await chooseCluster(viewId, E2E.cluster);
    await chooseCluster(viewId, 'beta');
    const block = viewOf(viewId).blocks.find((b) => b.block_id?.startsWith('namespace'));
    expect(block?.block_id).toBe('namespace@beta');
  });
});

describe('creating with the form', () => {
  it('builds a two-container job with env, a volume and its mount', async () => {
    const viewId = await openNew();
    await chooseMode(viewId, 'Form');
    await chooseCluster(viewId, E2E.cluster);
    const before = h.slack.callsTo('views.update').length;
    await h.driver.clickButton({ actionId: 'definition_add_container', source: { viewId } });
    await h.slack.waitForCall('views.update', () => h.slack.callsTo('views.update').length > before);
    expect(validateView(h.slack.view(viewId), 'modal')).toEqual([]);
    const res = await h.driver.submitView({
      viewId,
      values: {
        Namespace: E2E.namespace,
        'Job name': 'report',
        Description: 'Nightly report',
        'c0.name': 'main',
        'c0.image': 'busybox:1.36',
        'c0.command': 'sh -c "echo $GREETING > /cache/out"',
        'c0.env': 'GREETING=hello\nPASSWORD=secret:db-creds/password',
        'c0.volumeMounts': 'cache:/cache',
        'c1.name': 'sidecar',
        'c1.image': 'alpine:3.20',
        'c1.args': 'sleep\n5',
        'Active deadline seconds': '600',
        Completions: '3',
        Parallelism: '2',
        'Restart policy': 'OnFailure',
        Volumes: 'cache=emptyDir',
      },
    });
    expect(res.ack).toBeUndefined();
    const saved = definitions().find((d) => d.name === 'report')!;
    expect(saved.source).toBe('form');
    expect(saved.template).toMatchObject({
      spec: {
        activeDeadlineSeconds: 600,
        completions: 3,
        parallelism: 2,
        template: {
          spec: {
            restartPolicy: 'OnFailure',
            volumes: [{ name: 'cache', emptyDir: {} }],
            containers: [
              {
                name: 'main',
                image: 'busybox:1.36',
                command: ['sh', '-c', 'echo $GREETING > /cache/out'],
                env: [
                  { name: 'GREETING', value: 'hello' },
                  { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
                ],
                volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
              },
              { name: 'sidecar', image: 'alpine:3.20', args: ['sleep', '5'] },
            ],
          },
        },
      },
    });
  });

  it('puts each error under its field', async () => {
    const viewId = await openNew();
    await chooseMode(viewId, 'Form');
    await chooseCluster(viewId, E2E.cluster);
    const res = await h.driver.submitView({
      viewId,
      values: {
        Namespace: E2E.namespace,
        'Job name': 'Bad_Name',
        'Container name': 'Main',
        'Container image': 'busybox',
        Completions: 'many',
      },
    });
    const errors = submissionErrors(res);
    expect(errors.name).toMatch(/Definition name/);
    expect(errors.completions).toMatch(/./);
    expect(definitions().find((d) => d.name.toLowerCase().includes('bad'))).toBeUndefined();
  });
});

describe('editing', () => {
  it('saves a new revision with who changed what', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'edit pi' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    expect(viewOf(viewId).title.text).toBe('Edit job');
    const yaml = PI_YAML.replace('perl:5.34.0', 'perl:5.36');
    const submitted = await h.driver.submitView({ viewId, values: { YAML: yaml } });
    expect(submitted.ack).toBeUndefined();
    const pi = definitions().find((d) => d.name === 'pi')!;
    expect(pi.revision).toBe(2);
    const revisions = await h.driver.slashCommand({ command: '/job', text: 'show pi --revisions' });
    const text = JSON.stringify((await revisions.answer()).body.blocks);
    expect(text).toContain('Revision 2');
    expect(text).toContain('perl:5.36');
    expect(text).toContain('Revision 1');
  });

  it('switches a form-made job to YAML while editing, and saves it', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'edit report' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    expect(JSON.stringify(viewOf(viewId).blocks)).toContain('c1.image');
    await chooseMode(viewId, 'YAML');
    const yamlBlock = JSON.stringify(viewOf(viewId).blocks.find((b) => b.block_id === 'yaml'));
    expect(yamlBlock).toContain('sidecar');
    expect(yamlBlock).toContain('db-creds');
    const submitted = await h.driver.submitView({
      viewId,
      values: { Description: 'Nightly report, as YAML' },
    });
    expect(submitted.ack).toBeUndefined();
    const report = definitions().find((d) => d.name === 'report')!;
    expect(report).toMatchObject({ revision: 2, description: 'Nightly report, as YAML', source: 'yaml' });
    expect(JSON.stringify(report.template)).toContain('"secretKeyRef"');
  });

  it('tells the user when the job does not exist', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'edit nosuch' });
    expect((await res.answer()).text).toMatch(/There is no job named `nosuch`/);
  });
});

describe('listing many jobs', () => {
  it('pages so every message stays inside Slack limits', async () => {
    const db = openDatabase(h.env.JOBBOT_DB!);
    const repo = new DefinitionRepository(db);
    const base = definitions().find((d) => d.name === 'pi')!;
    for (let i = 0; i < 45; i++) {
      repo.create(
        { ...base, name: `bulk-${String(i).padStart(2, '0')}` },
        base.createdBy,
        new Date().toISOString(),
      );
    }
    db.close();
    const res = await h.driver.slashCommand({ command: '/job', text: 'list' });
    const answer = await res.answer();
    const first = answer.body as Ack;
    expect(validateMessageBlocks(first!.blocks)).toEqual([]);
    expect(first!.text).toMatch(/^Jobs 1–15 of 47/);
    await h.driver.clickButton({ actionId: 'definition_list_page_next', source: answer.reply });
    const replaced = await waitFor(() =>
      h.slack.ephemerals().find((e) => e.text.startsWith('Jobs 16–30 of 47')),
    );
    expect(validateMessageBlocks(replaced.blocks)).toEqual([]);
  });
});

describe('deleting', () => {
  it('asks first, then removes it from lists but keeps its history', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'delete report' });
    const answer = await res.answer();
    expect(answer.text).toMatch(/Delete job report/);
    expect(definitions().some((d) => d.name === 'report')).toBe(true);
    await h.driver.clickButton({ actionId: 'definition_delete_confirm', source: answer.reply });
    await waitFor(() => h.slack.ephemerals().find((e) => e.text.startsWith('Deleted job report')));
    expect(definitions().some((d) => d.name === 'report')).toBe(false);
    const show = await h.driver.slashCommand({ command: '/job', text: 'show report' });
    expect((await show.answer()).text).toMatch(/There is no job named `report`/);
  });
});
