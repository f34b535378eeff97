/**
 * A channel's batch in Slack: one summary message, replies that list what changed since the last one,
 * within Slack's limits, exactly once across a crash, and a summary that ends with everyone's verdict.
 * Real SQLite, the Slack emulator, the real paced client; Slack's minute is SPEED times shorter on
 * both sides to keep the test short.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { BatchNotifier } from '../../src/slack/batch-notifier.js';
import { markerFor } from '../../src/slack/sent-check.js';
import { BatchRepository } from '../../src/store/batches.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { pacedClient } from '../support/paced-client.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/index.js';
import { fasterLimits, SLACK_RATE_LIMITS } from '../support/slack/rate-limits.js';

const SPEED = 5;
const CHANNEL = 'C0BATCH001';
const RULES = { threshold: 0, windowMs: 60_000 };

let slack: SlackEmulator;
let db: Db;
let dispatches: DispatchRepository;
let batches: BatchRepository;
let notifier: BatchNotifier | undefined;
let definitionId: number;

beforeEach(async () => {
  slack = await startSlackEmulator();
  slack.addChannel({ id: CHANNEL, name: 'batch', members: [slack.defaultUser] });
  db = openDatabase(':memory:');
  dispatches = new DispatchRepository(db);
  batches = new BatchRepository(db);
  definitionId = bareDefinition(db);
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await slack.close();
  db.close();
});

const now = () => new Date().toISOString();

/** `n` dispatches in the channel, each joined to its batch (threshold 0: from the first). */
function members(n: number, channel = CHANNEL): number[] {
  return Array.from({ length: n }, () => {
    const number = channelDispatch(db, { definitionId, channel, at: now(), actorId: slack.defaultUser });
    batches.join(number, channel, now(), RULES);
    return number;
  });
}

function finish(number: number, state: 'succeeded' | 'failed', verdict: string): void {
  dispatches.update(number, { state, verdict, finishedAt: now() }, now());
  batches.record(number, state, state === 'failed' ? verdict : null, now());
}

function start(opts: { limits?: boolean; summaryGapMs?: number; editGapMs?: number } = {}): BatchNotifier {
  const { client, pacer } = pacedClient(slack, SPEED);
  notifier = new BatchNotifier(batches, client, createLogger('silent'), {
    command: '/job',
    ...(opts.limits === false ? {} : { pacer }),
    summaryGapMs: opts.summaryGapMs ?? 100,
    editGapMs: opts.editGapMs ?? 20,
    firstRetryMs: 20,
    maxRetryMs: 100,
  });
  notifier.wake();
  return notifier;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ok = (c: { status: number; response: unknown }) =>
  c.status === 200 && (c.response as { ok?: boolean }).ok;
const summaries = () => slack.callsTo('chat.postMessage').filter((c) => ok(c) && !c.args.thread_ts);
const replies = () => slack.callsTo('chat.postMessage').filter((c) => ok(c) && c.args.thread_ts);
const tsOf = (c: { response: unknown }) => (c.response as { ts?: string }).ts;
const updates = () => slack.callsTo('chat.update').filter(ok);
/** The summary's updates (the replies' edits are the other chat.update calls). */
const summaryUpdates = () => updates().filter((u) => summaries().some((s) => tsOf(s) === u.args.ts));
/** Each reply as Slack shows it now: its last edit, else its post. */
const finalReplies = () =>
  replies().map(
    (c) =>
      updates()
        .filter((u) => u.args.ts === tsOf(c))
        .at(-1) ?? c,
  );
const replyText = () => finalReplies().map((c) => String(c.args.text));

/**
 * A batch whose summary is in Slack and whose reply for the first member's change was started when
 * the notifier stopped: in doubt, as after a crash during the call. The notifier is left stopped.
 */
async function replyInDoubt() {
  const numbers = members(2);
  start({ limits: false });
  await until(() => summaries().length === 1, 'the summary');
  await notifier?.stop();
  notifier = undefined;
  batches.record(numbers[0]!, 'running', null, now());
  const b = batches.active()[0]!;
  const change = batches.changes(b.id, 0)[0]!;
  batches.sending(b.id, change.seq);
  return { numbers, b, change };
}

describe('a channel batch in Slack', () => {
  it('posts one summary, replies with the changes as ranges, and ends with every verdict', async () => {
    const numbers = members(6);
    for (const n of numbers.slice(0, 5)) batches.record(n, 'running', null, now());
    start();
    await until(() => replyText().some((t) => t.includes('Running (5)')), 'the running reply');
    const [summary] = summaries();
    expect(summary?.args.channel).toBe(CHANNEL);
    expect(String(summary?.args.text)).toMatch(/^Batch: 6 dispatches in this channel/);
    const first = numbers[0]!;
    expect(replyText()).toContain(`Running (5): #${first}–#${first + 4}`);

    for (const n of numbers.slice(0, 5)) finish(n, 'succeeded', 'Succeeded in 1s');
    finish(numbers[5]!, 'failed', 'Failed: BackoffLimitExceeded (exit code 3)');
    notifier?.wake();
    await until(() => batches.active().length === 0, 'the batch to be done');
    const last = finalReplies().at(-1);
    expect(String(last?.args.text)).toBe(`Succeeded (5): #${first}–#${first + 4}\nFailed (1): #${first + 5}`);
    expect(JSON.stringify(last?.args.blocks)).toContain('BackoffLimitExceeded');
    // Every reply is in the summary's thread; the summary ends with all six finished, the failure named.
    expect(new Set(replies().map((c) => c.args.thread_ts))).toEqual(
      new Set([(summary!.response as { ts: string }).ts]),
    );
    const final = summaryUpdates().at(-1);
    expect(String(final?.args.text)).toBe(
      'Batch: 6 dispatches in this channel, all finished: 5 succeeded, 1 failed',
    );
    expect(JSON.stringify(final?.args.blocks)).toContain(`#${first + 5} *pi*: Failed: BackoffLimitExceeded`);
    expect(summaries()).toHaveLength(1);
  });

  it('keeps within Slack’s limits: changes arriving faster than a post a second are gathered', async () => {
    const limits = slack.enforceRateLimits(fasterLimits(SLACK_RATE_LIMITS, SPEED));
    const numbers = members(60);
    start();
    // A change every 10 ms for 1.2 s: 120 changes, at most ~8 posts allowed in that time here.
    for (const n of numbers) {
      batches.record(n, 'running', null, now());
      notifier?.wake();
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const n of numbers) {
      finish(n, 'succeeded', 'Succeeded');
      notifier?.wake();
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => batches.active().length === 0, 'the batch to be done');
    expect(Object.fromEntries(limits.limited)).toEqual({});
    // Each change told exactly once, in order, in far fewer replies than changes.
    const told = replyText().flatMap((t) =>
      t.split('\n').flatMap((line) => {
        const [label, list] = line.split(': ');
        return (list ?? '').split(', ').map((r) => `${label?.replace(/ \(\d+\)$/, '')} ${r}`);
      }),
    );
    expect(replies().length).toBeLessThan(20);
    const expand = (state: string) =>
      told
        .filter((t) => t.startsWith(`${state} `))
        .flatMap((t) => {
          const m = /#(\d+)(?:–#(\d+))?/.exec(t);
          const a = Number(m?.[1]);
          const b = Number(m?.[2] ?? a);
          return Array.from({ length: b - a + 1 }, (_, i) => a + i);
        });
    expect(expand('Succeeded').sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set([...expand('Running'), ...expand('Succeeded')])).toEqual(new Set(numbers));
    expect(expand('Running').length + expand('Succeeded').length).toBeLessThanOrEqual(120);
  });

  it('edits the latest reply with what changed until a post is allowed again, then posts anew', async () => {
    slack.enforceRateLimits(fasterLimits(SLACK_RATE_LIMITS, SPEED));
    const numbers = members(3);
    start();
    await until(() => summaries().length === 1, 'the summary');
    batches.record(numbers[0]!, 'running', null, now());
    notifier?.wake();
    await until(() => replies().length === 1, 'the first reply');
    // Within a post interval (200 ms here): the reply takes the change in, no post is spent.
    batches.record(numbers[1]!, 'running', null, now());
    notifier?.wake();
    await until(() => replyText()[0]?.includes('Running (2)') === true, 'the edit');
    expect(replies()).toHaveLength(1);
    expect(replyText()).toEqual([`Running (2): #${numbers[0]}–#${numbers[1]}`]);
    // A post interval later: a reply of its own.
    await new Promise((r) => setTimeout(r, 250));
    batches.record(numbers[2]!, 'running', null, now());
    notifier?.wake();
    await until(() => replies().length === 2, 'the second reply');
    expect(replyText()).toEqual([
      `Running (2): #${numbers[0]}–#${numbers[1]}`,
      `Running (1): #${numbers[2]}`,
    ]);
    expect(batches.get(batches.active()[0]!.id)?.extendSeq).toBeNull();
  });

  it('makes an edit in doubt again before anything else, so no change is told twice', async () => {
    const numbers = members(3);
    start({ limits: false });
    batches.record(numbers[0]!, 'running', null, now());
    notifier?.wake();
    await until(() => replies().length === 1, 'the first reply');
    await notifier?.stop();
    notifier = undefined;
    // As if the process died during an edit taking in the second change.
    const b = batches.active()[0]!;
    batches.record(numbers[1]!, 'running', null, now());
    batches.extending(b.id, batches.changes(b.id, 0).at(-1)!.seq);
    batches.record(numbers[2]!, 'running', null, now());
    // Long after the reply was posted: without the doubt this would be a new reply.
    start({ limits: false });
    await until(() => batches.get(b.id)?.extendSeq === null && !!batches.active().length, 'the edit');
    await until(() => batches.get(b.id)?.repliedSeq === batches.changes(b.id, 0).at(-1)!.seq, 'all told');
    expect(replies()).toHaveLength(1);
    expect(replyText()).toEqual([`Running (3): #${numbers[0]}–#${numbers[2]}`]);
  });

  it('posts the changes anew when Slack will not take an edit (the reply was deleted)', async () => {
    slack.enforceRateLimits(fasterLimits(SLACK_RATE_LIMITS, SPEED));
    const numbers = members(2);
    start({ editGapMs: 0 });
    batches.record(numbers[0]!, 'running', null, now());
    notifier?.wake();
    await until(() => replies().length === 1, 'the first reply');
    slack.state.findMessage(CHANNEL, tsOf(replies()[0]!)!)!.deleted = true;
    batches.record(numbers[1]!, 'running', null, now());
    notifier?.wake();
    await until(() => replies().length === 2, 'a new reply');
    expect(replies().map((c) => String(c.args.text))).toEqual([
      `Running (1): #${numbers[0]}`,
      `Running (1): #${numbers[1]}`,
    ]);
    expect(
      slack
        .callsTo('chat.update')
        .some((c) => (c.response as { error?: string }).error === 'message_not_found'),
    ).toBe(true);
  });

  it('does not post a reply twice when a crash left it in doubt and Slack has it', async () => {
    // As if the process died during the reply's call after Slack had posted it.
    const { numbers, b, change } = await replyInDoubt();
    slack.state.addMessage({
      channel: CHANNEL,
      thread_ts: b.messageTs!,
      ...slack.state.botMessageFields(),
      text: 'Running (1): earlier attempt',
      metadata: markerFor(`batch:${b.id}:reply:${change.seq}@${b.openedAt}`),
    } as never);
    // And a second change the earlier attempt did not cover.
    batches.record(numbers[1]!, 'running', null, now());
    start({ limits: false });
    await until(() => replyText().length === 1, 'the reply of the second change');
    expect(replyText()).toEqual([`Running (1): #${numbers[1]}`]);
    expect(batches.get(b.id)?.repliedSeq).toBe(change.seq + 1);
  });

  it('sends a reply in doubt that Slack does not have, once, with the same changes', async () => {
    const { numbers } = await replyInDoubt();
    batches.record(numbers[1]!, 'running', null, now());
    start({ limits: false });
    await until(() => replyText().length === 2, 'both replies');
    expect(replyText()).toEqual([`Running (1): #${numbers[0]}`, `Running (1): #${numbers[1]}`]);
  });

  it('retries what Slack failed to take and gives up on a channel that refuses for good', async () => {
    members(1);
    slack.fail('chat.postMessage', { times: 2, status: 503 });
    start({ limits: false });
    await until(() => summaries().length === 1, 'the summary after two failures');
    expect(summaries()).toHaveLength(1);

    const other = 'C0GONE0001';
    members(1, other);
    notifier?.wake();
    await until(() => batches.active().every((b) => b.channel !== other), 'the refused batch to be dropped');
    expect(
      slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === other)
        .map((c) => (c.response as { error?: string }).error),
    ).toEqual(['channel_not_found']);
  });
});
