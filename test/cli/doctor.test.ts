/**
 * `jobbot doctor` beside a running Jobbot, with the settings the app runs with, against the Slack and
 * Kubernetes emulators: healthy, then with a cluster that forbids creating Jobs (or listing
 * namespaces), a bad Slack token, broken settings, an unreachable cluster and a job on a cluster the
 * kubeconfig does not have. Each problem is named with what to do, and fails the exit status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOnly } from '../support/cluster.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob } from '../support/seed.js';
import { CLI_TESTS, piJob, runJobbot } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  defineJob(
    h.env.JOBBOT_DB!,
    piJob('pi'),
    { cluster: 'alpha', namespace: 'jobs' },
    {
      kind: 'slack',
      id: h.slack.defaultUser,
      name: 'tester',
    },
  );
});
afterAll(async () => {
  await h?.stop();
});

const doctor = (env: Record<string, string> = h.env, ...args: string[]) =>
  runJobbot(['doctor', ...args], env, h.dir);

const lines = (stdout: string) => stdout.split('\n');

emulatorOnly.describe('jobbot doctor', CLI_TESTS, () => {
  it('passes every check of a healthy deployment', async () => {
    const run = await doctor();
    expect(run.stderr).toBe('');
    const out = lines(run.stdout);
    expect(out[0]).toMatch(
      /^✔ settings: valid \(HTTP on port 0, command \/job, kubeconfig .*kubeconfig, no JOBBOT_CONFIG, so every workspace member may do everything\)$/,
    );
    expect(out[1]).toMatch(/^✔ database .*jobbot\.db: opens, schema \d+ \(up to date\), 1 job$/);
    expect(out[2]).toMatch(/^✔ Slack bot token: works for workspace /);
    expect(out.slice(3)).toEqual([
      expect.stringMatching(
        /^✔ cluster alpha: reachable at http:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.32\.0$/,
      ),
      '✔ cluster alpha: may list namespaces',
      '✔ cluster alpha: may create, follow and delete Jobs and read their pods and logs in namespace jobs',
      expect.stringMatching(/^✔ cluster beta: reachable at /),
      '✔ cluster beta: may list namespaces',
      "- cluster beta: no job runs there yet; pass --namespace NS to check Jobbot's permissions in a namespace before defining jobs there",
      '',
      'All 8 checks passed.',
      '',
    ]);
    expect(run.code).toBe(0);
  });

  it('names what a cluster forbids, and what to grant', async () => {
    h.kube!.cluster('alpha').access.forbid({ verb: 'create', resource: 'jobs', namespace: 'jobs' });
    h.kube!.cluster('beta').access.forbid(
      { verb: 'list', resource: 'namespaces' },
      { verb: 'get', resource: 'pods/log', namespace: 'default' },
    );
    try {
      const run = await doctor(h.env, '--namespace', 'default');
      expect(run.code).toBe(1);
      const out = lines(run.stdout);
      expect(out).toContain(
        "✘ cluster alpha: cannot create jobs in namespace jobs — grant it to Jobbot's service account with a Role and RoleBinding in that namespace, as manifests/base/dispatch-namespace does (jobs: create, get, list, watch, delete; pods: list, watch; pods/log: get)",
      );
      expect(out).toContain(
        '✔ cluster alpha: may create, follow and delete Jobs and read their pods and logs in namespace default',
      );
      expect(out).toContainEqual(
        expect.stringMatching(
          /^✘ cluster beta: cannot list namespaces — grant "list" on namespaces cluster-wide/,
        ),
      );
      expect(out).toContainEqual(
        expect.stringMatching(/^✘ cluster beta: cannot get pods\/log in namespace default — grant it/),
      );
      expect(run.stdout).toMatch(
        /\n3 checks failed, \d+ passed\. Fix the lines marked ✘, then run jobbot doctor again\.\n$/,
      );
    } finally {
      h.kube!.cluster('alpha').access.allowAll();
      h.kube!.cluster('beta').access.allowAll();
    }
  });

  it('says which Slack token Slack refused, and what to do', async () => {
    const run = await doctor({ ...h.env, SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_APP_TOKEN: 'xapp-wrong' });
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    expect(out).toContainEqual(
      expect.stringMatching(
        /^✘ Slack bot token: Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\. Copy the Bot User OAuth Token/,
      ),
    );
    expect(out).toContainEqual(
      expect.stringMatching(
        /^✘ Slack app token: Slack refused SLACK_APP_TOKEN for Socket Mode \(invalid_auth\) — create an App-Level Token/,
      ),
    );
    // The clusters do not depend on Slack, and are still checked.
    expect(out).toContain('✔ cluster alpha: may list namespaces');

    const good = await doctor({ ...h.env, SLACK_APP_TOKEN: h.slack.config.appToken });
    expect(lines(good.stdout)).toContain('✔ Slack app token: works: Slack offers Socket Mode connections');
    expect(good.code).toBe(0);
  });

  it('reports broken settings, skips what needs them, and still checks the rest', async () => {
    const { SLACK_BOT_TOKEN: _t, ...env } = h.env;
    const noToken = await doctor(env);
    expect(noToken.code).toBe(1);
    const out = lines(noToken.stdout);
    expect(out[0]).toMatch(
      /^✘ settings: SLACK_BOT_TOKEN is missing\. Get it from .* — set them in the environment or in \.env/,
    );
    expect(out).toContainEqual(expect.stringMatching(/^✔ database /));
    expect(out).toContain('- Slack: not checked until the settings are fixed');
    // The clusters need only KUBECONFIG: a Slack setting does not stop their checks.
    expect(out).toContain('✔ cluster alpha: may list namespaces');

    const worse = lines((await doctor({ ...env, LOG_LEVEL: 'loud' })).stdout);
    expect(worse[0]).toMatch(/^✘ settings: SLACK_BOT_TOKEN is missing\. .* LOG_LEVEL must be one of /);
    expect(worse).toContain('- Kubernetes: not checked until the settings are fixed');
  });

  it('reports an unreachable cluster, and jobs on a cluster the kubeconfig lacks', async () => {
    defineJob(
      h.env.JOBBOT_DB!,
      piJob('lost'),
      { cluster: 'gamma', namespace: 'jobs' },
      {
        kind: 'slack',
        id: h.slack.defaultUser,
        name: 'tester',
      },
    );
    await h.kube!.cluster('beta').setUnreachable();
    try {
      const run = await doctor();
      expect(run.code).toBe(1);
      const out = lines(run.stdout);
      expect(out).toContainEqual(
        expect.stringMatching(
          /^✘ cluster beta: unreachable: cannot connect to http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) — check that the cluster is up and that the server address in the kubeconfig is right$/,
        ),
      );
      expect(out).toContain(
        '✘ cluster gamma: jobs in 1 namespace (jobs) run there, but the Kubernetes configuration has no such context — add a context named gamma to KUBECONFIG, or move those jobs to alpha or beta',
      );
      expect(out).toContain(
        '✔ cluster alpha: may create, follow and delete Jobs and read their pods and logs in namespace jobs',
      );
    } finally {
      await h.kube!.cluster('beta').setReachable();
    }
  });
});

describe('jobbot doctor without the app', CLI_TESTS, () => {
  it('explains a missing Kubernetes configuration', async () => {
    const run = await runJobbot(
      ['doctor'],
      {
        SLACK_BOT_TOKEN: 'xoxb-x',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: h.slack.apiUrl,
        JOBBOT_DB: `${h.dir}/fresh/jobbot.db`,
      },
      h.dir,
    );
    const out = lines(run.stdout);
    expect(out).toContainEqual(
      expect.stringMatching(
        /^✔ database .*fresh\/jobbot\.db: not created yet; Jobbot creates it at its first start/,
      ),
    );
    expect(out).toContainEqual(
      expect.stringMatching(
        /^✘ Kubernetes: no configuration found \(looked at KUBECONFIG, .*\) — set KUBECONFIG to a kubeconfig file/,
      ),
    );
    expect(run.code).toBe(1);
  });
});
