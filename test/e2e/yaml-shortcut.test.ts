/** "Create job from YAML" on a message: long specs from message text or a shared .yaml file. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { E2E } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { validateView } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** A Job whose YAML is far over a modal input's 3,000 characters: many env vars, kept as given. */
function bigJob(name: string): string {
  const env = Array.from(
    { length: 150 },
    (_, i) => `        - name: SETTING_${i}\n          value: "value number ${i} for the batch run"`,
  ).join('\n');
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", "env | sort"]
        env:
${env}
`;
}

function saved(name: string) {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return new DefinitionRepository(db).getByName(name);
  } finally {
    db.close();
  }
}

async function shortcutOn(message: { channel: string; ts: string }): Promise<string> {
  const res = await h.driver.messageShortcut({ callbackId: 'create_job_from_yaml', source: message });
  expect(res.status).toBe(200);
  const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
  return (call.response as { view: { id: string } }).view.id;
}

/** Runs the shortcut where it must refuse: the refusal is an ephemeral, and no modal opens. */
async function refusedOn(message: { channel: string; ts: string }, says: RegExp): Promise<string> {
  const before = h.slack.ephemerals().length;
  const res = await h.driver.messageShortcut({ callbackId: 'create_job_from_yaml', source: message });
  expect(res.status).toBe(200);
  const eph = await waitFor(() =>
    h.slack
      .ephemerals()
      .slice(before)
      .find((e) => says.test(e.text)),
  );
  expect(h.slack.callsTo('views.open').some((c) => c.args.trigger_id === res.triggerId)).toBe(false);
  expect(eph.user).toBe(h.slack.defaultUser);
  return eph.text;
}

describe('Create job from YAML', () => {
  it('takes a long spec from a shared .yaml file and saves it after cluster and namespace', async () => {
    const yaml = bigJob('big-from-file');
    expect(yaml.length).toBeGreaterThan(3000);
    const message = h.slack.postUserMessage({
      channel: h.slack.defaultChannel,
      user: h.slack.defaultUser,
      text: 'here is the job',
      files: [{ name: 'job.yaml', content: yaml }],
    });
    const viewId = await shortcutOn({ channel: message.channel, ts: message.ts });
    const view = h.slack.view(viewId)!;
    expect(validateView(view, 'modal')).toEqual([]);
    expect(JSON.stringify(view)).toContain('Taken from the message');
    expect(h.slack.downloads.at(-1)).toMatchObject({ served: true });
    await h.driver.selectOption({
      actionId: 'definition_cluster',
      value: E2E.cluster,
      source: { viewId: viewId },
    });
    await h.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    const res = await h.driver.submitView({ viewId: viewId, values: { Namespace: E2E.namespace } });
    expect(res.ack).toBeUndefined();
    const def = saved('big-from-file')!;
    expect(def.yaml).toBe(yaml);
    expect(JSON.stringify(def.template)).toContain('SETTING_149');
  });

  it('takes a spec from the message text, Slack escaping undone', async () => {
    const yaml = bigJob('big-from-text').replace('env | sort', 'env | sort && echo done');
    const message = h.slack.postUserMessage({
      channel: h.slack.defaultChannel,
      user: h.slack.defaultUser,
      text: `\`\`\`${yaml.replace(/&/g, '&amp;')}\`\`\``,
    });
    const viewId = await shortcutOn({ channel: message.channel, ts: message.ts });
    await h.driver.selectOption({
      actionId: 'definition_cluster',
      value: E2E.cluster,
      source: { viewId: viewId },
    });
    await h.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    await h.driver.submitView({ viewId: viewId, values: { Namespace: E2E.namespace } });
    expect(JSON.stringify(saved('big-from-text')!.template)).toContain('env | sort && echo done');
  });

  it('explains when a message holds no Job YAML, and opens nothing', async () => {
    const message = h.slack.postUserMessage({
      channel: h.slack.defaultChannel,
      user: h.slack.defaultUser,
      text: 'lunch?',
    });
    await refusedOn(message, /holds no Kubernetes Job YAML/);
  });

  it('lists the problems of a broken spec at once, with lines, and opens nothing', async () => {
    const yaml = bigJob('broken').replace('restartPolicy: Never', 'restartPolicy: Always');
    const message = h.slack.postUserMessage({
      channel: h.slack.defaultChannel,
      user: h.slack.defaultUser,
      text: '',
      files: [{ name: 'broken.yml', content: yaml }],
    });
    const text = await refusedOn(message, /cannot be saved as a job/);
    expect(text).toMatch(/Line \d+: restartPolicy Always is not allowed/);
    expect(saved('broken')).toBeUndefined();
  });

  it('refuses a file over 256 KiB', async () => {
    const message = h.slack.postUserMessage({
      channel: h.slack.defaultChannel,
      user: h.slack.defaultUser,
      text: '',
      files: [{ name: 'huge.yaml', content: `${bigJob('huge')}#${'x'.repeat(300 * 1024)}\n` }],
    });
    await refusedOn(message, /Jobbot reads YAML files up to 256 KiB/);
  });
});
