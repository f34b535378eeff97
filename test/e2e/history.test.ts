/** History, dispatch details, logs on request and App Home, end to end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { E2E } from '../support/cluster.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob, readDispatch } from '../support/seed.js';
import { validateMessageBlocks, validateView } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const PAIR = `apiVersion: batch/v1
kind: Job
metadata:
  name: pair
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: web
        image: busybox:1.36
        command: ["sh", "-c", "echo from web"]
      - name: worker
        image: busybox:1.36
        command: ["sh", "-c", "echo from worker"]
`;

let h: Harness;
const numbers: Record<string, number> = {};

function define(yaml: string): void {
  defineJob(
    h.env.JOBBOT_DB!,
    yaml,
    { cluster: E2E.cluster, namespace: E2E.namespace },
    { kind: 'slack', id: ALICE, name: 'alice' },
  );
}

function state(n: number): string | undefined {
  return readDispatch(h.env.JOBBOT_DB!, n)?.state;
}

async function run(text: string, user: string): Promise<number> {
  const n = Number(/#(\d+)/.exec((await ask(text, user)).text)![1]);
  await waitFor(
    () => ['succeeded', 'failed', 'cancelled', 'failed_to_start'].includes(state(n) ?? ''),
    20_000,
    `#${n}`,
  );
  return n;
}

type Ack = { text: string; blocks: unknown[] };

/** `/job TEXT` as `user`: its answer (the message body and the reply to click in). */
async function ask(text: string, user: string) {
  const res = await h.driver.slashCommand({ command: '/job', text, user });
  const answer = await res.answer();
  return { ...answer, ack: answer.body as Ack };
}

/** The first post to a click's response_url whose body contains `text`. */
function postedTo(click: { responseUrl?: string }, text: string) {
  return h.slack.responses.find((r) => r.url === click.responseUrl && JSON.stringify(r.body).includes(text));
}

beforeAll(async () => {
  h = await startHarness();
  define(PI_YAML);
  define(PAIR);
  numbers.plain = await run('run pi --yes', ALICE);
  numbers.overridden = await run('run pi image=perl:5.36 parallelism=1 --yes', BOB);
  numbers.pair = await run('run pair --yes', BOB);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe('/job history', () => {
  it('lists dispatches newest first, with who, what and a Details button', async () => {
    const { ack } = await ask('history', ALICE);
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    const text = JSON.stringify(ack.blocks);
    expect(text.indexOf(`#${numbers.pair}`)).toBeLessThan(text.indexOf(`#${numbers.plain}`));
    expect(text).toContain(`<@${BOB}>`);
    expect(text).toContain('perl:5.36');
    expect(text).toContain('dispatch_details');
  });

  it('filters by job, person and status', async () => {
    const { ack } = await ask(`history pi <@${BOB}|bob> succeeded`, ALICE);
    const text = JSON.stringify(ack.blocks);
    expect(text).toContain(`#${numbers.overridden}`);
    expect(text).not.toContain(`#${numbers.plain} `);
    expect(text).not.toContain(`#${numbers.pair}`);
  });

  it('pages through more dispatches than one message holds', async () => {
    const db = openDatabase(h.env.JOBBOT_DB!);
    const insert = db.prepare(
      `insert into dispatches (definition_id, definition_name, revision, cluster, namespace, job_name, spec, overrides,
         actor_kind, actor_id, actor_name, state, created_at, updated_at)
       select definition_id, definition_name, revision, cluster, namespace, job_name, spec, overrides, actor_kind,
         actor_id, actor_name, 'succeeded', created_at, updated_at from dispatches where number = ?`,
    );
    db.transaction(() => {
      for (let i = 0; i < 60; i++) insert.run(numbers.plain);
    })();
    db.close();
    const { ack, reply } = await ask('history', ALICE);
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    const click = await h.driver.clickButton({ actionId: 'history_page_next', source: reply });
    const page2 = await waitFor(() => postedTo(click, 'history_page_prev'), 5000, 'page 2');
    expect(page2.status).toBe(200);
  });

  it('explains a plain @name', async () => {
    expect((await ask('history @bob', ALICE)).text).toMatch(/Mention the person/);
  });
});

describe('dispatch details', () => {
  it('shows the parameters used against the definition, who, where and a Show log per container', async () => {
    const { ack } = await ask(`show #${numbers.overridden}`, ALICE);
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    const text = JSON.stringify(ack.blocks);
    expect(text).toContain('perl:5.34.0');
    expect(text).toContain('perl:5.36');
    expect(text).toContain(`<@${BOB}>`);
    expect(text).toContain(`pi-${numbers.overridden}`);
    expect(text).toContain('dispatch_log');
  });

  it('opens from the Details button of the history', async () => {
    const { reply } = await ask('history pair', ALICE);
    const click = await h.driver.clickButton({
      actionId: 'dispatch_details',
      value: String(numbers.pair),
      source: reply,
    });
    await waitFor(() => postedTo(click, `pair #${numbers.pair}`), 5000, 'details');
  });
});

describe('/job logs', () => {
  it('asks which container of a two-container dispatch, then shows it and sends the file', async () => {
    const { ack, reply } = await ask(`logs ${numbers.pair}`, BOB);
    expect(ack.text).toMatch(/web|worker|Which/);
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    const click = await h.driver.clickButton({
      actionId: 'dispatch_log_container',
      value: JSON.stringify({ n: numbers.pair, container: 'worker' }),
      source: reply,
    });
    await waitFor(() => postedTo(click, 'from worker'), 5000, 'the snippet');
    const file = await waitFor(
      () => h.slack.files().find((f) => f.filename.includes('.worker.log') && !f.threadTs),
      5000,
      'the DM file',
    );
    expect(file.content?.toString()).toContain('from worker');
  });

  it('shows one container directly when named', async () => {
    const { ack } = await ask(`logs ${numbers.plain} pi`, ALICE);
    expect(JSON.stringify(ack.blocks)).toContain('3.14159');
  });

  it('names the containers when asked for one that did not run', async () => {
    const { text } = await ask(`logs ${numbers.pair} nosuch`, ALICE);
    expect(text).toMatch(/no container named `nosuch`; it ran `web`, `worker`/);
  });
});

describe('App Home', () => {
  it('shows jobs to dispatch and recent dispatches, within Slack limits however many exist', async () => {
    const db = openDatabase(h.env.JOBBOT_DB!);
    const repo = new DefinitionRepository(db);
    const pi = repo.getByName('pi')!;
    for (let i = 0; i < 300; i++)
      repo.create({ ...pi, name: `many-${i}` }, pi.createdBy, new Date().toISOString());
    db.close();
    await h.driver.appHomeOpened(BOB);
    const call = await h.slack.waitForCall('views.publish', (c) => c.args.user_id === BOB);
    expect(call.response).toMatchObject({ ok: true });
    const view = h.slack.homeView(BOB)!;
    expect(validateView(view, 'home')).toEqual([]);
    const text = JSON.stringify(view);
    expect(text).toContain('definition_dispatch');
    expect(text).toContain(`#${numbers.pair}`);
  });

  it('is refreshed when a dispatch changes status', async () => {
    const before = h.slack.callsTo('views.publish').filter((c) => c.args.user_id === BOB).length;
    await run('run pi --yes', ALICE);
    await waitFor(
      () => h.slack.callsTo('views.publish').filter((c) => c.args.user_id === BOB).length > before,
      5000,
      'a refresh',
    );
  });
});
