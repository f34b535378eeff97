/**
 * Dispatching end to end: the real app, the Slack driver, and the Kubernetes emulator running the
 * Job with real Job semantics (emulated time runs fast).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobYaml } from '../../src/domain/definition/index.js';
import { FORM_TOO_LATE } from '../../src/slack/interaction.js';
import { installationUid, openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { type DispatchRecord, DispatchRepository } from '../../src/store/dispatches.js';
import { E2E, emulatorOnly, jobPods, readJob } from '../support/cluster.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { behaviours } from '../support/kube/index.js';
import { defineJob, readDispatch } from '../support/seed.js';
import { shownLines, validateMessageBlocks } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

function define(yaml: string, namespace = E2E.namespace, cluster = E2E.cluster): void {
  defineJob(
    h.env.JOBBOT_DB!,
    yaml,
    { cluster, namespace },
    { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
  );
}

function dispatch(n: number): DispatchRecord | undefined {
  return readDispatch(h.env.JOBBOT_DB!, n);
}

/** The newest dispatch number, to prove that nothing was dispatched. */
function lastDispatch(): number {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return (db.prepare('select coalesce(max(number), 0) as n from dispatches').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function until<T>(probe: () => T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  return waitFor(probe, ms, what);
}

/** A real cluster pulls images and backs off in real time: waits stretch accordingly. */
const SLOW = E2E.real ? 15 : 1;

/** Polls an async probe (a cluster read) until it holds. */
async function eventually(probe: () => Promise<boolean>, what: string, ms = 20_000 * SLOW): Promise<void> {
  await eventuallyValue(async () => ((await probe()) ? true : undefined), what, ms);
}

async function eventuallyValue<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 20_000 * SLOW,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function finished(n: number): Promise<DispatchRecord> {
  return until(
    () => {
      const d = dispatch(n);
      return d && ['succeeded', 'failed', 'cancelled', 'failed_to_start'].includes(d.state) ? d : undefined;
    },
    20_000 * SLOW,
    `dispatch #${n} to finish`,
  );
}

/** The dispatch's status message and thread, once the outbox has delivered everything. */
async function thread(d: DispatchRecord) {
  await until(
    () => {
      const db = openDatabase(h.env.JOBBOT_DB!);
      try {
        const pending = db
          .prepare('select count(*) as n from outbox where dispatch_number = ? and delivered_at is null')
          .get(d.number) as { n: number };
        return pending.n === 0;
      } finally {
        db.close();
      }
    },
    10_000 * SLOW,
    'the outbox to drain',
  );
  const fresh = dispatch(d.number)!;
  return h.slack.thread(fresh.channel!, fresh.messageTs!);
}

async function run(text: string): Promise<{ number: number; ack: { text: string } }> {
  const res = await h.driver.slashCommand({ command: '/job', text });
  const ack = await res.answer();
  const m = /#(\d+)/.exec(ack.text);
  if (!m) throw new Error(`not dispatched: ${ack.text}`);
  return { number: Number(m[1]), ack };
}

describe('dispatching the docs "pi" Job', () => {
  it('runs it, follows it in a thread, keeps its logs and cleans up', async () => {
    define(PI_YAML);
    const { number, ack } = await run('run pi --yes');
    expect(ack.text).toMatch(/^Dispatched pi #\d+\. Updates follow in <#C/);
    const d = await finished(number);
    expect(d.state).toBe('succeeded');
    expect(d.verdict).toMatch(/^Succeeded in \d/);
    const messages = await thread(d);
    const [status, ...replies] = messages;
    expect(status!.text).toMatch(/^pi #\d+: Succeeded in/);
    expect(validateMessageBlocks(status!.blocks)).toEqual([]);
    expect(JSON.stringify(status!.blocks)).toContain(`<@${h.slack.defaultUser}>`);
    const texts = replies.map((m) => m.text);
    expect(texts.some((t) => /running/i.test(t))).toBe(true);
    const verdict = replies.find((m) => m.text.startsWith('Succeeded'))!;
    expect(JSON.stringify(verdict.blocks)).toContain('3.14159');
    for (const m of replies.filter((r) => r.blocks)) expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const file = h.slack.files().find((f) => f.threadTs === d.messageTs)!;
    const digits = file.content!.toString().replace(/\D/g, '');
    expect(digits.length).toBeGreaterThanOrEqual(2000);
    expect(await readJob(h.env.KUBECONFIG!, d.jobName)).toBeUndefined();
    await eventually(async () => (await jobPods(h.env.KUBECONFIG!, d.jobName)).length === 0, 'pods to go');
  });

  it("labels the Job as Jobbot's, with its installation, number, definition and dispatcher", async () => {
    define(job('labelled', { command: 'sleep 30' }));
    const { number } = await run('run labelled --yes');
    const d = dispatch(number)!;
    const created = await eventuallyValue(() => readJob(h.env.KUBECONFIG!, d.jobName), 'the Job');
    expect(created.metadata!.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'jobbot',
      'jobbot.dev/dispatch': String(number),
      'jobbot.dev/definition': 'labelled',
    });
    const db = openDatabase(h.env.JOBBOT_DB!);
    const installation = installationUid(db);
    db.close();
    // Another Jobbot dispatching into this namespace leaves this Job alone (README, "What is not guaranteed").
    expect(created.metadata!.labels?.['jobbot.dev/installation']).toBe(installation);
    expect(created.spec!.template.metadata!.labels?.['jobbot.dev/installation']).toBe(installation);
    expect(created.metadata!.annotations?.['jobbot.dev/dispatched-by-id']).toBe(h.slack.defaultUser);
    const res = await h.driver.slashCommand({ command: '/job', text: `cancel ${number}` });
    await h.driver.clickButton({ actionId: 'dispatch_cancel', source: (await res.answer()).reply });
    expect((await finished(number)).state).toBe('cancelled');
  });
});

describe('refusing bad /job run values', () => {
  it('names the closest key and dispatches nothing', async () => {
    const before = lastDispatch();
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi imgae=perl:5.36 --yes' });
    expect((await res.answer()).text).toMatch(/Nothing was dispatched: .*imgae.*image/);
    expect(lastDispatch()).toBe(before);
  });

  it('says so for an unknown job', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run nosuch --yes' });
    expect((await res.answer()).text).toMatch(/There is no job named `nosuch`/);
  });
});

function job(
  name: string,
  extra: { spec?: string; command?: string; image?: string; containers?: string } = {},
): string {
  const containers =
    extra.containers ??
    `      - name: main
        image: ${extra.image ?? 'busybox:1.36'}
        command: ["sh", "-c", ${JSON.stringify(extra.command ?? `echo hello from ${name}`)}]
`;
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${extra.spec ?? ''}  template:
    spec:
      restartPolicy: Never
      containers:
${containers}`;
}

describe('what a dispatch can go through', () => {
  it('runs completions 3 with parallelism 2 to success', async () => {
    define(job('batch'));
    const { number } = await run('run batch completions=3 parallelism=2 --yes');
    const d = await finished(number);
    expect(d.state).toBe('succeeded');
    expect(d.verdict).toMatch(/3 pods succeeded/);
    expect(JSON.stringify(d.overrides)).toContain('completions');
  });

  it('reports BackoffLimitExceeded for a job that keeps failing', async () => {
    define(job('flaky', { spec: '  backoffLimit: 2\n', command: 'echo trying; exit 3' }));
    const { number } = await run('run flaky --yes');
    const d = await finished(number);
    expect(d.state).toBe('failed');
    expect(d.verdict).toMatch(/^Failed: BackoffLimitExceeded \(3 pods failed\)/);
    const replies = (await thread(d)).flatMap((m) => shownLines(m));
    expect(replies.some((t) => /failed.*retry/i.test(t))).toBe(true);
    expect(await readJob(h.env.KUBECONFIG!, d.jobName)).toBeUndefined();
  });

  it('reports DeadlineExceeded for a job over its active deadline', async () => {
    define(job('slow', { spec: '  activeDeadlineSeconds: 5\n', command: 'sleep 600' }));
    const { number } = await run('run slow --yes');
    const d = await finished(number);
    expect(d.verdict).toMatch(/^Failed: DeadlineExceeded after 5s/);
  });

  emulatorOnly.it('warns about an image that cannot be pulled, then fails', async () => {
    define(job('badimage', { spec: '  activeDeadlineSeconds: 20\n', image: 'registry.invalid/nope:1' }));
    h.kube!.behave({ job: /^badimage-/ }, behaviours.imagePullError());
    const { number } = await run('run badimage --yes');
    const d = await finished(number);
    expect(d.state).toBe('failed');
    const replies = (await thread(d)).map((m) => m.text);
    expect(replies.some((t) => /ErrImagePull|ImagePullBackOff/.test(t))).toBe(true);
  });

  it('cancels a running dispatch from its status message', async () => {
    define(job('long', { command: 'echo started; sleep 3600' }));
    const { number } = await run('run long --yes');
    await until(
      () => dispatch(number)?.state === 'running' && dispatch(number)?.messageTs,
      10_000 * SLOW,
      'running',
    );
    const d = dispatch(number)!;
    await eventually(
      async () => (await jobPods(h.env.KUBECONFIG!, d.jobName)).some((p) => p.status?.phase === 'Running'),
      'a running pod',
    );
    const status = h.slack.message(d.channel!, d.messageTs!)!;
    await h.driver.clickButton({
      actionId: 'dispatch_cancel',
      source: { channel: d.channel!, ts: d.messageTs! },
    });
    const done = await finished(number);
    expect(done.state).toBe('cancelled');
    expect(done.verdict).toMatch(new RegExp(`^Cancelled by <@${h.slack.defaultUser}>`));
    expect(done.cancelledBy?.id).toBe(h.slack.defaultUser);
    expect(status).toBeDefined();
    expect(await readJob(h.env.KUBECONFIG!, d.jobName)).toBeUndefined();
    const db = openDatabase(h.env.JOBBOT_DB!);
    const logs = new DispatchRepository(db).logs(number);
    db.close();
    expect(logs.map((l) => l.text).join('')).toContain('started');
  });

  it("keeps each container's log of a two-container pod", async () => {
    define(job('pair', {
      containers: `      - name: web
        image: busybox:1.36
        command: ["sh", "-c", "echo from web"]
      - name: worker
        image: busybox:1.36
        command: ["sh", "-c", "echo from worker"]
`,
    }));
    const { number } = await run('run pair --yes');
    const d = await finished(number);
    await thread(d);
    const files = h.slack.files().filter((f) => f.threadTs === dispatch(number)!.messageTs);
    expect(files.map((f) => f.filename.split('.').at(-2)).sort()).toEqual(['web', 'worker']);
    expect(files.map((f) => f.content!.toString()).join('')).toMatch(
      /from web[\s\S]*from worker|from worker[\s\S]*from web/,
    );
  });

  it('uses --yes values once and leaves the definition as it was', async () => {
    const { number } = await run('run pi image=perl:5.36 --yes');
    const d = dispatch(number)!;
    expect(JSON.stringify(d.spec)).toContain('perl:5.36');
    await finished(number);
    const next = await run('run pi --yes');
    expect(JSON.stringify(dispatch(next.number)!.spec)).toContain('perl:5.34.0');
    await finished(next.number);
  });

  it('dispatches from the modal with a value changed for this run only', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    const sub = await h.driver.submitView({
      viewId,
      values: { 'Container image': 'perl:5.38', Parallelism: '1' },
    });
    expect(sub.ack).toBeUndefined();
    const eph = await until(
      () =>
        h.slack.ephemerals().find((e) => /Dispatched pi #\d+/.test(e.text) && e.via === 'chat.postEphemeral'),
      5000 * SLOW,
      'confirmation',
    );
    const number = Number(/#(\d+)/.exec(eph.text)![1]);
    expect(JSON.stringify(dispatch(number)!.spec)).toContain('perl:5.38');
    await finished(number);
  });

  it('puts a bad value in the modal under its field and dispatches nothing', async () => {
    const before = lastDispatch();
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    const sub = await h.driver.submitView({
      viewId,
      values: { Completions: 'many', 'Environment variables': 'BAD LINE' },
    });
    const ack = sub.ack as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(ack.errors.completions).toMatch(/"many" is not a whole number/);
    expect(ack.errors['c0.env']).toMatch(/Line 1/);
    expect(lastDispatch()).toBe(before);
  });

  it('answers at once, saying so, when Slack rate-limits opening the dispatch form', async () => {
    // Retry-After 5 s: waiting it out would outlast the form's trigger (3 s) and the person's patience.
    h.slack.rateLimit('views.open', { times: 1, retryAfterSeconds: 5 });
    const started = Date.now();
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const answer = await res.answer({ timeoutMs: 3_000 });
    expect(answer?.text).toBe(
      'Slack is limiting how fast Jobbot may call it right now. Try again in a few seconds.',
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    // The limit has passed: the form opens.
    const again = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    expect(await again.answer({ orModal: true })).toBeUndefined();
  });

  it('says the form came too late, with nothing dispatched, when its trigger expired first', async () => {
    const before = lastDispatch();
    // What Slack answers views.open more than 3 s after the command (a long queue of commands).
    h.slack.fail('views.open', { error: 'expired_trigger_id' });
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const answer = await res.answer({ timeoutMs: 3_000 });
    expect(answer?.text).toBe(FORM_TOO_LATE);
    expect(lastDispatch()).toBe(before);
  });

  it('opens a form ahead of the commands queued before it, while its trigger is fresh', async () => {
    const history = Array.from({ length: 40 }, () =>
      h.driver.slashCommand({ command: '/job', text: 'history' }),
    );
    const run = h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const [form, ...listed] = await Promise.all([run, ...history]);
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === form!.triggerId);
    expect(call.status).toBe(200);
    await Promise.all(listed.map((r) => r.answer()));
    const urls = new Set(listed.map((r) => r.responseUrl));
    const answeredBefore = h.slack.state.responses.filter((r) => urls.has(r.url) && r.time < call.time);
    // Sent last, it went first among those still waiting (a few may have started before it arrived).
    expect(answeredBefore.length).toBeLessThan(20);
  });

  it('delivers every update once and in order after Slack rate-limits it', async () => {
    h.slack.rateLimit('chat.postMessage', { times: 2, retryAfterSeconds: 1 });
    const { number } = await run('run pi --yes');
    const d = await finished(number);
    const messages = await thread(d);
    const texts = messages.map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    // In the order people read them (the status message left out), moments sharing a reply or
    // opening the verdict's included.
    const lines = messages.slice(1).flatMap((m) => shownLines(m));
    expect(lines.findIndex((t) => /running/i.test(t))).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((t) => /running/i.test(t))).toBeLessThan(
      lines.findIndex((t) => /^\*?Succeeded/.test(t)),
    );
  });

  it('carries a running dispatch to its end across a restart', async () => {
    define(job('restartable', { command: 'sleep 60; echo survived' }));
    const { number } = await run('run restartable --yes');
    await until(() => dispatch(number)?.state === 'running', 10_000 * SLOW, 'running');
    await h.restart();
    const d = await finished(number);
    expect(d.state).toBe('succeeded');
    const texts = (await thread(d)).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    if (!h.kube) return;
    expect(
      h.kube.requests.filter(
        (r) =>
          r.method === 'POST' &&
          r.path.endsWith('/jobs') &&
          r.query.dryRun !== 'All' &&
          (r.body as { metadata?: { name?: string } })?.metadata?.name === d.jobName,
      ),
    ).toHaveLength(1);
  });
});

describe('when the cluster refuses or is away', () => {
  emulatorOnly.it(
    'says why when Jobbot may not create Jobs there (403), and leaves nothing behind',
    async () => {
      h.kube!.cluster(E2E.cluster).failNext(1, {
        method: 'POST',
        path: /\/jobs$/,
        status: 403,
        message:
          'jobs.batch is forbidden: User "system:serviceaccount:jobbot:jobbot" cannot create resource "jobs" in API group "batch" in the namespace "jobs"',
      });
      const { number } = await run('run pi --yes');
      const d = await finished(number);
      expect(d.state).toBe('failed_to_start');
      expect(d.error).toMatch(/Jobbot may not create Jobs in jobs on alpha .*cannot create resource "jobs"/);
      const texts = (await thread(d)).map((m) => m.text);
      expect(texts.some((t) => t.startsWith('Failed to start: Jobbot may not create Jobs'))).toBe(true);
      expect(await readJob(h.env.KUBECONFIG!, d.jobName)).toBeUndefined();
    },
  );

  emulatorOnly.it('retries an unreachable API server, then creates the Job once', async () => {
    h.kube!.cluster(E2E.cluster).failNext(2, { method: 'POST', path: /\/jobs$/, status: 503 });
    const { number } = await run('run pi --yes');
    const d = await finished(number);
    expect(d.state).toBe('succeeded');
  });

  emulatorOnly.it('gives up with a clear reason when the cluster stays away', async () => {
    await h.kube!.cluster('beta').setUnreachable('refuse');
    const parsed = parseJobYaml(job('elsewhere'));
    if (!parsed.ok) throw new Error('bad fixture');
    const db = openDatabase(h.env.JOBBOT_DB!);
    new DefinitionRepository(db).create(
      {
        name: 'elsewhere',
        cluster: 'beta',
        namespace: E2E.namespace,
        description: '',
        source: 'yaml',
        template: parsed.manifest as never,
        yaml: null,
      },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
      new Date().toISOString(),
    );
    db.close();
    try {
      const { number } = await run('run elsewhere --yes');
      const d = await finished(number);
      expect(d.state).toBe('failed_to_start');
      expect(d.error).toMatch(/cluster beta could not be reached/);
    } finally {
      await h.kube!.cluster('beta').setReachable();
    }
  });

  it('names the closest job for a typo', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pie --yes' });
    expect((await res.answer()).text).toMatch(/There is no job named `pie`\. Did you mean `pi`/);
  });

  it('refuses a dispatch whose definition was deleted while the modal was open', async () => {
    define(job('doomed'));
    const res = await h.driver.slashCommand({ command: '/job', text: 'run doomed' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    const del = await h.driver.slashCommand({ command: '/job', text: 'delete doomed' });
    await h.driver.clickButton({ actionId: 'definition_delete_confirm', source: (await del.answer()).reply });
    await until(
      () => h.slack.ephemerals().some((e) => e.text.startsWith('Deleted job doomed')),
      5000 * SLOW,
      'deletion',
    );
    const sub = await h.driver.submitView({ viewId, values: {} });
    const ack = sub.ack as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(Object.values(ack.errors).join(' ')).toMatch(/There is no job named `doomed`/);
  });
});

describe('cancelling and re-running from Slack', () => {
  it('/job cancel asks first, then cancels', async () => {
    const { number } = await run('run long --yes');
    await until(() => dispatch(number)?.state === 'running', 10_000 * SLOW, 'running');
    const res = await h.driver.slashCommand({ command: '/job', text: `cancel #${number}` });
    expect((await res.answer()).text).toMatch(new RegExp(`^Cancel long #${number}\\?`));
    expect(dispatch(number)!.state).toBe('running');
    await h.driver.clickButton({ actionId: 'dispatch_cancel', source: (await res.answer()).reply });
    expect((await finished(number)).state).toBe('cancelled');
  });

  it('refuses to cancel what has finished', async () => {
    const { number } = await run('run pi --yes');
    await finished(number);
    const res = await h.driver.slashCommand({ command: '/job', text: `cancel ${number}` });
    await h.driver.clickButton({ actionId: 'dispatch_cancel', source: (await res.answer()).reply });
    await until(
      () => h.slack.ephemerals().some((e) => e.text.includes(`#${number} cannot be cancelled`)),
      5000 * SLOW,
      'refusal',
    );
  });

  it("Re-run opens the modal with that dispatch's values", async () => {
    const { number } = await run('run pi image=perl:5.40 --yes');
    const d = await finished(number);
    await thread(d);
    const fresh = dispatch(number)!;
    await h.driver.clickButton({
      actionId: 'dispatch_rerun',
      source: { channel: fresh.channel!, ts: fresh.messageTs! },
    });
    const call = await h.slack.waitForCall('views.open', (c) =>
      JSON.stringify(c.args.view).includes(`values of #${number}`),
    );
    expect(JSON.stringify(call.args.view)).toContain('perl:5.40');
  });

  it('explains a malformed number', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'cancel forty-two' });
    expect((await res.answer()).text).toMatch(/Name the dispatch by its number/);
  });
});
