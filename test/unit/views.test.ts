import { describe, expect, it } from 'vitest';
import { clip, escapeMrkdwn } from '../../src/slack/views/blocks.js';
import { errorMessage, helpMessage, unknownSubcommandMessage } from '../../src/slack/views/help.js';
import { validateMessageBlocks } from '../support/slack/index.js';

describe('help views', () => {
  it('stay inside Slack limits even with long, hostile text', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      usage: `sub${i} ${'<x>'.repeat(400)}`,
      summary: 's'.repeat(4000),
    }));
    const help = helpMessage('/job', many, ['n'.repeat(5000)]);
    expect(validateMessageBlocks(help.blocks)).toEqual([]);
    expect(
      validateMessageBlocks(unknownSubcommandMessage('/job', 'y'.repeat(5000), undefined).blocks),
    ).toEqual([]);
    expect(validateMessageBlocks(errorMessage('e'.repeat(5000)).blocks)).toEqual([]);
  });

  it('escapes mrkdwn control characters and clips visibly', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });
});
