/**
 * A busy channel end to end, Jobbot started as `npm start` composes it with Slack's published limits
 * enforced and paced: eight dispatches through the API into one channel at once. The first ones that
 * reach Slack keep their status messages; all are summed up in one batch message whose thread lists
 * what changed, and no call draws a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { api, createToken, define, until } from '../api/helpers.js';
import { shellJobYaml } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { SLACK_RATE_LIMITS } from '../support/slack/rate-limits.js';

const CHANNEL = 'C0BUSY0001';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { JOBBOT_SLACK_PACING: 'true', JOBBOT_SLACK_BATCH_AFTER: '3' } });
  h.slack.addChannel({ id: CHANNEL, name: 'busy', members: [h.slack.defaultUser] });
  define(h, shellJobYaml('burst', 'echo burst; sleep 2'));
  define(h, shellJobYaml('burst-fail', 'echo nope; exit 3'));
});

afterAll(async () => {
  await h?.stop();
});

const ok = (c: { status: number; response: unknown }) =>
  c.status === 200 && (c.response as { ok?: boolean }).ok;

function batchState(): { done: boolean; members: number[] } {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    const batches = db.prepare('select id, done_at from slack_batches').all() as {
      id: number;
      done_at: string | null;
    }[];
    const members = (
      db.prepare('select dispatch_number as n from batch_members order by n').all() as { n: number }[]
    ).map((r) => r.n);
    return { done: batches.length === 1 && batches[0]!.done_at !== null, members };
  } finally {
    db.close();
  }
}

function finished(): number {
  const db = openDatabase(h.env.JOBBOT_DB!);
  try {
    return (
      db.prepare("select count(*) as n from dispatches where state in ('succeeded', 'failed')").get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

describe('a busy channel', () => {
  it('sums up a burst in one batch message; dispatches Slack already shows keep their threads', async () => {
    const limits = h.slack.enforceRateLimits(SLACK_RATE_LIMITS);
    const token = await createToken(h, 'ci-burst');
    const jobs = ['burst', 'burst', 'burst', 'burst', 'burst-fail', 'burst', 'burst', 'burst'];
    const answers = await Promise.all(
      jobs.map((job) =>
        api(h, 'POST', `/api/v1/jobs/${job}/dispatches`, { token, body: { channel: CHANNEL } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(jobs.map(() => 201));
    const numbers = answers.map((a) => a.json.number as number).sort((a, b) => a - b);
    await until(() => finished() === jobs.length, 60_000, 'every dispatch to finish');
    await until(() => batchState().done, 30_000, 'the batch to have told Slack everything');
    const { members } = batchState();

    const summaryOf = (c: { args: Record<string, unknown> }) => /^Batch: /.test(String(c.args.text));
    const posts = h.slack.callsTo('chat.postMessage').filter((c) => ok(c) && c.args.channel === CHANNEL);
    const batch = posts.filter((c) => !c.args.thread_ts && summaryOf(c));
    expect(batch).toHaveLength(1);
    // The summary as Slack shows it: its post, or its latest update.
    const summary = h.slack.calls
      .filter((c) => ['chat.postMessage', 'chat.update'].includes(c.method) && ok(c) && summaryOf(c))
      .at(-1);
    const failed = members.includes(numbers[4]!) ? 1 : 0;
    expect(String(summary?.args.text)).toBe(
      `Batch: ${members.length} dispatches in this channel, all finished: ${members.length - failed} succeeded${failed ? ', 1 failed' : ''}`,
    );
    // Every member's verdict is in the batch's thread: its replies as Slack shows them (a reply is
    // edited to take in what changed until the next one may be posted).
    const ts = (batch[0]!.response as { ts: string }).ts;
    const edits = h.slack.callsTo('chat.update').filter(ok);
    const told = posts
      .filter((c) => c.args.thread_ts === ts)
      .map((c) => edits.filter((e) => e.args.ts === (c.response as { ts: string }).ts).at(-1) ?? c)
      .flatMap((c) => String(c.args.text).split('\n'))
      .filter((line) => /^(Succeeded|Failed)/.test(line))
      .flatMap((line) => [...line.matchAll(/#(\d+)(?:–#(\d+))?/g)])
      .flatMap((m) =>
        Array.from({ length: Number(m[2] ?? m[1]) - Number(m[1]) + 1 }, (_, k) => Number(m[1]) + k),
      );
    expect(told.sort((a, b) => a - b)).toEqual(members);
    // The batch took most of the burst; the dispatches Slack had heard of first kept their status
    // messages, which end with their verdicts whether or not the batch took them over later.
    expect(members.length).toBeGreaterThanOrEqual(jobs.length - 3);
    const statusMessages = posts.filter((c) => !c.args.thread_ts && !summaryOf(c));
    expect(statusMessages.length).toBeLessThanOrEqual(3);
    for (const post of statusMessages) {
      const ts = (post.response as { ts: string }).ts;
      const last = () =>
        h.slack
          .callsTo('chat.update')
          .filter((c) => ok(c) && c.args.ts === ts)
          .at(-1);
      await until(
        () => /Succeeded|Failed/.test(String(last()?.args.text)),
        30_000,
        `${String(post.args.text)} to end with its verdict`,
      );
    }
    const threadOnly = numbers.filter((n) => !members.includes(n));
    for (const n of threadOnly)
      expect(statusMessages.some((c) => String(c.args.text).includes(`#${n}:`))).toBe(true);
    // Not one call over Slack's limits.
    expect(Object.fromEntries(limits.limited)).toEqual({});
    // A member's own record is untouched: the API still has it, logs included.
    const record = await api(h, 'GET', `/api/v1/dispatches/${members.at(-1)}`, { token });
    expect(record.json).toMatchObject({ number: members.at(-1), status: 'succeeded' });
  }, 90_000);
  it("hands a refused batch's dispatches back to their own threads, which reach their dispatchers' DMs", async () => {
    // Jobbot is not in this channel: Slack refuses the batch message (not_in_channel) for good.
    const shut = 'C0SHUT0001';
    h.slack.addChannel({ id: shut, name: 'shut', members: [h.slack.defaultUser], botIsMember: false });
    const sent = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.driver.slashCommand({ command: '/job', text: 'run burst --yes', channel: shut }),
      ),
    );
    const numbers = (await Promise.all(sent.map((r) => r.answer()))).map((a) =>
      Number(/#(\d+)/.exec(a.text)![1]),
    );
    const told = () => {
      const db = openDatabase(h.env.JOBBOT_DB!);
      try {
        const rows = db
          .prepare(
            `select number, channel, message_ts, state from dispatches where number in (${numbers.join(',')})`,
          )
          .all() as { number: number; channel: string; message_ts: string | null; state: string }[];
        const pending = (
          db
            .prepare(
              `select count(*) as n from outbox where delivered_at is null and dispatch_number in (${numbers.join(',')})`,
            )
            .get() as { n: number }
        ).n;
        const batch = db.prepare('select refused from slack_batches where channel = ?').get(shut) as
          | { refused: string | null }
          | undefined;
        return { rows, pending, refused: batch?.refused ?? null };
      } finally {
        db.close();
      }
    };
    const done = await until(
      () => {
        const t = told();
        return t.pending === 0 && t.rows.every((r) => r.state === 'succeeded' && r.message_ts)
          ? t
          : undefined;
      },
      60_000,
      'every dispatch told in Slack',
    );
    // The channel had enough dispatches for a batch, and Slack refused it.
    expect(done.refused).toBe('not_in_channel');
    // Every dispatch has its status message in its dispatcher's DM, ending with its verdict.
    for (const r of done.rows) {
      expect(r.channel).toMatch(/^D/);
      expect(h.slack.message(r.channel, r.message_ts!)?.text).toMatch(new RegExp(`#${r.number}: Succeeded`));
    }
  }, 90_000);
});
