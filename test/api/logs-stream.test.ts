/**
 * GET /api/v1/dispatches/{n}/logs with a multi-megabyte stored log and a slow reader: the body is
 * complete, and the server streams it in chunks under back-pressure instead of buffering it (the
 * app runs in this process, so its heap is this process's heap).
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { api, createToken, define } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  define(h, PI_YAML);
});
afterAll(async () => {
  await h?.stop();
});

const LOG_BYTES = 8 * 1024 * 1024;

function bigLog(): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < LOG_BYTES; i++) {
    const line = `line ${String(i).padStart(8, '0')} ${'abcdefghij'.repeat(9)}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

// A collection before the baseline, so garbage from building the log does not hide the growth.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('streaming a large log', () => {
  it('sends a multi-megabyte log completely to a slow reader with bounded heap growth', async () => {
    const token = await createToken(h, 'ci-logs');
    const run = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', { token, body: { wait: 60 } });
    expect(run.json.finished).toBe(true);

    let text: string | undefined = bigLog();
    const expected = { bytes: Buffer.byteLength(text), sha: createHash('sha256').update(text).digest('hex') };
    const db = openDatabase(h.env.JOBBOT_DB!);
    try {
      new DispatchRepository(db).saveLog(
        run.json.number,
        {
          pod: 'big-pod',
          container: 'big',
          init: false,
          previous: false,
          originalBytes: expected.bytes,
          truncated: false,
          error: null,
          text,
        },
        new Date().toISOString(),
      );
    } finally {
      db.close();
    }
    text = undefined;
    gc();

    // heapUsed plus external: Node keeps large strings and every Buffer outside the V8 heap.
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const before = used();
    let peak = before;
    const res = await fetch(`${h.url}/api/v1/dispatches/${run.json.number}/logs?container=big`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const hash = createHash('sha256');
    let bytes = 0;
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.length;
      if (++reads % 8 === 0) await pause(2);
      // What the server retains mid-stream (collected first, so passing garbage does not count).
      if (reads % 64 === 0) {
        gc();
        peak = Math.max(peak, used());
      }
    }

    expect(bytes).toBe(expected.bytes);
    expect(hash.digest('hex')).toBe(expected.sha);
    expect(reads).toBeGreaterThan(64);
    expect(peak - before).toBeLessThan(3 * LOG_BYTES);
  });
});
