/**
 * Dispatching end to end: the real app, the Slack driver, and the Kubernetes emulator running the
 * Job with real Job semantics (emulated time runs fast).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobTemplate, parseJobYaml } from '../../src/domain/definition/index.js';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { type DispatchRecord, DispatchRepository } from '../../src/store/dispatches.js';
import { type Harness, startHarness } from '../support/harness.js';
import { behaviours } from '../support/kube/index.js';
import { validateMessageBlocks } from '../support/slack/index.js';

const PI_YAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

function define(yaml: string, namespace = 'jobs'): void {
  const parsed = parseJobYaml(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    new DefinitionRepository(db).create(
      {
        name: parsed.name!,
        cluster: 'alpha',
        namespace,
        description: '',
        source: 'yaml',
        template: parsed.manifest as never,
        yaml,
      },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
}

function dispatch(n: number): DispatchRecord | undefined {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return new DispatchRepository(db).get(n);
  } finally {
    db.close();
  }
}

async function until<T>(probe: () => T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function finished(n: number): Promise<DispatchRecord> {
  return until(
    () => {
      const d = dispatch(n);
      return d && ['succeeded', 'failed', 'cancelled', 'failed_to_start'].includes(d.state) ? d : undefined;
    },
    20_000,
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
    10_000,
    'the outbox to drain',
  );
  const fresh = dispatch(d.number)!;
  return h.slack.thread(fresh.channel!, fresh.messageTs!);
}

async function run(text: string): Promise<{ number: number; ack: { text: string } }> {
  const res = await h.driver.slashCommand({ command: '/job', text });
  const ack = res.ack as { text: string };
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
    expect(h.kube!.job('jobs', d.jobName)).toBeUndefined();
    await until(() => h.kube!.pods('jobs', d.jobName).length === 0, 5000, 'pods to go');
  });

  it("labels the Job as Jobbot's, with its number, definition and dispatcher", async () => {
    h.kube!.behave({ job: /^pi-/ }, behaviours.sleep(30));
    const { number } = await run('run pi --yes');
    const d = dispatch(number)!;
    const job = await until(() => h.kube!.job('jobs', d.jobName), 5000, 'the Job');
    expect(job.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'jobbot',
      'jobbot.dev/dispatch': String(number),
      'jobbot.dev/definition': 'pi',
    });
    expect(job.metadata.annotations?.['jobbot.dev/dispatched-by-id']).toBe(h.slack.defaultUser);
    await h.driver.slashCommand({ command: '/job', text: `cancel ${number}` });
  });
});

describe('refusing bad /job run values', () => {
  it('names the closest key and dispatches nothing', async () => {
    const before = h.slack.callsTo('chat.postMessage').length;
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi imgae=perl:5.36 --yes' });
    expect((res.ack as { text: string }).text).toMatch(/Nothing was dispatched: .*imgae.*image/);
    expect(h.slack.callsTo('chat.postMessage').length).toBe(before);
  });

  it('says so for an unknown job', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run nosuch --yes' });
    expect((res.ack as { text: string }).text).toMatch(/There is no job named `nosuch`/);
  });
});
