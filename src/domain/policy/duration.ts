/**
 * Durations as people write them in the policy file: one or more number-and-unit pairs, `90s`, `30m`,
 * `2h`, `1d`, `1w`, `1h30m`. A bare number is refused: `3600` could mean seconds or minutes.
 */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d{1,9}[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/** Seconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(PART)) seconds += Number(amount) * (UNITS[unit!] ?? 0);
  return seconds;
}

/** `5400` → `1h 30m`: the largest units, at most two, for messages. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let left = Math.max(0, Math.round(seconds));
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (left >= size && parts.length < 2) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}
