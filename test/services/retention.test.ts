import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { LogRetention } from '../../src/services/retention.js';

describe('LogRetention', () => {
  it('asks the store to prune by age and size, and reports what went', () => {
    const calls: { olderThan: string; maxBytes: number }[] = [];
    const reported: number[][] = [];
    const retention = new LogRetention(
      {
        pruneLogs: (limits) => {
          calls.push(limits);
          return [3, 4];
        },
      },
      { logDays: 2, logBytes: 1000 },
      createLogger('silent'),
      (n) => reported.push(n),
      () => new Date('2026-03-10T00:00:00.000Z'),
    );
    expect(retention.runOnce()).toEqual([3, 4]);
    expect(calls).toEqual([{ olderThan: '2026-03-08T00:00:00.000Z', maxBytes: 1000 }]);
    expect(reported).toEqual([[3, 4]]);
  });

  it('keeps going when the store fails', () => {
    const retention = new LogRetention(
      {
        pruneLogs: () => {
          throw new Error('disk I/O error');
        },
      },
      { logDays: 1, logBytes: 1 },
      createLogger('silent'),
    );
    expect(retention.runOnce()).toEqual([]);
  });
});
