import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SlackNotifier } from '../../src/slack/notifier.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { OutboxRepository } from '../../src/store/outbox.js';
import { outboxClient } from '../support/paced-client.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';
import { type SlackEmulator, silentLogger, startSlackEmulator } from '../support/slack/index.js';

let slack: SlackEmulator;
let db: Db;
let outbox: OutboxRepository;
let dispatches: DispatchRepository;
let notifier: SlackNotifier;
let number: number;

beforeEach(async () => {
  slack = await startSlackEmulator();
  db = openDatabase(':memory:');
  outbox = new OutboxRepository(db);
  dispatches = new DispatchRepository(db);
  const definitionId = bareDefinition(db);
  number = channelDispatch(db, {
    definitionId,
    channel: slack.channelId(slack.defaultChannel),
    at: new Date().toISOString(),
    actorId: slack.defaultUser,
  });
  notifier = new SlackNotifier(outbox, dispatches, outboxClient(slack), createLogger('silent'), {
    firstRetryMs: 20,
    maxRetryMs: 100,
  });
});

afterEach(async () => {
  await notifier.stop();
  await slack.close();
  db.close();
});

const now = () => new Date().toISOString();
const msg = (text: string) => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

async function until(probe: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('OutboxRepository.heads', () => {
  it('offers the entry after a pending status edit as its passer, and nothing else', async () => {
    const post = outbox.enqueue(number, 'post', msg('#1 pending'), now());
    expect(outbox.heads(10)).toEqual([expect.objectContaining({ id: post, kind: 'post' })]);
    // No passer behind a post: replies need the message to exist.
    const early = outbox.enqueue(number, 'reply', msg('pods created'), now());
    expect(outbox.heads(10)[0]!.passer).toBeUndefined();
    outbox.delivered(post, now());
    outbox.delivered(early, now());
    const update = outbox.enqueue(number, 'update', msg('#1 running'), now());
    expect(outbox.heads(10)[0]).toMatchObject({ id: update, kind: 'update' });
    expect(outbox.heads(10)[0]!.passer).toBeUndefined();
    const verdict = outbox.enqueue(number, 'reply', msg('succeeded'), now());
    outbox.enqueue(number, 'upload', { text: 'logs' }, now());
    const [head] = outbox.heads(10);
    expect(head).toMatchObject({
      id: update,
      passer: { id: verdict, kind: 'reply', channel: head!.channel },
    });
    // Once the passer is sent, the next entry passes.
    outbox.delivered(verdict, now());
    expect(outbox.heads(10)[0]!.passer).toMatchObject({ kind: 'upload' });
  });

  it('never offers a newer status edit as the passer of an older one still in doubt', async () => {
    const post = outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.delivered(post, now());
    const older = outbox.enqueue(number, 'update', msg('#1 running'), now());
    // Its call timed out: in doubt, it keeps its content, and a newer status queues behind it.
    outbox.started(older);
    outbox.retryLater(older, now(), 'timeout', true);
    const newer = outbox.enqueue(number, 'update', msg('#1 succeeded'), now());
    expect(newer).not.toBe(older);
    expect(outbox.heads(10)[0]).toMatchObject({ id: older });
    expect(outbox.heads(10)[0]!.passer).toBeUndefined();
    const verdict = outbox.enqueue(number, 'reply', msg('Succeeded'), now());
    expect(outbox.heads(10)[0]!.passer).toMatchObject({ id: verdict });
  });
});

describe('OutboxRepository.enqueue with join', () => {
  const join = (pending: Record<string, unknown>) =>
    typeof pending.text === 'string' && pending.text.startsWith('event')
      ? { text: `${pending.text}+` }
      : undefined;

  it('joins a reply into the last reply while it waits, not once a call for it started or it was sent', async () => {
    const post = outbox.enqueue(number, 'post', msg('#1'), now());
    const first = outbox.enqueue(number, 'reply', { text: 'event' }, now(), join);
    // An update in between does not stop the join: edits and replies do not depend on each other.
    outbox.enqueue(number, 'update', msg('#1 running'), now());
    expect(outbox.enqueue(number, 'reply', { text: 'ignored' }, now(), join)).toBe(first);
    outbox.delivered(post, now());
    expect(outbox.started(first)!.payload).toEqual({ text: 'event+' });
    // In doubt: its call may have carried the old content, so a new reply is queued.
    const second = outbox.enqueue(number, 'reply', { text: 'event 2' }, now(), join);
    expect(second).not.toBe(first);
    // join says no: queued on its own.
    const third = outbox.enqueue(number, 'reply', { text: 'verdict' }, now(), () => undefined);
    expect(third).not.toBe(second);
    outbox.delivered(first, now());
    outbox.delivered(second, now());
    outbox.delivered(third, now());
    // Sent: never joined.
    expect(outbox.enqueue(number, 'reply', { text: 'late' }, now(), join)).toBeGreaterThan(third);
  });

  it('never joins into an upload', async () => {
    outbox.enqueue(number, 'post', msg('#1'), now());
    const upload = outbox.enqueue(number, 'upload', { text: 'event file' }, now());
    expect(outbox.enqueue(number, 'reply', { text: 'event' }, now(), join)).not.toBe(upload);
  });
});

describe('SlackNotifier', () => {
  it('posts the status message, threads replies under it in order, and updates it', async () => {
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(number, 'reply', msg('running'), now());
    outbox.enqueue(number, 'update', msg('#1 running'), now());
    outbox.enqueue(number, 'reply', msg('succeeded'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const ts = dispatches.get(number)!.messageTs!;
    const channel = dispatches.get(number)!.channel!;
    expect(slack.message(channel, ts)?.text).toBe('#1 running');
    expect(slack.thread(channel, ts).map((m) => m.text)).toEqual(['#1 running', 'running', 'succeeded']);
  });

  it('sends only the latest content of the status message, keeping the thread in order', async () => {
    // Updates queued before anything else become the content of the post still waiting.
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    for (let i = 0; i < 3; i++) outbox.enqueue(number, 'update', msg(`#1 starting ${i}`), now());
    // Behind replies, an update supersedes the pending updates before it.
    outbox.enqueue(number, 'reply', msg('pods created'), now());
    outbox.enqueue(number, 'update', msg('#1 running'), now());
    outbox.enqueue(number, 'reply', msg('running'), now());
    outbox.enqueue(number, 'update', msg('#1 succeeded'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const posted = slack.callsTo('chat.postMessage').map((c) => c.args.text);
    expect(posted).toEqual(['#1 starting 2', 'pods created', 'running']);
    expect(slack.callsTo('chat.update').map((c) => c.args.text)).toEqual(['#1 succeeded']);
    const d = dispatches.get(number)!;
    expect(slack.thread(d.channel!, d.messageTs!).map((m) => m.text)).toEqual([
      '#1 succeeded',
      'pods created',
      'running',
    ]);
  });

  it('does not merge into an update being sent (in doubt): the newer content follows it', async () => {
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(number, 'reply', msg('running'), now());
    const sending = outbox.enqueue(number, 'update', msg('#1 running'), now());
    outbox.started(sending);
    expect(outbox.enqueue(number, 'update', msg('#1 succeeded'), now())).not.toBe(sending);
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    expect(slack.callsTo('chat.update').map((c) => c.args.text)).toEqual(['#1 running', '#1 succeeded']);
  });

  it('rides out a Slack outage and delivers everything once, in order', async () => {
    slack.fail('chat.postMessage', { times: 4, status: 503 });
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(number, 'reply', msg('one'), now());
    outbox.enqueue(number, 'reply', msg('two'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const d = dispatches.get(number)!;
    expect(slack.thread(d.channel!, d.messageTs!).map((m) => m.text)).toEqual(['#1 pending', 'one', 'two']);
    expect(slack.messages(d.channel!).filter((m) => m.text === '#1 pending')).toHaveLength(1);
  });

  it('waits for a call it gave up on to land before looking for its message, so posts it once', async () => {
    await notifier.stop();
    // Slack answers after the client's timeout, and still posts the message.
    notifier = new SlackNotifier(
      outbox,
      dispatches,
      outboxClient(slack, { timeout: 150 }),
      createLogger('silent'),
      {
        firstRetryMs: 10,
        maxRetryMs: 100,
        settleMs: 150,
      },
    );
    slack.fail('chat.postMessage', { delayMs: 250 });
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(number, 'reply', msg('one'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    // The abandoned call lands 250 ms after it was made, whatever the outbox thinks by then.
    await new Promise((r) => setTimeout(r, 300));
    const d = dispatches.get(number)!;
    expect(slack.messages(d.channel!).filter((m) => m.text === '#1 pending')).toHaveLength(1);
    expect(slack.thread(d.channel!, d.messageTs!).map((m) => m.text)).toEqual(['#1 pending', 'one']);
  });

  it('holds a new status message in a channel a moment, longer while the channel keeps getting more', async () => {
    await notifier.stop();
    const client = new webApi.WebClient(slack.config.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: silentLogger(),
    });
    notifier = new SlackNotifier(outbox, dispatches, client, createLogger('silent'), { postHoldMs: 300 });
    const postedAfter = async (n: number) => {
      const start = Date.now();
      outbox.enqueue(n, 'post', msg(`#${n} pending`), now());
      notifier.wake();
      await until(() => dispatches.get(n)?.messageTs !== null);
      return Date.now() - start;
    };
    // Alone: about the hold.
    const alone = await postedAfter(number);
    expect(alone).toBeGreaterThanOrEqual(290);
    expect(alone).toBeLessThan(900);
    // Followed by another dispatch in the channel: up to four holds, for a batch to take it in.
    const d = dispatches.get(number)!;
    const next = (channel: string | null) =>
      channelDispatch(db, { definitionId: d.definitionId, channel, at: now(), actorId: slack.defaultUser });
    const first = next(d.channel!);
    next(d.channel!);
    expect(await postedAfter(first)).toBeGreaterThanOrEqual(1100);
    // A direct message is not held.
    expect(await postedAfter(next(null))).toBeLessThan(290);
  });

  it('honours Retry-After on 429 and then delivers', async () => {
    slack.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    const started = Date.now();
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.status === 200)).toHaveLength(1);
  });

  it('skips a message Slack refuses for good and goes on with the thread', async () => {
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(
      number,
      'reply',
      { text: 'bad', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] },
      now(),
    );
    outbox.enqueue(number, 'reply', msg('after'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const d = dispatches.get(number)!;
    expect(slack.thread(d.channel!, d.messageTs!).map((m) => m.text)).toEqual(['#1 pending', 'after']);
  });

  it('sends the status to the dispatcher directly when the channel is gone', async () => {
    db.prepare("update dispatches set channel = 'C0GONE' where number = ?").run(number);
    outbox.enqueue(number, 'post', msg('#1 pending'), now());
    outbox.enqueue(number, 'reply', msg('running'), now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const d = dispatches.get(number)!;
    expect(d.channel).not.toBe('C0GONE');
    expect(slack.thread(d.channel!, d.messageTs!).map((m) => m.text)).toEqual(['#1 pending', 'running']);
  });

  it('uploads a log file into the thread', async () => {
    outbox.enqueue(number, 'post', msg('#1 done'), now());
    const log = {
      pod: 'pi-1-abcde',
      container: 'pi',
      init: false,
      previous: false,
      originalBytes: 8,
      truncated: false,
      error: null,
    };
    dispatches.saveLog(number, { ...log, text: '3.14159\n' }, now());
    const ref = { pod: log.pod, container: 'pi', previous: false };
    outbox.enqueue(number, 'upload', { filename: 'pi-1.pi.log', title: 'pi log', log: ref }, now());
    notifier.wake();
    await until(() => outbox.pendingCount() === 0);
    const d = dispatches.get(number)!;
    const [file] = slack.files();
    expect(file).toMatchObject({
      filename: 'pi-1.pi.log',
      completed: true,
      channel: d.channel,
      threadTs: d.messageTs,
    });
    expect(file!.content?.toString()).toBe('3.14159\n');
  });
});
