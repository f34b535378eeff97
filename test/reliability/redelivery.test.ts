/**
 * Slack delivering the same request twice (x-slack-retry-num, as it does when it thinks the first
 * delivery went unanswered): afterwards and at the same time as the first, for a slash command and a
 * modal submission. Nothing is dispatched twice; the redelivery is acknowledged empty.
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
const REDELIVERY = { retryNum: 1, retryReason: 'http_timeout' };

describe('the same request delivered twice', () => {
  it('dispatches a redelivered `/job run --yes` once', async () => {
    const before = count();
    const first = await h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    expect((first.ack as { text: string }).text).toMatch(/^Dispatched pi #\d+/);
    const again = await h.driver.redeliver(undefined, REDELIVERY);
    expect(again.status).toBe(200);
    expect(again.ack).toBeUndefined();
    const third = await h.driver.redeliver(undefined, { retryNum: 2, retryReason: 'http_timeout' });
    expect(third.status).toBe(200);
    expect(count()).toBe(before + 1);
  });

  it('dispatches once when the redelivery arrives while the first is still being handled', async () => {
    const before = count();
    const first = h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    const again = h.driver.redeliver(undefined, REDELIVERY);
    const answers = await Promise.all([first, again]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(
      answers.filter((a) => /^Dispatched pi #\d+/.test((a.ack as { text?: string })?.text ?? '')),
    ).toHaveLength(1);
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
    await h.driver.slashCommand({ command: '/job', text: 'run pi --yes' });
    const request = h.driver.lastRequest;
    await h.restart();
    const again = await h.driver.redeliver(request, { retryNum: 3, retryReason: 'http_timeout' });
    expect(again.status).toBe(200);
    expect(again.ack).toBeUndefined();
    expect(count()).toBe(before + 1);
  });
});
