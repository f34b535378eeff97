/**
 * What `jobbot import` prints: one line per file (`file:line:` for problems, as compilers print them,
 * so editors and CI annotations find the place), the changes under an updated job, then a summary.
 */
import type { Writable } from 'node:stream';
import type { FieldError } from '../domain/definition/index.js';
import { plural } from './io.js';

export type ImportResult =
  | { status: 'created'; name: string; revision: number; cluster: string; namespace: string }
  | { status: 'updated'; name: string; revision: number; changes: string[] }
  | { status: 'unchanged'; name: string; revision: number }
  | { status: 'invalid'; errors: FieldError[] };

export type ImportOutcome = { file: string } & ImportResult;

const WIDTH = 'unchanged'.length;

export function reportLines(o: ImportOutcome): string[] {
  const label = o.status.padEnd(WIDTH);
  switch (o.status) {
    case 'created':
      return [`${label} ${o.file}: ${o.name} on cluster ${o.cluster}, namespace ${o.namespace}`];
    case 'updated':
      return [
        `${label} ${o.file}: ${o.name}, revision ${o.revision}`,
        ...o.changes.map((c) => `${' '.repeat(WIDTH)}   ${c}`),
      ];
    case 'unchanged':
      return [`${label} ${o.file}: ${o.name}, revision ${o.revision}`];
    case 'invalid':
      return o.errors.map(
        (e) => `${label} ${o.file}${e.line ? `:${e.line}` : ''}: ${e.path ? `${e.path}: ` : ''}${e.message}`,
      );
  }
}

export function writeReport(out: Writable, outcomes: ImportOutcome[], dryRun: boolean): void {
  for (const o of outcomes) out.write(`${reportLines(o).join('\n')}\n`);
  const count = (s: ImportOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const parts = (['created', 'updated', 'unchanged', 'invalid'] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${s}`);
  let summary = `${plural(outcomes.length, 'file', 'files')}: ${parts.join(', ')}.`;
  if (dryRun) summary += ' Dry run: nothing was saved.';
  else if (count('invalid') > 0) summary += ' The invalid files saved nothing: fix them and import again.';
  out.write(`${summary}\n`);
}
