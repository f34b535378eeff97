/** The pipeline API's pure parts: job patterns, the rate limiter's bucket and actor attribution. */
import { describe, expect, it } from 'vitest';
import { describeActor } from '../../src/domain/actor.js';
import { RateLimiter } from '../../src/http/api/rate-limit.js';
import { globMatches, hashSecret } from '../../src/services/tokens.js';

describe('globMatches', () => {
  it.each([
    ['*', 'anything', true],
    ['deploy-*', 'deploy-web', true],
    ['deploy-*', 'predeploy-web', false],
    ['deploy-?', 'deploy-a', true],
    ['deploy-?', 'deploy-ab', false],
    ['a.b', 'axb', false],
  ])('%s against %s is %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });
});

describe('RateLimiter', () => {
  it('allows a burst of N, then refills at N per minute', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    const refused = limiter.take('a');
    expect(refused).toEqual({ ok: false, retryAfter: 30 });
    expect(limiter.take('b').ok).toBe(true);
    now = 30_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });
});

describe('token secrets and attribution', () => {
  it('hashes to hex SHA-256', () => {
    expect(hashSecret('jbt_x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the pipeline, its creator and the user it acted for, never markup from a label', () => {
    expect(
      describeActor({ kind: 'token', id: 'ci', name: 'ci', ownerId: 'U0ALICE001', onBehalfOf: 'U0BOB00001' }),
    ).toBe('pipeline `ci` (token created by <@U0ALICE001>) on behalf of <@U0BOB00001>');
    expect(describeActor({ kind: 'token', id: 'x', name: '<!here>', ownerId: '<!channel>' })).toBe(
      'pipeline `&lt;!here&gt;`',
    );
  });
});
