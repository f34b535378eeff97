/**
 * SIGKILL of the real process while dispatches are at every stage (a create in flight that lands, a
 * create in flight that never lands, running, finishing with a log read in flight, cleaning with a
 * delete in flight) and a Slack post in flight that Slack accepts after the process died. After a
 * restart every dispatch reaches its true end exactly once, with its logs, each Job created once and
 * none left behind, and each thread shows every update once and in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ChildWorld, startChildWorld } from './support/child.js';
import {
  auditCounts,
  createdJobs,
  expectCleanThread,
  expectNothingLeft,
  jobYaml,
  logsOf,
  readDispatches,
  run,
  untilDelivered,
  untilFinished,
} from './support/world.js';

let w: ChildWorld;
beforeAll(async () => {
  w = await startChildWorld({ speed: 20 });
  w.define(jobYaml('steady', 'sleep 100; echo steady done'));
  w.define(jobYaml('landed', 'echo landed done'));
  w.define(jobYaml('lost', 'echo lost done'));
  w.define(jobYaml('reading', 'echo reading done'));
  w.define(jobYaml('sweeping', 'echo sweeping done'));
  w.define(jobYaml('posting', 'echo posting done'));
  await w.start();
});
afterAll(async () => {
  await w?.close();
});

const state = (n: number) => readDispatches(w.db, [n])[0]!.state;
const posts = (name: string) =>
  w.kube.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path.endsWith('/jobs') &&
      (r.body as { metadata?: { name?: string } } | undefined)?.metadata?.name?.startsWith(`${name}-`),
  );

describe('SIGKILL at every stage of a dispatch', () => {
  it('carries every dispatch to its true end exactly once after a restart', async () => {
    const alpha = w.kube.cluster('alpha');
    // A log read and a delete that are in flight when the process dies.
    alpha.failNext(1, {
      method: 'GET',
      path: /\/pods\/reading-[^/]+\/log$/,
      delayOnly: true,
      delayMs: 8_000,
    });
    alpha.failNext(1, { method: 'DELETE', path: /\/jobs\/sweeping-\d+$/, hang: true });
    const steady = await run(w.driver, 'run steady --yes');
    const reading = await run(w.driver, 'run reading --yes');
    const sweeping = await run(w.driver, 'run sweeping --yes');
    await waitFor(
      () => state(steady) === 'running' && state(reading) === 'finishing' && state(sweeping) === 'cleaning',
      15_000,
      'running, finishing and cleaning',
    );

    // A create that the API server carries out after the process died, and one that never arrives.
    alpha.failNext(1, { method: 'POST', path: /\/jobs$/, delayOnly: true, delayMs: 3_000 });
    const landed = await run(w.driver, 'run landed --yes');
    await waitFor(() => posts('landed').some((r) => r.fault === 'delay'), 5_000, 'the delayed create');
    alpha.failNext(1, { method: 'POST', path: /\/jobs$/, hang: true });
    const lost = await run(w.driver, 'run lost --yes');
    await waitFor(() => posts('lost').some((r) => r.fault === 'hang'), 5_000, 'the hung create');

    // A message Slack takes in only after the process died: its outcome is unknown to Jobbot.
    w.slack.fail('chat.postMessage', { delayMs: 1_500 });
    const posting = await run(w.driver, 'run posting --yes');
    await waitFor(() => w.slack.inFlight('chat.postMessage') > 0, 5_000, 'a post in flight');

    w.jobbot.child.kill('SIGKILL');
    expect((await w.jobbot.exited).signal).toBe('SIGKILL');
    const numbers = [steady, landed, lost, reading, sweeping, posting];
    expect(readDispatches(w.db, [steady, landed, lost, reading, sweeping]).map((d) => d.state)).toEqual([
      'running',
      'creating',
      'creating',
      'finishing',
      'cleaning',
    ]);
    // What was in flight completes on the other side before Jobbot is back.
    await waitFor(() => w.slack.inFlight('chat.postMessage') === 0, 5_000, 'the late post to land');
    await waitFor(() => createdJobs(w.kube, `landed-${landed}`) === 1, 5_000, 'the late create to land');

    await w.start();
    const done = await untilFinished(w.db, numbers, 30_000);
    await untilDelivered(w.db);
    expect(done.map((d) => [d.definitionName, d.state])).toEqual([
      ['steady', 'succeeded'],
      ['landed', 'succeeded'],
      ['lost', 'succeeded'],
      ['reading', 'succeeded'],
      ['sweeping', 'succeeded'],
      ['posting', 'succeeded'],
    ]);
    const finished = auditCounts(w.db, 'dispatch.finished');
    for (const n of numbers) expect(finished.get(n), `#${n} finished once`).toBe(1);
    for (const d of done) {
      expect(createdJobs(w.kube, d.jobName), `${d.jobName} created once`).toBe(1);
      expect(
        logsOf(w.db, d.number)
          .map((l) => l.text)
          .join(''),
        `${d.jobName} logs`,
      ).toContain(`${d.definitionName} done`);
      expectCleanThread(w.slack, w.db, d);
    }
    // The post Slack took after the kill was found (by its marker), not posted again.
    const lookups =
      w.slack.callsTo('conversations.history').length + w.slack.callsTo('conversations.replies').length;
    expect(lookups).toBeGreaterThan(0);
    await expectNothingLeft(w.kube, done);
    // The hung create and delete died with the process; nothing is still held open.
    expect(alpha.heldRequests).toBe(0);
  });
});
