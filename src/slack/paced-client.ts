/**
 * The outboxes' Web API client: every call (messages, updates, the steps of an upload, the look-ups
 * of an entry in doubt) waits for its allowance from the shared pacer, and a 429 blocks the method
 * (and channel) that drew it for its Retry-After. The delivery loop asks the same pacer before it
 * picks an entry (see delivery-loop.ts), so this wait is rarely more than a safety net.
 */
import { webApi } from '@slack/bolt';
import type { SlackPacer } from './pacing.js';

export class PacedWebClient extends webApi.WebClient {
  readonly #pacer: SlackPacer;

  constructor(token: string, options: webApi.WebClientOptions, pacer: SlackPacer) {
    super(token, options);
    this.#pacer = pacer;
  }

  override async apiCall(
    method: string,
    options: Record<string, unknown> = {},
  ): Promise<webApi.WebAPICallResult> {
    const channel = typeof options.channel === 'string' ? options.channel : undefined;
    await this.#pacer.take(method, channel);
    try {
      return await super.apiCall(method, options);
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      if (e.code === webApi.ErrorCode.RateLimitedError)
        this.#pacer.limited(method, channel, Math.max(1, e.retryAfter ?? 1) * 1000);
      throw err;
    }
  }
}
