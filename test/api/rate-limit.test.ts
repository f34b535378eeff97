/** Per-token rate limiting of the pipeline API, with a low limit so the test stays short. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { api, createToken } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { JOBBOT_API_RATE_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await h?.stop();
});

describe('rate limits', () => {
  it('answer 429 with Retry-After once a token exceeds its requests per minute, per token', async () => {
    const first = await createToken(h, 'ci-busy');
    const other = await createToken(h, 'ci-quiet');
    for (let i = 0; i < 3; i++)
      expect((await api(h, 'GET', '/api/v1/jobs', { token: first })).status).toBe(200);
    const limited = await api(h, 'GET', '/api/v1/jobs', { token: first });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(h, 'GET', '/api/v1/jobs', { token: other })).status).toBe(200);
  });
});
