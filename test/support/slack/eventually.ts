// Polls an assertion until it passes: the app answers Slack first (ack) and calls the Web API or the
// response_url afterwards, so tests wait for the effect. Generous timeout for loaded 2-core machines.

import { vi } from 'vitest';

export function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  return vi.waitFor(assertion, { timeout: timeoutMs, interval: 20 });
}
