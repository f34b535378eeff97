import { describe, expect, it } from 'vitest';
import { ACTION_RERUN } from '../../src/slack/views/dispatch.js';
import {
  ACTION_DISPATCH_LOG,
  ALL_PODS,
  dispatchDetailsMessage,
  type LogSummary,
  MAX_LOG_BUTTONS,
} from '../../src/slack/views/dispatch-details.js';
import type { DispatchEvent } from '../../src/store/dispatches.js';
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

const log = (pod: string, container: string, extra: Partial<LogSummary> = {}): LogSummary => ({
  pod,
  container,
  previous: false,
  truncated: false,
  originalBytes: 2048,
  error: null,
  ...extra,
});
const events = (n: number, text = 'Pod started'): DispatchEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `e${i}`,
    at: new Date(Date.parse('2026-03-01T11:00:00Z') + i * 1000).toISOString(),
    text: `${text} ${i}`,
  }));

describe('dispatchDetailsMessage', () => {
  it('shows what ran, how it went, who started it from where, and a button per log', () => {
    const d = dispatch(7);
    const logs = [
      log('nightly-report-7-abc', 'main'),
      log('nightly-report-7-abc', 'main', { previous: true }),
    ];
    const m = dispatchDetailsMessage(d, events(3), logs, { definitionRevisionNow: 5, now: NOW });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const text = allText(m.blocks);
    for (const part of [
      ':white_check_mark: *Succeeded in 1m12s*',
      '<@U0ALICE001> in <#C0JOBS0001>',
      '`prod`',
      '`batch`',
      '`nightly-report-7`',
      'revision 3 (the job is now at revision 5)',
      'Overrides against revision 3 (the job is now at revision 5)',
      'image (container main): perl:5.34 → perl:5.36',
      '`main`: `perl:5.36` runs `perl -e print 1` · env API_TOKEN',
      'Pod started 2',
      '1m12s',
    ])
      expect(text).toContain(part);
    expect(text).not.toContain('super-secret-value');
    const logButtons = buttons(m.blocks).filter((b) => b.action_id === ACTION_DISPATCH_LOG);
    expect(logButtons.map((b) => JSON.parse(b.value))).toEqual([
      { n: 7, pod: 'nightly-report-7-abc', container: 'main', previous: false },
      { n: 7, pod: 'nightly-report-7-abc', container: 'main', previous: true },
    ]);
    expect(buttons(m.blocks).find((b) => b.action_id === ACTION_RERUN)?.value).toBe('7');
  });

  it('shows the start error, a pipeline dispatcher and no logs yet', () => {
    const d = dispatch(8, {
      state: 'failed_to_start',
      verdict: null,
      error: 'namespaces "batch" not found',
      startedAt: null,
      actor: { kind: 'token', id: 'T1', name: 'ci', ownerId: 'U0OWNER001' },
      sourceChannel: null,
      spec: {},
    });
    const m = dispatchDetailsMessage(d, [], [], { now: NOW });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const text = allText(m.blocks);
    expect(text).toContain('*Could not start:* namespaces \\"batch\\" not found');
    expect(text).toContain('pipeline `ci` (token created by <@U0OWNER001>) through the API');
    expect(text).toContain('The Job has not been rendered yet');
    expect(text).toContain('No timeline events yet');
  });

  it('says the logs were pruned and offers no log buttons', () => {
    const d = dispatch(9, { logsPrunedAt: '2026-04-01T00:00:00.000Z' });
    const m = dispatchDetailsMessage(d, events(2), [log('p', 'main')], {});
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(allText(m.blocks)).toContain('Logs pruned');
    expect(buttons(m.blocks).filter((b) => b.action_id === ACTION_DISPATCH_LOG)).toEqual([]);
  });

  it('groups many pods by container, at most 20 buttons, then points at /job logs', () => {
    const logs = Array.from({ length: 30 }, (_, c) =>
      Array.from({ length: 20 }, (_, p) => log(`pod-${p}`, `c${c}`, { truncated: p === 0 })),
    ).flat();
    const m = dispatchDetailsMessage(dispatch(10), events(150), logs, { now: NOW });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const logButtons = buttons(m.blocks).filter((b) => b.action_id === ACTION_DISPATCH_LOG);
    expect(logButtons).toHaveLength(MAX_LOG_BUTTONS);
    expect(JSON.parse(logButtons[0]!.value)).toEqual({
      n: 10,
      pod: ALL_PODS,
      container: 'c0',
      previous: false,
    });
    const text = allText(m.blocks);
    expect(text).toContain('10 more containers');
    expect(text).toContain('`/job logs 10 CONTAINER`');
    expect(text).toContain('the latest 20 of 150 events');
    expect(text).toContain('Pod started 149');
    expect(text).not.toContain('Pod started 129');
  });

  it('stays inside Slack limits however hostile the record', () => {
    const container = (i: number) => ({
      name: `${HOSTILE}${i}${long(300)}`,
      image: `${HOSTILE}${long(3000)}`,
      command: [long(5000)],
      args: Array.from({ length: 200 }, () => HOSTILE),
      env: Array.from({ length: 300 }, (_, e) => ({ name: `${HOSTILE}${e}`, value: 'secret' })),
      envFrom: [{}],
    });
    const d = hostileDispatch(11, {
      spec: {
        spec: {
          template: { spec: { initContainers: [container(0)], containers: [1, 2, 3].map(container) } },
        },
      },
      sourceChannel: `${HOSTILE}`,
      cancelRequested: true,
      finishedAt: null,
    });
    const logs = Array.from({ length: 19 }, (_, i) =>
      log(`${HOSTILE}${long(3000)}`, `${HOSTILE}${i}${long(300)}`, { error: `${HOSTILE}${long(3000)}` }),
    );
    const m = dispatchDetailsMessage(d, events(40, `${HOSTILE}${long(2000)}`), logs, {
      definitionRevisionNow: 99,
      now: NOW,
    });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThan(50);
    expectEscaped(m);
    expect(allText(m.blocks)).not.toContain('secret');
    // Values too long for a button lose the button, never their meaning.
    for (const b of buttons(m.blocks)) expect(() => JSON.parse(b.value)).not.toThrow();
  });
});
