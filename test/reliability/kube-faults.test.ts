/**
 * The Kubernetes API failing or hanging on the three calls a dispatch makes. Create: a hung call is
 * aborted (its connection closed) and retried; a create carried out after Jobbot stopped waiting is
 * recognised, not duplicated; one that keeps failing ends the dispatch with a clear reason. Log reads:
 * retried, and what could still not be read is recorded as such. Delete: retried until the Job is gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledTiming } from '../../src/timing.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import {
  createdJobs,
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  logsOf,
  NAMESPACE,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

const SPEED = 20;
// Background calls time out after 1.5 s of real time (30 s scaled).
const TIMING = scaledTiming(SPEED, { deleteRetryMaxMs: 500 });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kube: { speed: SPEED }, timing: TIMING });
  for (const name of ['hung', 'late', 'refused', 'logs', 'unread', 'sticky'])
    defineJob(
      h.env.JOBBOT_DB!,
      jobYaml(name, `echo ${name} done`),
      { cluster: 'alpha', namespace: NAMESPACE },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
    );
});
afterEach(() => {
  h.kube!.cluster('alpha').faults.clearFaults();
});
afterAll(async () => {
  await h?.stop();
});

const db = () => h.env.JOBBOT_DB!;
const alpha = () => h.kube!.cluster('alpha');
const calls = (method: string, path: RegExp) =>
  h.kube!.requests.filter((r) => r.method === method && path.test(r.path) && r.query.dryRun !== 'All');

async function finishedCleanly(n: number) {
  const [d] = await untilFinished(db(), [n], 20_000);
  await untilDelivered(db());
  expectCleanThread(h.slack, db(), d!);
  await expectNothingLeft(h.kube!, [d!]);
  return d!;
}

describe('create', () => {
  it('aborts a hung create, closing its connection, and creates the Job once on retry', async () => {
    alpha().failNext(1, { method: 'POST', path: /\/jobs$/, hang: true });
    const n = await run(h.driver, 'run hung --yes');
    await waitFor(() => alpha().heldRequests === 1, 5_000, 'the create to hang');
    // The deadline ends the HTTP request itself: the emulator sees the client hang up.
    await waitFor(() => alpha().heldRequests === 0, 5_000, 'the hung request to be aborted');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('succeeded');
    expect(
      calls('POST', /\/jobs$/).filter((r) => r.body && JSON.stringify(r.body).includes(d.jobName)),
    ).toHaveLength(2);
    expect(createdJobs(h.kube!, d.jobName)).toBe(1);
  });

  it('recognises a create the API server carried out after Jobbot stopped waiting', async () => {
    // The first create lands just after Jobbot gave up on it; the retry arrives after that.
    alpha().failNext(1, {
      method: 'POST',
      path: /\/jobs$/,
      delayOnly: true,
      delayMs: TIMING.kubeBackgroundMs + 100,
    });
    alpha().failNext(1, { method: 'POST', path: /\/jobs$/, delayOnly: true, delayMs: 400 });
    const n = await run(h.driver, 'run late --yes');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('succeeded');
    expect(createdJobs(h.kube!, d.jobName)).toBe(1);
    const answers = calls('POST', /\/jobs$/)
      .filter((r) => JSON.stringify(r.body).includes(d.jobName))
      .map((r) => r.status);
    expect(answers).toEqual([201, 409]);
  });

  it('ends the dispatch with a clear reason when every try fails', async () => {
    alpha().failNext(TIMING.createAttempts, { method: 'POST', path: /\/jobs$/, status: 503 });
    const n = await run(h.driver, 'run refused --yes');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('failed_to_start');
    expect(d.error).toMatch(/^cluster alpha could not be reached \(.+\); try again when it is back$/);
    expect(d.verdict).toMatch(/^Failed to start: cluster alpha could not be reached/);
    expect(calls('POST', /\/jobs$/).filter((r) => JSON.stringify(r.body).includes(d.jobName))).toHaveLength(
      TIMING.createAttempts,
    );
  });
});

describe('log reads', () => {
  it('retries failing and hanging reads, then keeps the log', async () => {
    alpha().failNext(1, { method: 'GET', path: /\/pods\/logs-[^/]+\/log$/, status: 503 });
    alpha().failNext(1, { method: 'GET', path: /\/pods\/logs-[^/]+\/log$/, hang: true });
    alpha().failNext(1, { method: 'GET', path: /\/pods\/logs-[^/]+\/log$/, status: 500 });
    const n = await run(h.driver, 'run logs --yes');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('succeeded');
    const [log] = logsOf(db(), n);
    expect(log).toMatchObject({ text: 'logs done\n', error: null });
    expect(alpha().heldRequests).toBe(0);
  });

  it('records what it could not read and still reaches the verdict', async () => {
    alpha().failNext(50, { method: 'GET', path: /\/pods\/unread-[^/]+\/log$/, status: 500 });
    const n = await run(h.driver, 'run unread --yes');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('succeeded');
    const [log] = logsOf(db(), n);
    expect(log!.text).toBe('');
    expect(log!.error).toMatch(
      new RegExp(`^Could not read the log after ${TIMING.logRetries + 1} attempts: .*injected fault`),
    );
  });
});

describe('delete', () => {
  it('retries a failing and hanging delete until the Job is gone', async () => {
    alpha().failNext(3, { method: 'DELETE', path: /\/jobs\/sticky-\d+$/, status: 503 });
    alpha().failNext(1, { method: 'DELETE', path: /\/jobs\/sticky-\d+$/, hang: true });
    alpha().failNext(1, { method: 'DELETE', path: /\/jobs\/sticky-\d+$/, status: 500 });
    const n = await run(h.driver, 'run sticky --yes');
    const d = await finishedCleanly(n);
    expect(d.state).toBe('succeeded');
    expect(calls('DELETE', /\/jobs\/sticky-\d+$/).length).toBeGreaterThanOrEqual(6);
    expect(logsOf(db(), n)[0]!.text).toBe('sticky done\n');
    expect(alpha().heldRequests).toBe(0);
  });
});
