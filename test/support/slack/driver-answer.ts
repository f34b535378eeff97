// A slash command's visible answer. Slack shows the ack body when it has one; an app that acks empty
// (Jobbot does, to answer within Slack's 3 s however busy it is) answers afterwards through the
// command's response_url. `answer()` returns whichever came, waiting for the post.

import type { ActionSource } from './driver-payloads.js';
import type { DriverResponse } from './driver-transport.js';
import type { SlackState, StoredEphemeral, StoredMessage } from './state.js';
import type { SlackEmulator } from './web-api.js';

export interface SlashAnswer {
  /** The ack body, or the body of the first post to the command's response_url. */
  body: Record<string, unknown>;
  /** `body.text`, or '' without one. */
  text: string;
  /** The message or ephemeral it made, to click its buttons. */
  reply: ActionSource;
  via: 'ack' | 'response_url';
}

const NEVER = () => false;

/** How long `answer()` waits for a post by default: generous for loaded 2-core machines. */
export const ANSWER_TIMEOUT_MS = 10_000;

export interface AnswerOptions {
  /** How long to wait for a post (default 10 s). */
  timeoutMs?: number;
  /** A modal opened with the command's trigger_id is an answer too: `answer()` resolves undefined. */
  orModal?: boolean;
}

/** `answer()` of one slash command the driver sent. */
export function slashAnswer(
  emulator: SlackEmulator,
  sent: {
    /** The command as typed, for messages. */
    what: string;
    res: DriverResponse;
    /** What its ack body made, if it had one. */
    recorded: StoredEphemeral | StoredMessage | undefined;
    triggerId: string;
    responseUrl: string;
  },
): (o?: AnswerOptions) => Promise<SlashAnswer | undefined> {
  const { what, res, recorded, triggerId, responseUrl } = sent;
  const opened = () =>
    emulator
      .callsTo('views.open')
      .some((c) => c.args.trigger_id === triggerId && (c.response as { ok?: boolean }).ok === true);
  return async (o = {}) => {
    if (res.status !== 200) throw new Error(`the app answered ${what} with HTTP ${res.status}`);
    if (recorded && res.ack)
      return { body: res.ack, text: textOf(res.ack), reply: sourceOf(recorded), via: 'ack' };
    const timeoutMs = o.timeoutMs ?? ANSWER_TIMEOUT_MS;
    return responseUrlAnswer(emulator.state, responseUrl, what, timeoutMs, o.orModal ? opened : undefined);
  };
}

/**
 * The first post to `responseUrl`, or undefined once `opened()` says a modal was opened instead;
 * fails if neither comes within `timeoutMs`, or Slack refused the post.
 */
export async function responseUrlAnswer(
  state: SlackState,
  responseUrl: string,
  what: string,
  timeoutMs: number,
  opened: () => boolean = NEVER,
): Promise<SlashAnswer | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (opened()) return undefined;
    const post = state.responses.find((r) => r.url === responseUrl);
    if (post) {
      if (post.status !== 200 || !post.posted)
        throw new Error(
          `Slack refused the answer to ${what} posted to its response_url (${post.status} ${post.error ?? ''}): ${JSON.stringify(post.body).slice(0, 500)}`,
        );
      const body = post.body as Record<string, unknown>;
      return { body, text: textOf(body), reply: sourceOf(post.posted), via: 'response_url' };
    }
    if (Date.now() >= deadline)
      throw new Error(
        `no answer to ${what} within ${timeoutMs} ms: its ack was empty and nothing was posted to its response_url${opened === NEVER ? '' : ', nor was a modal opened'}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sourceOf(reply: StoredEphemeral | StoredMessage): ActionSource {
  return 'message_ts' in reply ? reply : { channel: reply.channel, ts: reply.ts };
}

function textOf(body: Record<string, unknown>): string {
  return typeof body.text === 'string' ? body.text : '';
}
