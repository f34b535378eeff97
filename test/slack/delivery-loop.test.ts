/**
 * The delivery loop's scheduling with a queue in memory: a thread waiting for its allowance holds no
 * slot while others go, each thread stays in order, and a burst of wakes while waiting does not read
 * the queue once per wake.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DeliveryLoop, type DeliveryQueue, type QueuedEntry } from '../../src/slack/delivery-loop.js';

interface Entry extends QueuedEntry {
  thread: string;
}

class MemoryQueue implements DeliveryQueue<Entry> {
  readonly entries: (Entry & { delivered: boolean })[] = [];
  reads = 0;

  add(thread: string): void {
    const at = new Date(0).toISOString();
    this.entries.push({
      id: this.entries.length + 1,
      thread,
      attempts: 0,
      nextAttemptAt: at,
      delivered: false,
    });
  }

  heads(limit: number): Entry[] {
    this.reads++;
    const seen = new Set<string>();
    return this.entries
      .filter((e) => !e.delivered && !seen.has(e.thread) && seen.add(e.thread))
      .slice(0, limit);
  }

  delivered(id: number): void {
    this.entries[id - 1]!.delivered = true;
  }

  retryLater(): void {}
}

const until = async (probe: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('DeliveryLoop', () => {
  it('lets ready threads go while one waits for its allowance, then sends it, each thread in order', async () => {
    const queue = new MemoryQueue();
    for (const thread of ['slow', 'fast', 'slow', 'fast', 'fast']) queue.add(thread);
    const started = Date.now();
    const sent: [string, number][] = [];
    const loop = new DeliveryLoop<Entry>(
      queue,
      async (e) => {
        sent.push([`${e.thread}${e.id}`, Date.now() - started]);
        return undefined;
      },
      (e) => ({ id: e.id }),
      createLogger('silent'),
      { concurrency: 1 },
      // The slow thread's calls have no allowance for the first 150 ms.
      (e) => (e.thread === 'slow' ? Math.max(0, started + 150 - Date.now()) : 0),
    );
    loop.wake();
    await until(() => queue.entries.every((e) => e.delivered));
    await loop.stop();
    expect(sent.map(([what]) => what)).toEqual(['fast2', 'fast4', 'fast5', 'slow1', 'slow3']);
    expect(sent[2]![1]).toBeLessThan(150);
    expect(sent[3]![1]).toBeGreaterThanOrEqual(149);
  });

  it('reads the queue at most every 25 ms while a burst of wakes arrives during a wait', async () => {
    const queue = new MemoryQueue();
    queue.add('waiting');
    const started = Date.now();
    const loop = new DeliveryLoop<Entry>(
      queue,
      async () => undefined,
      (e) => ({ id: e.id }),
      createLogger('silent'),
      {},
      () => Math.max(0, started + 200 - Date.now()),
    );
    loop.wake();
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 50; j++) loop.wake();
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => queue.entries[0]!.delivered);
    await loop.stop();
    // 2,000 wakes in ~200 ms: about one read per 25 ms, not one per wake.
    expect(queue.reads).toBeLessThan(25);
  });
  it("sends a head's passer while the head waits, one at a time and in order, then the head", async () => {
    // Thread t: an edit that has no allowance for 150 ms, then two messages that may pass it.
    const queue = new MemoryQueue();
    for (let i = 0; i < 3; i++) queue.add('t');
    const [edit, first, second] = queue.entries;
    const base = queue.heads.bind(queue);
    queue.heads = (limit) =>
      base(limit).map((h) => {
        const passer = h.id === edit!.id ? queue.entries.find((e) => e.id > h.id && !e.delivered) : undefined;
        return passer ? { ...h, passer } : h;
      });
    const started = Date.now();
    const sent: number[] = [];
    let inFlight = 0;
    let most = 0;
    const loop = new DeliveryLoop<Entry>(
      queue,
      async (e) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sent.push(e.id);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return undefined;
      },
      (e) => ({ id: e.id }),
      createLogger('silent'),
      { concurrency: 4 },
      (e) => (e.id === edit!.id ? Math.max(0, started + 150 - Date.now()) : 0),
    );
    loop.wake();
    await until(() => queue.entries.every((e) => e.delivered));
    await loop.stop();
    expect(sent).toEqual([first!.id, second!.id, edit!.id]);
    // The second message waited for the first: a passer in flight is not offered again.
    expect(most).toBe(1);
  });
});
