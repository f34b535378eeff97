import { describe, expect, it } from 'vitest';
import { NO_LIMITS, SLACK_PUBLISHED_LIMITS, SlackPacer } from '../../src/slack/pacing.js';
import { SLACK_RATE_LIMITS } from '../support/slack/rate-limits.js';

function pacer(minuteMs = 60_000) {
  const clock = { now: 0 };
  return { clock, pacer: new SlackPacer(SLACK_PUBLISHED_LIMITS, minuteMs, () => clock.now) };
}

describe('SlackPacer', () => {
  it("paces chat.postMessage per channel: Slack's short burst (less one in hand), then one a second", () => {
    const { clock, pacer: p } = pacer();
    for (let i = 0; i < 2; i++) expect(p.tryTake('chat.postMessage', 'C1')).toBe(0);
    expect(p.tryTake('chat.postMessage', 'C1')).toBe(1000);
    // Another channel has its own allowance.
    expect(p.tryTake('chat.postMessage', 'C2')).toBe(0);
    clock.now = 999;
    expect(p.waitMs('chat.postMessage', 'C1')).toBe(1);
    clock.now = 1000;
    expect(p.tryTake('chat.postMessage', 'C1')).toBe(0);
    expect(p.waitMs('chat.postMessage', 'C1')).toBe(1000);
  });

  it('paces a tier per method, whatever the channel: chat.update 50 a minute', () => {
    const { clock, pacer: p } = pacer();
    for (let i = 0; i < 49; i++) expect(p.tryTake('chat.update', `C${i % 4}`)).toBe(0);
    expect(p.waitMs('chat.update', 'C9')).toBe(1200);
    // Other methods are not held up by it.
    expect(p.tryTake('files.getUploadURLExternal')).toBe(0);
    expect(p.tryTake('chat.postMessage', 'C1')).toBe(0);
    clock.now = 1200;
    expect(p.tryTake('chat.update')).toBe(0);
  });

  it('tells the allowance in hand and the steady gap between posts in a channel', () => {
    const { clock, pacer: p } = pacer();
    expect(p.tokens('chat.update')).toBe(49);
    for (let i = 0; i < 40; i++) p.tryTake('chat.update');
    expect(p.tokens('chat.update')).toBe(9);
    clock.now = 2400;
    expect(p.tokens('chat.update')).toBe(11);
    p.limited('chat.update', undefined, 1000);
    expect(p.tokens('chat.update')).toBe(0);
    expect(p.tokens('files.info')).toBe(99);
    expect(p.tokens('auth.test')).toBe(Number.POSITIVE_INFINITY);
    expect(p.intervalMs('chat.postMessage')).toBe(1000);
    expect(pacer(12_000).pacer.intervalMs('chat.postMessage')).toBe(200);
    expect(p.intervalMs('chat.update')).toBe(0);
  });

  it("blocks only the method, or for posts the method in that channel, for Slack's Retry-After", () => {
    const { clock, pacer: p } = pacer();
    p.limited('chat.update', 'C1', 30_000);
    expect(p.waitMs('chat.update', 'C2')).toBe(30_000);
    expect(p.waitMs('chat.postMessage', 'C1')).toBe(0);
    p.limited('chat.postMessage', 'C1', 2_000);
    expect(p.waitMs('chat.postMessage', 'C1')).toBe(2_000);
    expect(p.waitMs('chat.postMessage', 'C2')).toBe(0);
    // A method without a published limit is not paced, but its Retry-After is honoured.
    expect(p.tryTake('users.info')).toBe(0);
    p.limited('users.info', undefined, 1_000);
    expect(p.tryTake('users.info')).toBe(1_000);
    clock.now = 30_000;
    expect(p.waitMs('chat.update')).toBe(0);
    expect(p.tryTake('users.info')).toBe(0);
  });

  it('counts in a shorter minute when asked (emulated time), and not at all without limits', () => {
    const { pacer: fast } = pacer(6_000);
    for (let i = 0; i < 2; i++) fast.tryTake('chat.postMessage', 'C1');
    expect(fast.waitMs('chat.postMessage', 'C1')).toBe(100);
    const off = new SlackPacer(NO_LIMITS, 60_000, () => 0);
    for (let i = 0; i < 1000; i++) expect(off.tryTake('chat.postMessage', 'C1')).toBe(0);
  });

  it("uses the Slack emulator's table of published limits for the methods it paces", () => {
    for (const [method, rate] of Object.entries(SLACK_PUBLISHED_LIMITS.perMethod))
      expect(SLACK_RATE_LIMITS.perMethod[method], method).toEqual(rate);
    expect(SLACK_RATE_LIMITS.perChannel).toEqual(SLACK_PUBLISHED_LIMITS.perChannel);
  });
});
