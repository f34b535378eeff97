/**
 * Slack delivering the same request twice (x-slack-retry-num, as it does when it thinks the first
 * delivery went unanswered): afterwards and at the same time as the first, for a slash command and a
 * modal submission. Nothing is dispatched twice; the redelivery is acknowledged empty and answers
 * nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import { allDispatches, NAMESPACE, untilFinished } from './support/world.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  defineJob(
    h.env.JOBBOT_DB!,
    PI_YAML,
    { cluster: 'alpha', namespace: NAMESPACE },
    { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
  );
});
afterAll(async () => {
  await h?.stop();
});

const count = () => allDispatches(h.env.JOBBOT_DB!).length;
/** The texts posted to a command's response_url. */
const answersTo = (url: string) =>
  h.slack.responses.filter((r) => r.url === url).map((r) => String((r.body as { text?: unknown }).text));
/**
 * A redelivered command is handled after its empty ack. Commands are taken in order, so once a later
 * command has been answered, the redelivery has been handled (and dropped) too.
 */
const settled = async () => {
  await (await h.driver.slashCommand({ command: '/job', text: 'help' })).answer();
};
const REDELIVERY = { retryNum: 1, retryReason: 'http_timeout' };

describe('the same request delivered twice', () => {
  it('dispatches a redelivered `/job run --yes` once', async () => {
    const before = count();
    const first = await h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    expect((await first.answer()).text).toMatch(/^Dispatched pi #\d+/);
    const again = await h.driver.redeliver(undefined, REDELIVERY);
    expect(again.status).toBe(200);
    expect(again.ack).toBeUndefined();
    const third = await h.driver.redeliver(undefined, { retryNum: 2, retryReason: 'http_timeout' });
    expect(third.status).toBe(200);
    await settled();
    expect(count()).toBe(before + 1);
    expect(answersTo(first.responseUrl)).toHaveLength(1);
  });

  it('dispatches once when the redelivery arrives while the first is still being handled', async () => {
    const before = count();
    const first = h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    const again = h.driver.redeliver(undefined, REDELIVERY);
    const acks = await Promise.all([first, again]);
    expect(acks.map((a) => a.status)).toEqual([200, 200]);
    expect(acks.map((a) => a.ack)).toEqual([undefined, undefined]);
    // Both deliveries carry the same response_url: it gets one answer.
    expect((await acks[0].answer()).text).toMatch(/^Dispatched pi #\d+/);
    await settled();
    expect(answersTo(acks[0].responseUrl).filter((t) => /^Dispatched pi #\d+/.test(t))).toHaveLength(1);
    expect(answersTo(acks[0].responseUrl)).toHaveLength(1);
    expect(count()).toBe(before + 1);
  });

  it('dispatches a redelivered modal submission once', async () => {
    const before = count();
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi' });
    const call = await h.slack.waitForCall('views.open', (c) => c.args.trigger_id === res.triggerId);
    const viewId = (call.response as { view: { id: string } }).view.id;
    await h.driver.submitView({ viewId, values: { 'Container image': 'perl:5.38' } });
    await waitFor(() => count() === before + 1, 5_000, 'the dispatch');
    const again = await h.driver.redeliver(undefined, REDELIVERY);
    expect(again.status).toBe(200);
    const numbers = allDispatches(h.env.JOBBOT_DB!)
      .slice(before)
      .map((d) => d.number);
    expect(numbers).toHaveLength(1);
    await untilFinished(h.env.JOBBOT_DB!, numbers, 20_000);
    expect(count()).toBe(before + 1);
  });

  it('remembers what it took across a restart', async () => {
    const before = count();
    const first = await h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    await first.answer();
    const request = h.driver.lastRequest;
    await h.restart();
    const again = await h.driver.redeliver(request, { retryNum: 3, retryReason: 'http_timeout' });
    expect(again.status).toBe(200);
    expect(again.ack).toBeUndefined();
    await settled();
    expect(count()).toBe(before + 1);
    expect(answersTo(first.responseUrl)).toHaveLength(1);
  });
});
