/**
 * withDeadline's `progress`: a streamed answer that keeps coming is not cut by the per-call deadline,
 * one that stalls is, and progress reported after the call ended arms nothing. Fake timers: the
 * point is the order of events, not how long they take.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, withDeadline } from '../../src/kube/timeout.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A call that reports progress every `everyMs` for `parts` parts, then resolves. */
function streaming(parts: number, everyMs: number) {
  let late: () => void = () => undefined;
  const call = (_options: unknown, progress: () => void) =>
    new Promise<string>((resolve) => {
      late = progress;
      let sent = 0;
      const timer = setInterval(() => {
        progress();
        if (++sent === parts) {
          clearInterval(timer);
          resolve('done');
        }
      }, everyMs);
    });
  return { call, late: () => late() };
}

describe('withDeadline with progress', () => {
  it('lets a stream run past the deadline while parts keep arriving', async () => {
    const s = streaming(10, 60);
    const result = withDeadline(100, s.call);
    await vi.advanceTimersByTimeAsync(600);
    await expect(result).resolves.toBe('done');
  });

  it('cuts a stream that stalls for longer than the deadline', async () => {
    const call = (_options: unknown, progress: () => void) =>
      new Promise<never>(() => {
        setTimeout(progress, 60);
      });
    const result = withDeadline(100, call);
    const settled = expect(result).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(159);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
  });

  it('arms nothing when progress comes after the call ended', async () => {
    const s = streaming(1, 10);
    const result = withDeadline(100, s.call);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('done');
    s.late();
    expect(vi.getTimerCount()).toBe(0);
  });
});
