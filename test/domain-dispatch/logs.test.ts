import { describe, expect, it } from 'vitest';
import {
  capLog,
  escapeMrkdwn,
  logTail,
  normalizeLog,
  SLACK_SECTION_MAX,
  slackLogSnippet,
  stripAnsi,
} from '../../src/domain/dispatch/index.js';

const ESC = '\u001b';
const lines = (n: number, width = 10) =>
  Array.from({ length: n }, (_, i) => `line ${String(i + 1).padStart(width - 5, '0')}`).join('\n');

describe('stripAnsi and normalizeLog', () => {
  it('removes colours, cursor moves and hyperlinks, keeping the text', () => {
    expect(
      stripAnsi(
        `${ESC}[1;31mError${ESC}[0m: ${ESC}[2Kdone ${ESC}]8;;https://x.dev${ESC}\\link${ESC}]8;;\u0007`,
      ),
    ).toBe('Error: done link');
    expect(stripAnsi('plain [not an escape] text')).toBe('plain [not an escape] text');
  });

  it('keeps what a terminal would show of progress bars and CRLF lines', () => {
    expect(normalizeLog('a\r\nb\r\n10%\r50%\r100%\ndone\u0000\u0007\tend')).toBe('a\nb\n100%\ndone\tend');
  });
});

describe('logTail', () => {
  it('keeps the whole log when it fits', () => {
    expect(logTail('a\nb\n', { maxChars: 100, maxLines: 10 })).toEqual({
      text: 'a\nb',
      omittedLines: 0,
      lineShortened: false,
    });
  });

  it('keeps whole lines from the end within both limits and says what was cut', () => {
    expect(logTail(lines(1000), { maxChars: 10_000, maxLines: 3 })).toEqual({
      text: 'line 00998\nline 00999\nline 01000',
      omittedLines: 997,
      lineShortened: false,
      note: '997 earlier lines not shown.',
    });
    const byChars = logTail(lines(5000), { maxChars: 25, maxLines: 100 });
    expect(byChars.text).toBe('line 04999\nline 05000');
    expect(byChars.note).toBe('4,998 earlier lines not shown.');
  });

  it('shortens a last line that alone is too long, from its start', () => {
    expect(logTail(`first\n${'x'.repeat(50)}END`, { maxChars: 10, maxLines: 5 })).toEqual({
      text: '…xxxxxxEND',
      omittedLines: 1,
      lineShortened: true,
      note: '1 earlier line not shown; the last line is shortened to its end.',
    });
  });
});

describe('capLog', () => {
  it('keeps a log within the cap as it is', () => {
    expect(capLog('hello\n', 100)).toEqual({ text: 'hello\n', truncated: false, originalBytes: 6 });
    expect(capLog(new TextEncoder().encode('héllo'), 100)).toEqual({
      text: 'héllo',
      truncated: false,
      originalBytes: 6,
    });
  });

  it('keeps head and tail at line ends with a marker of the bytes dropped', () => {
    const log = `${lines(10_000)}\n`;
    const result = capLog(log, 1000);
    const bytes = new TextEncoder().encode(result.text).length;
    expect(result.truncated).toBe(true);
    expect(result.originalBytes).toBe(110_000);
    expect(bytes).toBeLessThanOrEqual(1000);
    expect(bytes).toBeGreaterThan(900);
    const [head, tail] = result.text.split(/\[… [\d,]+ bytes dropped …\]\n/);
    expect(head!.startsWith('line 00001\n')).toBe(true);
    expect(head!.endsWith('\n')).toBe(true);
    expect(tail!.endsWith('line 10000\n')).toBe(true);
    expect(tail!.startsWith('line ')).toBe(true);
    const dropped = Number(/\[… ([\d,]+) bytes dropped/.exec(result.text)![1]!.replaceAll(',', ''));
    expect(dropped + new TextEncoder().encode(head! + tail!).length).toBe(110_000);
  });

  it('never splits a UTF-8 character when there is no line end to cut at', () => {
    const text = '€'.repeat(10_000);
    for (const cap of [64, 65, 66, 999, 1000, 1001]) {
      const result = capLog(text, cap);
      expect(result.text).not.toContain('\uFFFD');
      expect(new TextEncoder().encode(result.text).length).toBeLessThanOrEqual(cap);
      expect(result.text).toMatch(/^€+\n\[… [\d,]+ bytes dropped …\]\n€+$/);
    }
  });

  it('refuses a cap too small to hold the marker', () => {
    expect(() => capLog('x'.repeat(100), 10)).toThrow(RangeError);
  });
});

describe('slackLogSnippet', () => {
  it('puts a short log in a code block as it is, escaped', () => {
    expect(slackLogSnippet(`${ESC}[32m3.14159 & <pi>${ESC}[0m\n`)).toEqual({
      text: '```\n3.14159 &amp; &lt;pi&gt;\n```',
      omittedLines: 0,
      empty: false,
    });
  });

  it('says so when there is no output', () => {
    expect(slackLogSnippet('\n\n')).toEqual({ text: '_No output._', omittedLines: 0, empty: true });
  });

  it('breaks backtick fences inside the log', () => {
    const { text } = slackLogSnippet('```\ncode\n```');
    expect(text.slice(4, -4)).not.toContain('```');
    expect(escapeMrkdwn('a ``` b')).toBe('a `\u200b`\u200b` b');
  });

  it('fits a Slack section however long the log and whatever it must escape', () => {
    for (const log of [lines(100_000), '<&>'.repeat(10_000), `${'<'.repeat(5000)}\n${'&'.repeat(5000)}`]) {
      const snippet = slackLogSnippet(log, { maxLines: 1000 });
      expect(snippet.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
      expect(snippet.text).toMatch(/```$/);
      expect(snippet.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });

  it('notes the lines left out above the block', () => {
    const snippet = slackLogSnippet(lines(100), { maxLines: 2 });
    expect(snippet).toEqual({
      text: '_98 earlier lines not shown._\n```\nline 00099\nline 00100\n```',
      omittedLines: 98,
      empty: false,
    });
    expect(slackLogSnippet(lines(100), { maxChars: 120 }).text.length).toBeLessThanOrEqual(120);
  });
});
