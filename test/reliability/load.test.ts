/**
 * Load on the real process: 500 dispatches running, then 200 slash commands at once (reads and more
 * dispatches). Every command is acknowledged within Slack's 3 seconds (the driver fails a later ack),
 * and every dispatch is reported: its thread ends with its verdict, once. A correctness test, not a
 * benchmark: the emulated cluster runs 50 times faster than real time to keep it short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../src/domain/dispatch/index.js';
import type { StoredMessage } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import { type ChildWorld, startChildWorld } from './support/child.js';
import { allDispatches, jobYaml, pendingOutbox } from './support/world.js';

const RUNNING = 500;
const CONCURRENT = 200;

let w: ChildWorld;
beforeAll(async () => {
  w = await startChildWorld({ speed: 50 });
  // Long enough that none ends before the burst; the clock is sped up afterwards.
  w.define(jobYaml('load', 'sleep 1200; echo load done'));
  await w.start();
});
afterAll(async () => {
  await w?.close();
});

/** Runs `tasks` with at most `limit` in flight; the slowest acknowledgement (each task's result) in ms. */
async function pool(tasks: (() => Promise<number>)[], limit: number): Promise<number> {
  let next = 0;
  let slowest = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      slowest = Math.max(slowest, await task());
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return slowest;
}

/** `/job TEXT`: its acknowledgement's time in ms, once its answer (the text to `check`) has come. */
async function command(text: string, check: (answer: string) => void): Promise<number> {
  const started = Date.now();
  const res = await w.driver.slashCommand({ command: '/job', text });
  const ackMs = Date.now() - started;
  expect(res.status).toBe(200);
  check((await res.answer({ timeoutMs: 30_000 })).text);
  return ackMs;
}

const dispatched = (answer: string) => expect(answer).toMatch(/^Dispatched load #\d+/);

function dispatchOne(): Promise<number> {
  return command('run load --yes', dispatched);
}

describe('load', () => {
  it('acks 200 concurrent commands within 3 s while 500 dispatches run, and reports every dispatch', async () => {
    const slowestDispatch = await pool(
      Array.from({ length: RUNNING }, () => dispatchOne),
      20,
    );
    const running = await waitFor(
      () => {
        const ds = allDispatches(w.db);
        const n = ds.filter((d) => d.state === 'running').length;
        return n === RUNNING ? n : undefined;
      },
      20_000,
      'the dispatches to run',
    );
    expect(running).toBe(RUNNING);

    const commands = ['help', 'history', 'list', 'history load', 'run load --yes'];
    const burst = Array.from({ length: CONCURRENT }, (_, i) => () => {
      const text = commands[i % commands.length]!;
      return command(text, (answer) =>
        text.startsWith('run') ? dispatched(answer) : expect(answer).not.toMatch(/went wrong/),
      );
    });
    const slowestBurst = await pool(burst, CONCURRENT);
    expect(slowestBurst).toBeLessThan(3_000);
    expect(slowestDispatch).toBeLessThan(3_000);

    // The commands are answered: let the Jobs run out quickly now.
    w.kube.clock.setSpeed(1_000);
    const total = RUNNING + CONCURRENT / commands.length;
    await waitFor(
      () => {
        const ds = allDispatches(w.db);
        return ds.length === total && ds.every((d) => isTerminal(d.state as never));
      },
      60_000,
      'every dispatch to finish',
    );
    await waitFor(() => pendingOutbox(w.db) === 0, 60_000, 'the outbox to drain');
    const done = allDispatches(w.db);
    expect(done.every((d) => d.state === 'succeeded')).toBe(true);

    // Each thread, read once from the emulator's store: one status message, one verdict.
    const channel = w.slack.channelId(done[0]!.channel!);
    const byThread = new Map<string, StoredMessage[]>();
    for (const m of w.slack.state.messagesByChannel.get(channel) ?? []) {
      const key = m.thread_ts ?? m.ts;
      byThread.set(key, [...(byThread.get(key) ?? []), m]);
    }
    for (const d of done) {
      const thread = byThread.get(d.messageTs!) ?? [];
      const label = `load #${d.number}`;
      expect(
        thread.filter((m) => m.ts === d.messageTs && m.text.startsWith(`${label}: Succeeded`)),
        label,
      ).toHaveLength(1);
      expect(
        thread.filter((m) => m.text === d.verdict),
        `${label} verdict`,
      ).toHaveLength(1);
    }
    console.info(
      `load: slowest ack ${slowestDispatch} ms (dispatching), ${slowestBurst} ms (burst of ${CONCURRENT})`,
    );
  }, 120_000);
});
