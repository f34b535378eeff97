import { describe, expect, it } from 'vitest';
import {
  ACTION_DISPATCH_DETAILS,
  ACTION_HISTORY_NEXT,
  ACTION_HISTORY_PAGE,
  ACTION_HISTORY_PREV,
  decodeHistoryPage,
  encodeHistoryPage,
  HISTORY_PAGE_SIZE,
  historyMessage,
} from '../../src/slack/views/history.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import {
  allText,
  buttons,
  dispatch,
  expectEscaped,
  HOSTILE,
  hostileDispatch,
  long,
  NOW,
} from './fixtures.js';

const filters = { name: 'nightly-report', user: 'U0BOB00001', status: 'failed' };

describe('historyMessage', () => {
  it('shows one line per dispatch with status, who, when, duration, overrides and a Details button', () => {
    const items = [
      dispatch(3, { state: 'running', verdict: null, finishedAt: null }),
      dispatch(2, { actor: { kind: 'token', id: 'T1', name: 'ci-deploy' }, overrides: {} }),
      dispatch(1),
    ];
    const m = historyMessage({ items, offset: 0, total: 3, filters: {} }, '/job', NOW);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const text = allText(m.blocks);
    expect(text).toContain(':arrow_forward: Running');
    expect(text).toContain('running for 59m59s');
    expect(text).toContain(':white_check_mark: Succeeded in 1m12s · <@U0ALICE001> · <!date');
    expect(text).not.toContain('UTC> · 1m12s');
    expect(text).toContain('pipeline `ci-deploy`');
    expect(text).toContain('<!date^1772362800^{date_short_pretty} {time}|2026-03-01 11:00 UTC>');
    expect(text).toContain('Overrides: image (container main): perl:5.34 → perl:5.36');
    expect(text).toContain('_No overrides._');
    const details = buttons(m.blocks).filter((b) => b.action_id === ACTION_DISPATCH_DETAILS);
    expect(details.map((b) => b.value)).toEqual(['3', '2', '1']);
    expect(buttons(m.blocks).some((b) => ACTION_HISTORY_PAGE.test(b.action_id))).toBe(false);
  });

  it('pages with Previous and Next carrying the offset and the filters', () => {
    const items = Array.from({ length: HISTORY_PAGE_SIZE }, (_, i) => dispatch(80 - i));
    const m = historyMessage({ items, offset: 20, total: 100, filters }, '/job', NOW);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(30);
    const nav = buttons(m.blocks).filter((b) => ACTION_HISTORY_PAGE.test(b.action_id));
    expect(nav.map((b) => b.action_id)).toEqual([ACTION_HISTORY_PREV, ACTION_HISTORY_NEXT]);
    expect(nav.map((b) => decodeHistoryPage(b.value))).toEqual([
      { offset: 0, filters },
      { offset: 40, filters },
    ]);
    expect(allText(m.blocks)).toContain('21–40 of 100');
  });

  it('stays inside Slack limits with hostile names, 200 long overrides and too many items', () => {
    const items = Array.from({ length: 200 }, (_, i) => hostileDispatch(1000 - i));
    const hostileFilters = { name: HOSTILE + long(5000), user: HOSTILE, status: long(5000, '"') };
    const m = historyMessage({ items, offset: 40, total: 5000, filters: hostileFilters }, '/job', NOW);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThan(50);
    expect(buttons(m.blocks).filter((b) => b.action_id === ACTION_DISPATCH_DETAILS)).toHaveLength(
      HISTORY_PAGE_SIZE,
    );
    expectEscaped(m);
    for (const b of buttons(m.blocks).filter((b) => ACTION_HISTORY_PAGE.test(b.action_id))) {
      expect(b.value.length).toBeLessThanOrEqual(2000);
      expect(decodeHistoryPage(b.value)?.offset).toBeTypeOf('number');
    }
  });

  it('says when nothing matches and how to widen the filter', () => {
    const filtered = historyMessage({ items: [], offset: 0, total: 0, filters }, '/job', NOW);
    expect(validateMessageBlocks(filtered.blocks)).toEqual([]);
    expect(filtered.text).toContain('No dispatches of job');
    expect(filtered.text).toContain('`/job history` alone lists every dispatch');
    const none = historyMessage({ items: [], offset: 0, total: 0, filters: {} }, '/job', NOW);
    expect(none.text).toContain('Nothing has been dispatched yet');
    const hostile = historyMessage({ items: [], offset: 0, total: 0, filters: { name: HOSTILE } }, '/job');
    expect(validateMessageBlocks(hostile.blocks)).toEqual([]);
    expectEscaped(hostile);
  });

  it('offers the first page when the offset is past the end', () => {
    const m = historyMessage({ items: [], offset: 60, total: 12, filters }, '/job', NOW);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(decodeHistoryPage(buttons(m.blocks)[0]!.value)).toEqual({ offset: 0, filters });
  });
});

describe('history page values', () => {
  it('are compact JSON and round-trip', () => {
    expect(encodeHistoryPage(15, { name: 'a' })).toBe('{"o":15,"n":"a"}');
    expect(decodeHistoryPage(encodeHistoryPage(0, {}))).toEqual({ offset: 0, filters: {} });
  });

  it('refuse what is not a page', () => {
    for (const v of ['', 'x', '[]', '{"o":-1}', '{"o":1.5}', 'null'])
      expect(decodeHistoryPage(v)).toBeUndefined();
  });
});
