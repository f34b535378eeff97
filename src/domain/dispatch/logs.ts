/**
 * Container logs cut down to what fits where they go: `capLog` bounds what Jobbot stores or uploads
 * (head and tail, a marker line in between), `logTail` keeps the last whole lines for a glance, and
 * `slackLogSnippet` makes a Slack section of them: a code block of at most 3000 characters after
 * escaping & < > (Slack counts the escaped text) with a note of what was left out above it.
 */
import { type CappedLog, LogWindow } from './log-window.js';

export type { CappedLog } from './log-window.js';

export interface LogTail {
  text: string;
  omittedLines: number;
  /** The one line kept was longer than the room and lost its beginning. */
  lineShortened: boolean;
  /** What was cut, as a sentence; undefined when nothing was. */
  note?: string;
}

/** A Slack section's text limit. */
export const SLACK_SECTION_MAX = 3000;
const FENCE_OPEN = '```\n';
const FENCE_CLOSE = '\n```';
/** Room kept for the note line (`_…_\n`) when a log does not fit whole. */
const NOTE_ROOM = 100;
const MIN_SNIPPET = NOTE_ROOM + 20;

// ECMA-48 escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) ended by BEL or ST,
// and the two-character ones. Log viewers and Slack show them as garbage.
const ANSI =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control codes is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\n]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Text as a terminal would have shown it: CRLF ends a line, a lone CR (progress bars) returns to the
 * start so only what was written last remains, and other control characters except tab are dropped.
 */
export function normalizeLog(text: string): string {
  return (
    stripAnsi(text)
      .replace(/\r+\n/g, '\n')
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf('\r') + 1))
      .join('\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
  );
}

export function logTail(text: string, limits: { maxChars: number; maxLines: number }): LogTail {
  return tailBy(text, limits.maxLines, limits.maxChars, (s) => s.length);
}

/**
 * The head and tail of a log within `capBytes` of UTF-8, cut at line ends where one is near, with a
 * line saying how many bytes were dropped (see LogWindow, which also does this for a log that
 * streams past). Bytes that are not UTF-8 come out as U+FFFD.
 */
export function capLog(input: string | Uint8Array, capBytes: number): CappedLog {
  const kept = new LogWindow(capBytes);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (typeof input === 'string' && bytes.length <= capBytes)
    return { text: input, truncated: false, originalBytes: bytes.length };
  kept.push(bytes);
  return kept.result();
}

/**
 * Mrkdwn for one Slack section: the end of the log in a code block, `&`, `<` and `>` escaped and
 * runs of backticks broken (a ``` inside would close the block), preceded by an italic note when
 * lines were left out. Never longer than `maxChars` (at least 120; Slack's 3000 when left out).
 */
export function slackLogSnippet(
  text: string,
  options: { maxLines?: number; maxChars?: number } = {},
): { text: string; omittedLines: number; empty: boolean } {
  const maxLines = options.maxLines ?? 40;
  const maxChars = Math.min(options.maxChars ?? SLACK_SECTION_MAX, SLACK_SECTION_MAX);
  if (maxChars < MIN_SNIPPET) throw new RangeError(`maxChars must be at least ${MIN_SNIPPET}`);
  const clean = normalizeLog(text).replace(/\n+$/, '');
  if (clean.trim() === '') return { text: '_No output._', omittedLines: 0, empty: true };
  const fences = FENCE_OPEN.length + FENCE_CLOSE.length;
  const cost = (s: string) => escapeMrkdwn(s).length;
  let tail = tailBy(clean, maxLines, maxChars - fences, cost);
  if (tail.note !== undefined) tail = tailBy(clean, maxLines, maxChars - fences - NOTE_ROOM, cost);
  const note = tail.note === undefined ? '' : `_${tail.note}_\n`;
  return {
    text: `${note}${FENCE_OPEN}${escapeMrkdwn(tail.text)}${FENCE_CLOSE}`,
    omittedLines: tail.omittedLines,
    empty: false,
  };
}

/** Slack's three escapes, and a zero-width space between backticks so no ``` can form. */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`(?=`)/g, '`\u200b');
}

function tailBy(text: string, maxLines: number, maxCost: number, cost: (s: string) => number): LogTail {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < maxLines; i--) {
    const add = cost(lines[i]!) + (kept.length > 0 ? 1 : 0);
    if (used + add > maxCost) break;
    kept.unshift(lines[i]!);
    used += add;
  }
  let lineShortened = false;
  if (kept.length === 0 && lines.length > 0 && maxLines > 0) {
    kept.push(`…${suffixWithin(lines.at(-1)!, maxCost - 1, cost)}`);
    lineShortened = true;
  }
  const omittedLines = lines.length - kept.length;
  const result: LogTail = { text: kept.join('\n'), omittedLines, lineShortened };
  const parts: string[] = [];
  if (omittedLines > 0)
    parts.push(`${count(omittedLines)} earlier ${omittedLines === 1 ? 'line' : 'lines'} not shown`);
  if (lineShortened) parts.push('the last line is shortened to its end');
  if (parts.length > 0) result.note = `${capitalize(parts.join('; '))}.`;
  return result;
}

/** The longest end of `line` whose cost fits; cost grows with length, so a binary search finds it. */
function suffixWithin(line: string, budget: number, cost: (s: string) => number): string {
  const chars = Array.from(line);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (cost(chars.slice(chars.length - mid).join('')) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(chars.length - lo).join('');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
