import { describe, expect, it } from 'vitest';
import {
  ACTION_DISPATCH_LOG_CONTAINER,
  ALL_CONTAINERS,
  chooseContainerMessage,
  logSnippetMessage,
  MAX_CONTAINER_BUTTONS,
} from '../../src/slack/views/logs.js';
import type { StoredLog } from '../../src/store/dispatches.js';
import { validateMessageBlocks } from '../support/slack/index.js';
import { allText, buttons, dispatch, expectEscaped, HOSTILE, hostileDispatch, long } from './fixtures.js';

const stored = (extra: Partial<StoredLog> = {}): StoredLog => ({
  pod: 'nightly-report-7-abc',
  container: 'main',
  init: false,
  previous: false,
  originalBytes: 12,
  truncated: false,
  error: null,
  text: 'hello\nworld\n',
  ...extra,
});

describe('logSnippetMessage', () => {
  it('shows the tail in a code block and mentions the file', () => {
    const m = logSnippetMessage(dispatch(7), stored());
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const text = allText(m.blocks);
    expect(text).toContain('```\\nhello\\nworld\\n```');
    expect(text).toContain('The whole stored log is in the file below.');
    expect(text).not.toContain('capped');
  });

  it('says how much of a capped log was kept, and stays inside limits for a hostile log', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `${i} ${HOSTILE}${long(500)}`).join('\n');
    const log = stored({
      pod: `${HOSTILE}${long(3000)}`,
      container: `${HOSTILE}${long(3000)}`,
      init: true,
      previous: true,
      text: lines,
      truncated: true,
      originalBytes: 50 * 1024 * 1024,
    });
    const m = logSnippetMessage(hostileDispatch(8), log);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expectEscaped(m);
    const text = allText(m.blocks);
    expect(text).toContain('The log was 50.0 MB; Jobbot kept');
    expect(text).toContain('earlier lines not shown');
    expect(text).toContain('(init container)');
    expect(text).toContain('previous run');
  });

  it('says when the log could not be read', () => {
    const m = logSnippetMessage(dispatch(9), stored({ text: '', error: `pod gone ${HOSTILE}${long(5000)}` }));
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expectEscaped(m);
    expect(allText(m.blocks)).toContain('Could not read this log: pod gone');
    expect(allText(m.blocks)).not.toContain('file below');
  });

  it('says when a readable log is empty', () => {
    const m = logSnippetMessage(dispatch(9), stored({ text: '' }));
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(allText(m.blocks)).toContain('_No output._');
  });
});

describe('chooseContainerMessage', () => {
  it('offers a button per container and All', () => {
    const m = chooseContainerMessage(dispatch(7), ['setup', 'main', 'sidecar', 'main']);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const choices = buttons(m.blocks);
    expect(choices.every((b) => b.action_id === ACTION_DISPATCH_LOG_CONTAINER)).toBe(true);
    expect(choices.map((b) => JSON.parse(b.value))).toEqual([
      { n: 7, container: 'setup' },
      { n: 7, container: 'main' },
      { n: 7, container: 'sidecar' },
      { n: 7, container: ALL_CONTAINERS },
    ]);
    expect(choices.at(-1)?.text).toBe('All');
  });

  it('caps the buttons and points at /job logs for the rest, whatever the names', () => {
    const names = Array.from({ length: 60 }, (_, i) => `${HOSTILE}${i}${long(i % 2 ? 100 : 3000)}`);
    const m = chooseContainerMessage(hostileDispatch(8), names);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expectEscaped(m);
    expect(buttons(m.blocks).length).toBeLessThanOrEqual(MAX_CONTAINER_BUTTONS + 1);
    expect(allText(m.blocks)).toContain('40 more containers: `/job logs 8 CONTAINER`');
  });

  it('says when there is nothing to choose from', () => {
    const m = chooseContainerMessage(dispatch(7), []);
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text).toContain('has no container logs');
  });
});
