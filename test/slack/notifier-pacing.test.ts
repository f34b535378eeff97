/**
 * The dispatch outbox against Slack's rate limits, with the emulator enforcing them: threads of
 * several channels go at once, each within its channel's limit, and a 429 holds up only the method
 * (and, for posts, the channel) that drew it, for its Retry-After. Slack's minute is five times
 * shorter here on both sides (Jobbot's pacer and the emulator's limits) to keep the test short.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SlackNotifier } from '../../src/slack/notifier.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { OutboxRepository } from '../../src/store/outbox.js';
import { pacedClient } from '../support/paced-client.js';
import { bareDefinition, channelDispatch } from '../support/seed.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack/index.js';
import { fasterLimits, SLACK_RATE_LIMITS } from '../support/slack/rate-limits.js';

const SPEED = 5;
const CHANNELS = ['C0PACE0001', 'C0PACE0002', 'C0PACE0003', 'C0PACE0004'];

let slack: SlackEmulator;
let db: Db;
let outbox: OutboxRepository;
let notifier: SlackNotifier;
/** One dispatch per channel, in CHANNELS order. */
let numbers: number[];

beforeEach(async () => {
  slack = await startSlackEmulator();
  db = openDatabase(':memory:');
  outbox = new OutboxRepository(db);
  const dispatches = new DispatchRepository(db);
  const definitionId = bareDefinition(db);
  numbers = CHANNELS.map((channel) => {
    slack.addChannel({ id: channel, name: channel.toLowerCase(), members: [slack.defaultUser] });
    return channelDispatch(db, {
      definitionId,
      channel,
      at: new Date().toISOString(),
      actorId: slack.defaultUser,
    });
  });
  const { client, pacer } = pacedClient(slack, SPEED);
  notifier = new SlackNotifier(outbox, dispatches, client, createLogger('silent'), {
    firstRetryMs: 20,
    maxRetryMs: 100,
    pacer,
  });
});

afterEach(async () => {
  await notifier.stop();
  await slack.close();
  db.close();
});

const now = () => new Date().toISOString();
const msg = (text: string) => ({ text });

async function delivered(ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (outbox.pendingCount() > 0) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the outbox to drain');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const posts = (channel?: string) =>
  slack.callsTo('chat.postMessage').filter((c) => !channel || c.args.channel === channel);

describe('SlackNotifier within Slack rate limits', () => {
  it('delivers the threads of several channels at once, each within its channel limit', async () => {
    const limits = slack.enforceRateLimits(fasterLimits(SLACK_RATE_LIMITS, SPEED));
    for (const n of numbers) {
      outbox.enqueue(n, 'post', msg(`#${n}`), now());
      for (let i = 0; i < 7; i++) outbox.enqueue(n, 'reply', msg(`#${n} reply ${i}`), now());
    }
    const started = Date.now();
    notifier.wake();
    await delivered();
    const elapsed = Date.now() - started;
    // Not one call over a limit: the emulator answers 429 to any.
    expect(Object.fromEntries(limits.limited)).toEqual({});
    CHANNELS.forEach((channel, i) => {
      const n = numbers[i]!;
      const texts = posts(channel).map((c) => c.args.text);
      expect(texts).toEqual([`#${n}`, ...Array.from({ length: 7 }, (_, r) => `#${n} reply ${r}`)]);
    });
    // Eight posts in a channel need 6 refills after the 2 saved up: 1.2 s at 5 a second. The four
    // channels went side by side: one after another would need 4.8 s.
    expect(elapsed).toBeGreaterThanOrEqual(1_150);
    expect(elapsed).toBeLessThan(3_000);
    expect(
      new Set(
        posts()
          .slice(0, 8)
          .map((c) => c.args.channel),
      ).size,
    ).toBe(CHANNELS.length);
  });

  it("holds up only chat.update after a 429 on it, for its Retry-After; a thread's next message passes the waiting edit", async () => {
    const [a, b] = numbers as [number, number];
    outbox.enqueue(a, 'post', msg('a'), now());
    outbox.enqueue(a, 'reply', msg('a running'), now());
    outbox.enqueue(a, 'update', msg('a: running'), now());
    outbox.enqueue(a, 'reply', msg('a done'), now());
    outbox.enqueue(b, 'post', msg('b'), now());
    for (let i = 0; i < 3; i++) outbox.enqueue(b, 'reply', msg(`b ${i}`), now());
    slack.rateLimit('chat.update', { times: 1, retryAfterSeconds: 1 });
    notifier.wake();
    await delivered();
    const [refused, accepted] = slack.callsTo('chat.update');
    expect([refused?.status, accepted?.status]).toEqual([429, 200]);
    expect(accepted!.time - refused!.time).toBeGreaterThanOrEqual(1000);
    // The other thread did not wait for chat.update.
    expect(posts(CHANNELS[1]).every((c) => c.status === 200 && c.time < refused!.time + 1000)).toBe(true);
    expect(posts(CHANNELS[1])).toHaveLength(4);
    // Nor did its own thread's next reply: it passed the status edit, which caught up after
    // Retry-After. The thread's messages kept their order.
    expect(posts(CHANNELS[0]).map((c) => c.args.text)).toEqual(['a', 'a running', 'a done']);
    const done = posts(CHANNELS[0]).find((c) => c.args.text === 'a done')!;
    expect(done.time).toBeLessThan(refused!.time + 1000);
    expect(accepted!.args.text).toBe('a: running');
  });

  it('holds up posting only in the channel whose post got a 429', async () => {
    const [a, b] = numbers as [number, number];
    for (const n of [a, b]) {
      outbox.enqueue(n, 'post', msg(`#${n}`), now());
      outbox.enqueue(n, 'reply', msg(`#${n} reply`), now());
    }
    slack.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    notifier.wake();
    await delivered();
    const refused = posts().find((c) => c.status === 429)!;
    const limitedChannel = String(refused.args.channel);
    const other = CHANNELS.slice(0, 2).find((c) => c !== limitedChannel)!;
    const retried = posts(limitedChannel).filter((c) => c.time > refused.time);
    expect(retried.map((c) => c.status)).toEqual([200, 200]);
    expect(retried[0]!.time - refused.time).toBeGreaterThanOrEqual(1000);
    expect(posts(other).map((c) => c.status)).toEqual([200, 200]);
    expect(posts(other).every((c) => c.time < refused.time + 1000)).toBe(true);
  });
});
