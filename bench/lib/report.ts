/** What each section hands back: rows for the printed table and everything measured, for the JSON. */

export interface Row {
  section: string;
  measure: string;
  result: string;
  target?: string;
  /** undefined when the row has no target. */
  met?: boolean;
}

export interface SectionResult {
  name: string;
  rows: Row[];
  data: Record<string, unknown>;
  seconds?: number;
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'never' : 'n/a';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function table(rows: readonly Row[]): string {
  const head = ['Section', 'Measure', 'Result', 'Target', 'Met'];
  const cells = rows.map((r) => [
    r.section,
    r.measure,
    r.result,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** JSON without losing Infinity ("never within the run") or NaN. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}
