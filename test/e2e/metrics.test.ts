/**
 * /metrics after real work: a dispatch that succeeded and one that failed, the Slack calls they made,
 * the Kubernetes requests and watches behind them, the outbox and the logs kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { define, drained } from '../api/helpers.js';
import { emulatorOnly } from '../support/cluster.js';
import { shellJobYaml } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { readDispatch } from '../support/seed.js';
import { waitFor } from '../support/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const [name, command] of [
    ['metered-ok', 'echo fine'],
    ['metered-bad', 'echo broken; exit 2'],
  ] as const)
    define(h, shellJobYaml(name, command));
});
afterAll(async () => {
  await h?.stop();
});

async function run(name: string): Promise<number> {
  const res = await h.driver.slashCommand({ command: '/job', text: `run ${name} --yes` });
  const n = Number(/#(\d+)/.exec((await res.answer()).text)![1]);
  await waitFor(() => readDispatch(h.env.JOBBOT_DB!, n)?.finishedAt, 20_000, `${name} to end`);
  await drained(h, n);
  return n;
}

function value(metrics: string, line: string): number {
  const found = metrics.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(' ').at(-1)) : Number.NaN;
}

emulatorOnly.describe('metrics', () => {
  it('counts dispatches by job and outcome, Slack and Kubernetes calls, the outbox and the logs', async () => {
    await run('metered-ok');
    await run('metered-bad');
    // Counted when the dispatch's end is reported, a moment after its record says it ended.
    const scrape = async () => (await fetch(`${h.url}/metrics`)).text();
    await expect
      .poll(
        async () => (await scrape()).split('\n').filter((l) => l.startsWith('jobbot_dispatches_total{')),
        {
          timeout: 10_000,
        },
      )
      .toEqual([
        'jobbot_dispatches_total{job="metered-ok",outcome="succeeded"} 1',
        'jobbot_dispatches_total{job="metered-bad",outcome="failed"} 1',
      ]);
    const m = await scrape();
    expect(value(m, 'jobbot_dispatch_duration_seconds_count{job="metered-ok"}')).toBe(1);
    expect(value(m, 'jobbot_slack_api_calls_total{method="chat.postMessage"}')).toBeGreaterThanOrEqual(2);
    expect(value(m, 'jobbot_slack_api_calls_total{method="auth.test"}')).toBeGreaterThanOrEqual(1);
    // The answers to both `/job run` commands, posted to their response_urls.
    expect(value(m, 'jobbot_slack_api_calls_total{method="response_url"}')).toBeGreaterThanOrEqual(2);
    // A message queued after `drained` looked (seen once in a full run) may still be on its way: the
    // gauges are read until the outbox has emptied.
    await expect
      .poll(async () => {
        const now = await scrape();
        return [value(now, 'jobbot_outbox_depth'), value(now, 'jobbot_outbox_oldest_age_seconds')];
      })
      .toEqual([0, 0]);
    expect(value(m, 'jobbot_log_bytes_stored')).toBeGreaterThan(0);
    expect(value(m, 'jobbot_kube_requests_total{verb="create",resource="jobs"}')).toBe(2);
    expect(value(m, 'jobbot_kube_requests_total{verb="delete",resource="jobs"}')).toBeGreaterThanOrEqual(2);
    // A cut connection fails the shared watch, which restarts with a fresh list.
    h.kube!.dropWatches({ abrupt: true });
    await waitFor(
      async () =>
        /jobbot_watch_restarts_total\{cluster="alpha",namespace="jobs",reason="error"\} [1-9]/.test(
          await (await fetch(`${h.url}/metrics`)).text(),
        ),
      10_000,
      'the watch restart counted',
    );
  });

  it('counts Slack errors by method and error code', async () => {
    h.slack.fail('views.publish', { error: 'invalid_arguments', times: 1 });
    await h.driver.appHomeOpened(h.slack.defaultUser);
    await waitFor(
      async () =>
        value(
          await (await fetch(`${h.url}/metrics`)).text(),
          'jobbot_slack_api_errors_total{method="views.publish",error="invalid_arguments"}',
        ) === 1,
      5_000,
      'the error counted',
    );
  });
});
