/**
 * A pipeline run's thread is told exactly once even when Slack's answer is lost: a post or reply
 * whose call timed out (the message landed anyway) is looked for before it is sent again, and a
 * restart finds an entry left in doubt the same way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { PipelineNotifier } from '../../src/slack/pipeline-notifications.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { PipelineRepository } from '../../src/store/pipelines.js';
import { outboxClient } from '../support/paced-client.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';

let slack: SlackEmulator;
let db: Db;
let store: PipelineRepository;
let notifier: PipelineNotifier | undefined;
let channel: string;

beforeEach(async () => {
  slack = await startSlackEmulator();
  channel = slack.channelId(slack.defaultChannel);
  db = openDatabase(':memory:');
  const at = new Date().toISOString();
  db.prepare(
    `insert into pipelines (id, name, stages, yaml, revision, created_at, updated_at, updated_by_id, updated_by_name)
     values (1, 'ship', '[]', '', 1, ?, ?, 'U1', 'alice')`,
  ).run(at, at);
  db.prepare(
    `insert into pipeline_runs (id, pipeline_id, pipeline_name, revision, stages, state, actor, channel, created_at)
     values (1, 1, 'ship', 1, '[]', 'running', ?, ?, ?)`,
  ).run(JSON.stringify({ kind: 'slack', id: slack.defaultUser, name: 'alice' }), channel, at);
  store = new PipelineRepository(db);
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await slack.close();
  db.close();
});

/** A client that gives up after 150 ms, and a notifier that waits as long before looking. */
function startNotifier(): PipelineNotifier {
  return new PipelineNotifier(store, outboxClient(slack, { timeout: 150 }), createLogger('silent'), {
    settleMs: 150,
    firstRetryMs: 10,
  });
}

const pending = () =>
  (db.prepare('select count(*) as n from pipeline_outbox where delivered_at is null').get() as { n: number })
    .n;

describe('PipelineNotifier', () => {
  it('looks for a post and a reply whose answers were lost, and sends each once', async () => {
    // Slack answers after the client's timeout, and still posts the messages.
    slack.fail('chat.postMessage', { delayMs: 250, times: 2 });
    const at = new Date().toISOString();
    store.enqueue(1, 'post', { text: 'ship: stage 1 of 2' }, at);
    store.enqueue(1, 'reply', { text: 'stage 1 started' }, at);
    notifier = startNotifier();
    notifier.wake();
    await waitFor(() => pending() === 0, 5_000, 'the outbox to drain');
    // The abandoned calls land 250 ms after they were made, whatever the outbox thinks by then.
    await new Promise((r) => setTimeout(r, 300));
    const run = store.run(1)!;
    expect(slack.messages(channel).filter((m) => m.text === 'ship: stage 1 of 2')).toHaveLength(1);
    expect(slack.thread(channel, run.messageTs!).map((m) => m.text)).toEqual([
      'ship: stage 1 of 2',
      'stage 1 started',
    ]);
    expect(slack.callsTo('conversations.history').length).toBeGreaterThan(0);
    expect(slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('after a restart, finds the message of an entry left in doubt instead of posting it again', async () => {
    slack.fail('chat.postMessage', { delayMs: 250 });
    store.enqueue(1, 'post', { text: 'ship: stage 1 of 2' }, new Date().toISOString());
    notifier = startNotifier();
    notifier.wake();
    // The call times out; the process "dies" before the retry, the entry still in doubt.
    await waitFor(() => slack.callsTo('chat.postMessage').length === 1);
    await notifier.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect((db.prepare('select in_doubt from pipeline_outbox').get() as { in_doubt: number }).in_doubt).toBe(
      1,
    );
    notifier = startNotifier();
    notifier.wake();
    await waitFor(() => pending() === 0, 5_000, 'the outbox to drain');
    expect(slack.messages(channel).filter((m) => m.text === 'ship: stage 1 of 2')).toHaveLength(1);
    expect(store.run(1)!.messageTs).toBe(slack.messages(channel)[0]!.ts);
  });
});
