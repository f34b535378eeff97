/**
 * Slack's Web API fails for an emulated minute (the emulators run 20 times faster than real time and
 * Jobbot's timeouts and retries are scaled to match): 5xx pages, 429 storms with Retry-After, and
 * answers slower than Jobbot's timeout that Slack still carries out. Dispatches keep running and
 * finishing meanwhile. Afterwards every notification is delivered, in order, none twice; slash
 * commands were acknowledged within Slack's 3 seconds throughout (the driver fails any later ack).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledTiming } from '../../src/timing.js';
import { type Harness, startHarness } from '../support/harness.js';
import { behaviours as b } from '../support/kube/index.js';
import { defineJob } from '../support/seed.js';
import { shownLines } from '../support/slack/index.js';
import {
  auditCounts,
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  NAMESPACE,
  readDispatches,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

const SPEED = 20;
const MINUTE_MS = 60_000 / SPEED;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kube: { speed: SPEED }, timing: scaledTiming(SPEED) });
  const define = (yaml: string) =>
    defineJob(
      h.env.JOBBOT_DB!,
      yaml,
      { cluster: 'alpha', namespace: NAMESPACE },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
    );
  define(jobYaml('report', 'sleep 10; echo report done'));
  define(jobYaml('flaky', 'echo flaky', '  backoffLimit: 3\n'));
  h.kube!.behave({ job: /^flaky-/ }, [b.fail(2, 20), b.fail(2, 20), b.succeed(20)]);
});
afterAll(async () => {
  await h?.stop();
});

/** One round of what a failing Slack answers, repeated until the minute is over. */
function outage(rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    h.slack.fail('*', { status: 503, times: 2 });
    h.slack.rateLimit('*', { times: 3, retryAfterSeconds: 1 });
    h.slack.fail('*', { status: 500 });
    // Slower than Jobbot's timeout: Jobbot gives up waiting, Slack still posts it.
    h.slack.fail('*', { delayMs: 800 });
    h.slack.fail('*', { status: 502 });
  }
}

describe('a minute of Slack failing', () => {
  it('delivers every notification afterwards, in order and once, and keeps acking commands', async () => {
    const numbers = [await run(h.driver, 'run report --yes'), await run(h.driver, 'run flaky --yes')];
    const started = Date.now();
    outage(400);
    const other = 'U0BOB00002';
    h.slack.addUser({ id: other, name: 'bob', realName: 'Bob' });
    // Commands keep coming during the outage; each must be acknowledged within 3 s, and answered
    // (through its response_url, which is not the Web API) within 3 s as well.
    const inTime = { timeoutMs: 3_000 };
    while (Date.now() - started < MINUTE_MS) {
      numbers.push(await run(h.driver, 'run report --yes'));
      const help = await h.driver.slashCommand({ command: '/job', text: 'help' });
      expect(help.status).toBe(200);
      expect((await help.answer(inTime)).text).toMatch(/^Jobbot commands/);
      const history = await h.driver.slashCommand({ command: '/job', text: 'history' });
      expect(history.status).toBe(200);
      await history.answer(inTime);
      // Opening a modal needs Slack itself: the answer may be an apology, but it comes in time.
      const modal = await h.driver.slashCommand({ command: '/job', text: 'run report' });
      expect(modal.status).toBe(200);
      await modal.answer({ ...inTime, orModal: true });
      // A person Jobbot has not met yet: their name cannot be asked of Slack now.
      const res = await h.driver.slashCommand({ command: '/job', text: 'run report --yes', user: other });
      numbers.push(Number(/#(\d+)/.exec((await res.answer(inTime)).text)![1]));
      await new Promise((r) => setTimeout(r, 200));
    }
    h.slack.clearFaults();

    const done = await untilFinished(h.env.JOBBOT_DB!, numbers, 30_000);
    await untilDelivered(h.env.JOBBOT_DB!, 30_000);
    expect(done.every((d) => d.state === 'succeeded')).toBe(true);
    const finished = auditCounts(h.env.JOBBOT_DB!, 'dispatch.finished');
    for (const d of done) {
      expect(finished.get(d.number)).toBe(1);
      expectCleanThread(h.slack, h.env.JOBBOT_DB!, d);
    }
    // Read again: its status message may have been posted after the dispatch finished.
    const [flaky] = readDispatches(h.env.JOBBOT_DB!, [
      done.find((d) => d.definitionName === 'flaky')!.number,
    ]);
    // Timeline events that waited for Slack together share a reply, or open the verdict's (in its
    // blocks): count the lines people see, not messages.
    const lines = h.slack.thread(flaky!.channel!, flaky!.messageTs!).flatMap((m) => shownLines(m));
    expect(lines.filter((t) => /failed .*retrying/.test(t))).toHaveLength(2);
    // The outage was real: posts timed out and were looked up before being sent again.
    expect(
      h.slack.callsTo('conversations.history').length + h.slack.callsTo('conversations.replies').length,
    ).toBeGreaterThan(0);
    await expectNothingLeft(h.kube!, done);
  });
});
