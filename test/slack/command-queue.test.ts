/**
 * The queue of acknowledged slash commands (src/slack/command-queue.ts): one command per event-loop
 * turn, in order; none while requests keep arriving or are still being read, unless the oldest has
 * waited `maxDeferMs`; and drain() waits for those taken.
 */
import { describe, expect, it } from 'vitest';
import { CommandQueue } from '../../src/slack/command-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue whose commands only record when they started. */
function timedQueue(timing: { quietMs: number; maxDeferMs: number }) {
  const started: number[] = [];
  const queue = new CommandQueue<number>(async () => {
    started.push(performance.now());
  }, timing);
  return { queue, started };
}

describe('CommandQueue', () => {
  it('starts one command per event-loop turn, in order', async () => {
    const log: string[] = [];
    const queue = new CommandQueue<string>(
      async (item) => {
        log.push(item);
        // Work another part of Jobbot queued meanwhile runs before the next command.
        setImmediate(() => log.push(`after ${item}`));
      },
      { quietMs: 0, maxDeferMs: 0 },
    );
    for (const item of ['a', 'b', 'c']) queue.push(item);
    expect(log).toEqual([]);
    await queue.drain(1_000);
    await sleep(5);
    expect(log).toEqual(['a', 'after a', 'b', 'after b', 'c', 'after c']);
  });

  it('holds commands while requests keep arriving, and starts them once they stop', async () => {
    const { queue, started } = timedQueue({ quietMs: 30, maxDeferMs: 5_000 });
    queue.arrived()();
    queue.push(1);
    let lastArrival = performance.now();
    for (let i = 0; i < 6; i++) {
      await sleep(10);
      queue.arrived()();
      lastArrival = performance.now();
    }
    expect(started).toEqual([]);
    await queue.drain(1_000);
    expect(started).toHaveLength(1);
    expect(started[0]! - lastArrival).toBeGreaterThanOrEqual(25);
  });

  it('holds commands while a request is still being read, and starts them quietMs after it was', async () => {
    const { queue, started } = timedQueue({ quietMs: 10, maxDeferMs: 5_000 });
    const read = queue.arrived();
    queue.arrived()();
    queue.push(1);
    await sleep(60);
    // The other request was read 60 ms ago, but one is still being read.
    expect(started).toEqual([]);
    read();
    read(); // a second call changes nothing
    const readAt = performance.now();
    await queue.drain(1_000);
    expect(started).toHaveLength(1);
    expect(started[0]! - readAt).toBeGreaterThanOrEqual(8);
    expect(started[0]! - readAt).toBeLessThan(500);
  });

  it('starts a command after maxDeferMs even behind a request that is never read', async () => {
    const { queue, started } = timedQueue({ quietMs: 5, maxDeferMs: 50 });
    queue.arrived();
    const pushed = performance.now();
    queue.push(1);
    await queue.drain(1_000);
    expect(started).toHaveLength(1);
    expect(started[0]! - pushed).toBeGreaterThanOrEqual(45);
  });

  it('starts urgent commands (they open a form) ahead of those waiting, in order among themselves', async () => {
    const order: string[] = [];
    const queue = new CommandQueue<string>(
      async (item) => {
        order.push(item);
      },
      { quietMs: 5, maxDeferMs: 5_000 },
    );
    queue.push('history 1');
    queue.push('history 2');
    queue.push('new 1', true);
    queue.push('history 3');
    queue.push('new 2', true);
    await queue.drain(1_000);
    expect(order).toEqual(['new 1', 'new 2', 'history 1', 'history 2', 'history 3']);
  });

  it('counts maxDeferMs from the oldest waiting command, even behind an urgent one', async () => {
    let t = 0;
    const started: string[] = [];
    const queue = new CommandQueue<string>(
      async (item) => {
        started.push(item);
      },
      { quietMs: 1_000_000, maxDeferMs: 100 },
      () => t,
    );
    queue.arrived()();
    queue.push('old');
    t = 90;
    queue.push('urgent', true);
    queue.arrived()();
    // 100 ms after "old" was queued both are due, although requests keep arriving (quietMs is huge).
    t = 101;
    await queue.drain(200);
    expect(started).toEqual(['urgent', 'old']);
  });

  it('starts a command that has waited maxDeferMs even while requests keep arriving', async () => {
    const { queue, started } = timedQueue({ quietMs: 1_000, maxDeferMs: 50 });
    queue.arrived()();
    const pushed = performance.now();
    queue.push(1);
    const arriving = setInterval(() => queue.arrived()(), 5);
    try {
      await queue.drain(1_000);
    } finally {
      clearInterval(arriving);
    }
    expect(started).toHaveLength(1);
    expect(started[0]! - pushed).toBeGreaterThanOrEqual(45);
    expect(started[0]! - pushed).toBeLessThan(500);
  });

  it('drains: waits for started commands to finish, or says how many were left', async () => {
    let finished = 0;
    const queue = new CommandQueue<number>(
      async (ms) => {
        await sleep(ms);
        finished++;
      },
      { quietMs: 0, maxDeferMs: 0 },
    );
    queue.push(30);
    queue.push(30);
    expect(await queue.drain(1_000)).toBe(0);
    expect(finished).toBe(2);
    queue.push(500);
    expect(await queue.drain(50)).toBe(1);
    expect(queue.pending).toBe(1);
  });
});
