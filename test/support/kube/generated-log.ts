/**
 * A container log of any size that the emulator never holds in memory, for benchmarks of log capture
 * (100 MB and more). Printing that much with `behaviours.print` would keep every line as an object in
 * the emulator and render the whole log as one string per read; here each line is computed from its
 * index when pods/log is read, and streamed in chunks under back-pressure.
 *
 *   kube.behave({ job: /^biglog/ }, { steps: [generateLog(100 * 1024 * 1024), { kind: 'exit', code: 0 }] });
 *
 * Line i (from 0) is its number in 12 digits, a space and filler, LINE_BYTES bytes with its newline;
 * the last line is cut so that the log is exactly `bytes` long. The whole output of the run counts as
 * written at the instant the step ran. Reads honour limitBytes, tailLines, sinceSeconds/sinceTime and
 * timestamps; `follow` gets the whole log and the end of the stream (it is complete at once).
 */

import type { Ctx } from './http.js';
import { type ContainerRunLog, type LogQuery, rfc3339Nano } from './logs.js';

export interface GenerateStep {
  kind: 'generate';
  bytes: number;
}

export const LINE_BYTES = 100;
const CHUNK_BYTES = 64 * 1024;
const FILLER = 'abcdefghijklmnopqrstuvwxyz'.repeat(4).slice(0, LINE_BYTES - 14);

/** A step that prints exactly `bytes` bytes of numbered lines. */
export function generateLog(bytes: number): GenerateStep {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError('bytes must be a whole number');
  return { kind: 'generate', bytes };
}

/** Line `i` of a generated log, without its newline (what a full-length line holds). */
export function generatedLine(i: number): string {
  return `${String(i).padStart(12, '0')} ${FILLER}`;
}

interface Generated {
  bytes: number;
  at: number;
}

const generated = new WeakMap<ContainerRunLog, Generated>();

/** Called by the container runtime when a `generate` step runs; a second step extends the log. */
export function attachGenerated(run: ContainerRunLog, step: GenerateStep, at: number): void {
  const before = generated.get(run);
  generated.set(run, { bytes: (before?.bytes ?? 0) + step.bytes, at });
}

export function isGenerated(run: ContainerRunLog): boolean {
  return generated.has(run);
}

/**
 * Answers a pods/log read of a generated run and returns true; false for an ordinary run, which the
 * caller then serves from its lines.
 */
export function serveGenerated(ctx: Ctx, run: ContainerRunLog, query: LogQuery): boolean {
  const g = generated.get(run);
  if (!g) return false;
  ctx.record.status = 200;
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  void stream(ctx, g, query).catch(() => ctx.res.destroy());
  return true;
}

async function stream(ctx: Ctx, g: Generated, q: LogQuery): Promise<void> {
  const { res } = ctx;
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const lines = Math.ceil(g.bytes / LINE_BYTES);
  const visible = q.sinceMs === undefined || g.at >= q.sinceMs;
  const first = !visible ? lines : q.tailLines === undefined ? 0 : Math.max(0, lines - q.tailLines);
  const prefix = q.timestamps ? `${rfc3339Nano(g.at)} ` : '';
  let budget = q.limitBytes ?? Number.POSITIVE_INFINITY;
  let parts: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    let buf = Buffer.from(parts.join(''), 'latin1');
    parts = [];
    size = 0;
    if (buf.length > budget) buf = buf.subarray(0, budget);
    budget -= buf.length;
    if (!res.write(buf) && !closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.once('drain', done).once('close', done);
      });
    }
  };
  for (let i = first; i < lines && budget > 0 && !closed; i++) {
    const last = i === lines - 1;
    const length = last ? g.bytes - i * LINE_BYTES : LINE_BYTES;
    const line = `${generatedLine(i).slice(0, length - 1)}\n`;
    parts.push(prefix, line);
    size += prefix.length + line.length;
    if (size >= CHUNK_BYTES) await flush();
  }
  if (size > 0 && budget > 0 && !closed) await flush();
  res.end();
}
