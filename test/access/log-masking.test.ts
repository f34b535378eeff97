/** pino's output goes through the policy's masks: in messages and in logged objects alike. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/domain/policy/index.js';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('log masking', () => {
  it('masks secrets in messages, nested objects and errors', () => {
    const { lines, stream } = capture();
    const masker = createMasker(['sekrit-[a-z0-9]+']);
    const log = createLogger('info', stream, () => masker);
    log.info(
      { request: { env: [{ name: 'DB_PASSWORD', value: 'hunter2' }], note: 'sekrit-abc1' } },
      'token xoxb-1234-5678-abcdefgh',
    );
    log.error({ err: new Error('failed with ghp_0123456789abcdefghijklmnopqrstuvwxyz') }, 'oops');
    const out = lines.join('\n');
    for (const secret of ['hunter2', 'sekrit-abc1', 'xoxb-1234-5678-abcdefgh', 'ghp_0123456789'])
      expect(out).not.toContain(secret);
    expect(out).toContain('DB_PASSWORD');
    expect(out).toContain('oops');
  });
});
