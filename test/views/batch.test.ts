import { describe, expect, it } from 'vitest';
import {
  batchChangesReply,
  batchSummaryMessage,
  changesForOneReply,
  numberRanges,
  replyFits,
} from '../../src/slack/views/batch.js';
import type { BatchChange, BatchMemberRow } from '../../src/store/batches.js';
import { validateMessageBlocks } from '../support/slack/index.js';

const member = (number: number, over: Partial<BatchMemberRow> = {}): BatchMemberRow => ({
  number,
  definitionName: `job-${number % 7}`,
  state: 'running',
  verdict: null,
  error: null,
  actorName: `person-${number % 5}`,
  ...over,
});

const change = (
  seq: number,
  dispatchNumber: number,
  state: string,
  detail: string | null = null,
): BatchChange => ({
  seq,
  dispatchNumber,
  definitionName: 'etl',
  state,
  detail,
  at: '2026-11-29T10:00:00.000Z',
});

describe('batch views', () => {
  it('writes dispatch numbers as ranges', () => {
    expect(numberRanges([5, 1, 2, 3, 9, 10, 3])).toEqual(['#1–#3', '#5', '#9–#10']);
    expect(numberRanges([])).toEqual([]);
  });

  it('sums up 1,000 dispatches of 40 jobs within Slack’s limits, hostile names escaped', () => {
    const members = Array.from({ length: 1000 }, (_, i) =>
      member(i + 1, {
        definitionName: `<!channel> ${'j'.repeat(60)}-${i % 40}`,
        ...(i % 3 === 0 ? { state: 'failed', verdict: `Failed: ${'why '.repeat(200)}` } : {}),
        ...(i % 3 === 1 ? { state: 'succeeded', verdict: 'Succeeded in 3s' } : {}),
      }),
    );
    const msg = batchSummaryMessage({ batchId: 1, members, command: '/job' });
    expect(validateMessageBlocks(msg.blocks as never)).toEqual([]);
    expect(msg.text).toBe('Batch: 1000 dispatches in this channel: 333 running, 333 succeeded, 334 failed');
    const text = JSON.stringify(msg.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('and 30 more jobs');
    expect(text).toContain('324 earlier failures');
    expect(text).toContain('`/job show #N`');
  });

  it('says when everything finished', () => {
    const msg = batchSummaryMessage({
      batchId: 1,
      members: [member(1, { state: 'succeeded' }), member(2, { state: 'cancelled' })],
      command: '/job',
    });
    expect(msg.text).toBe('Batch: 2 dispatches in this channel, all finished: 1 succeeded, 1 cancelled');
  });

  it('lists changes by state, a dispatch that finished within one reply only by its verdict', () => {
    const reply = batchChangesReply([
      change(1, 10, 'running'),
      change(2, 11, 'running'),
      change(3, 12, 'running'),
      change(4, 11, 'succeeded'),
      change(5, 12, 'failed', 'Failed: BackoffLimitExceeded'),
      change(6, 13, 'failed_to_start', 'The Job was refused: forbidden'),
    ]);
    expect(reply.text).toBe(
      'Running (1): #10\nSucceeded (1): #11\nFailed (1): #12\nFailed to start (1): #13',
    );
    expect(validateMessageBlocks(reply.blocks as never)).toEqual([]);
    expect(JSON.stringify(reply.blocks)).toContain('#12 *etl*: Failed: BackoffLimitExceeded');
  });

  it('stays within a section’s 3,000 characters however scattered the numbers are', () => {
    const changes = Array.from({ length: 2000 }, (_, i) =>
      change(i + 1, i * 2 + 1, i % 2 ? 'failed' : 'running', `Failed: ${'x'.repeat(400)}`),
    );
    const reply = batchChangesReply(changes);
    expect(validateMessageBlocks(reply.blocks as never)).toEqual([]);
    expect(reply.text).toMatch(
      /^Running \(1000\): #1, #5, .* and \d+ more\nFailed \(1000\): #3, #7, .* and \d+ more$/,
    );
  });

  it('names every dispatch of a reply: changes beyond what one reply lists wait for the next', () => {
    const changes = Array.from({ length: 2000 }, (_, i) => change(i + 1, i * 2 + 1, 'succeeded'));
    expect(replyFits(changes)).toBe(false);
    const first = changesForOneReply(changes);
    expect(first.length).toBeGreaterThan(100);
    expect(first).toEqual(changes.slice(0, first.length));
    expect(replyFits(first)).toBe(true);
    expect(replyFits(changes.slice(0, first.length + 1))).toBe(false);
    expect(batchChangesReply(first).text).not.toContain('more');
    // Consecutive numbers fit whole as one range.
    const run = Array.from({ length: 2000 }, (_, i) => change(i + 1, i + 1, 'succeeded'));
    expect(changesForOneReply(run)).toHaveLength(2000);
    expect(batchChangesReply(run).text).toBe('Succeeded (2000): #1–#2000');
  });
});
