/**
 * Guardrails refuse definitions and dispatch overrides, whatever the door; a reloaded policy applies
 * to the next request while work in flight goes on; an invalid file keeps the policy in force; and
 * secret-looking values are masked in what Slack shows, the stored logs, the API and the audit log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { api, createToken, define, drained } from '../api/helpers.js';
import { E2E } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { readDispatch } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import { ALICE, BOB, job, policyYaml, slashAs, writePolicy } from './helpers.js';

let h: Harness;
let dir: string;
let policyFile: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobbot-guardrails-'));
  policyFile = writePolicy(dir, policyYaml());
  h = await startHarness({ env: { JOBBOT_CONFIG: policyFile } });
  job(h, 'safe-echo', 'echo safe');
  job(h, 'safe-evil', 'echo evil', 'docker.io/evil/miner:1');
  job(h, 'safe-slow', 'sleep 3; echo slept');
  job(
    h,
    'safe-leak',
    'echo "DB_PASSWORD=hunter2 sekrit-abc123 ghp_0123456789abcdefghijklmnopqrstuvwxyz done"',
  );
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const numberIn = (text: string) => Number(/#(\d+)/.exec(text)?.[1]);

describe('guardrails', () => {
  it('refuse a dispatch of a definition that breaks them, and overrides that would', async () => {
    expect(await slashAs(h, BOB, 'run safe-evil --yes')).toMatch(
      /docker\.io\/evil\/miner:1 is not allowed.*guardrails\.images/,
    );
    expect(await slashAs(h, BOB, 'run safe-echo image=evil:2 --yes')).toMatch(/guardrails\.images/);
    expect(await slashAs(h, BOB, 'run safe-echo parallelism=9 --yes')).toMatch(/guardrails\.maxParallelism/);
    expect(await slashAs(h, BOB, 'run safe-echo image=perl:5.36 --yes')).toMatch(
      /^Dispatched safe-echo #\d+/,
    );
  });

  it('refuse a definition through the API, and a namespace the cluster does not allow', async () => {
    const token = await createToken(h, 'gitops');
    const put = (image: string, namespace = E2E.namespace) =>
      api(h, 'PUT', '/api/v1/jobs/safe-new', {
        token,
        body: {
          cluster: E2E.cluster,
          namespace,
          yaml: `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: safe-new\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: ${image}\n`,
        },
      });
    const evil = await put('quay.io/evil:1');
    expect(evil.status).toBe(422);
    expect(JSON.stringify(evil.json)).toMatch(/guardrails\.images/);
    const elsewhere = await put('busybox:1.36', 'kube-system');
    expect(elsewhere.status).toBe(422);
    expect(JSON.stringify(elsewhere.json)).toMatch(/namespace kube-system/);
    expect((await put('busybox:1.36')).status).toBe(201);
  });
});

describe('reloading the policy', () => {
  it('applies to the next request, lets running work finish, and keeps the old policy when invalid', async () => {
    const slow = numberIn(await slashAs(h, BOB, 'run safe-slow --yes'));
    await waitFor(
      () => readDispatch(h.env.JOBBOT_DB!, slow)?.state === 'running',
      15_000,
      'safe-slow to run',
    );

    // Bob loses safe-* while his dispatch runs.
    writePolicy(dir, policyYaml().replace(`users: [${BOB}], groups: ["@ops"]`, 'groups: ["@ops"]'));
    expect(h.app.reloadPolicy().ok).toBe(true);
    expect(await slashAs(h, BOB, 'run safe-echo --yes')).toMatch(/\(rule: policies\[1\]/);
    await waitFor(
      () => readDispatch(h.env.JOBBOT_DB!, slow)?.state === 'succeeded',
      20_000,
      'safe-slow to finish',
    );

    writePolicy(dir, 'admins: { users: [nobody] }\n');
    const refused = h.app.reloadPolicy();
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/line 1 \(admins\.users\[0\]\)/);
    // The previous (valid) policy is still in force: alice is still an admin.
    expect(await slashAs(h, ALICE, 'audit')).not.toMatch(/\(rule:/);

    writePolicy(dir, policyYaml());
    expect(h.app.reloadPolicy().ok).toBe(true);
    expect(await slashAs(h, BOB, 'run safe-echo --yes')).toMatch(/^Dispatched/);
  });
});

describe('masking secrets', () => {
  it('masks them in the thread, the stored log, the API and the audit log', async () => {
    const n = numberIn(await slashAs(h, BOB, 'run safe-leak env.API_TOKEN=tok-9f8e7d --yes'));
    await waitFor(
      () => readDispatch(h.env.JOBBOT_DB!, n)?.state === 'succeeded',
      20_000,
      'safe-leak to finish',
    );
    await drained(h, n);
    const posted = JSON.stringify(
      h.slack
        .callsTo('chat.postMessage')
        .concat(h.slack.callsTo('chat.update'))
        .map((c) => c.args),
    );
    expect(posted).toContain('done');
    for (const secret of ['hunter2', 'sekrit-abc123', 'ghp_0123456789', 'tok-9f8e7d'])
      expect(posted).not.toContain(secret);
    const files = h.slack
      .files()
      .map((f) => f.content?.toString() ?? '')
      .join('\n');
    expect(files).toContain('done');
    expect(files).not.toContain('hunter2');

    const token = await createToken(h, 'reader');
    const logs = await api(h, 'GET', `/api/v1/dispatches/${n}/logs`, { token });
    expect(logs.text).toContain('done');
    expect(logs.text).not.toContain('hunter2');

    define(
      h,
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: safe-envy\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox:1.36\n        env:\n        - name: DB_PASSWORD\n          value: hunter2\n        - name: API_KEY\n          valueFrom: {secretKeyRef: {name: api, key: key}}\n',
    );
    const shown = JSON.stringify(
      (await (await h.driver.slashCommand({ command: '/job', text: 'show safe-envy', user: BOB })).answer())
        .body,
    );
    expect(shown).toContain('DB_PASSWORD');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('secretKeyRef');

    const db = openDatabase(h.env.JOBBOT_DB!);
    try {
      const audit = JSON.stringify(db.prepare('select details from audit_log').all());
      expect(audit).toContain('API_TOKEN');
      expect(audit).not.toContain('tok-9f8e7d');
    } finally {
      db.close();
    }
  });
});
