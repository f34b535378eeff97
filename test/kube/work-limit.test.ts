import { describe, expect, it } from 'vitest';
import { WorkLimit } from '../../src/kube/work-limit.js';

describe('WorkLimit', () => {
  it('runs at most `limit` calls at once, the others in the order they came, failures included', async () => {
    const limit = new WorkLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const work = (i: number) =>
      limit.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (i === 1) throw new Error('refused');
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(work));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });
});
