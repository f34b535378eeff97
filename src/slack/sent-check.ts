/**
 * Whether Slack already holds a message or file from an earlier attempt whose outcome Jobbot never
 * learnt (an outbox entry "in doubt", see delivery-loop.ts). Every message the outbox posts carries
 * message metadata naming its entry, which conversations.history and conversations.replies return
 * with include_all_metadata. A file is shared only by files.completeUploadExternal, and its id is
 * recorded before that call, so files.info tells whether the share happened.
 *
 * When Slack refuses to answer for good (a missing history scope, a channel the bot cannot read), the
 * check says "not there" and the message is sent again: at-least-once then, and logged as such.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { slackError } from './delivery-loop.js';

export const MARKER_EVENT = 'jobbot_outbox';

export interface MessageMarker {
  event_type: string;
  event_payload: { key: string };
}

export function markerFor(key: string): MessageMarker {
  return { event_type: MARKER_EVENT, event_payload: { key } };
}

/**
 * chat.postMessage carrying the marker `key`, so that SentCheck can find it if its outcome is lost.
 * Returns where Slack put it (a user id as `channel` posts into a DM, whose id differs).
 */
export async function postMarked(
  client: webApi.WebClient,
  channel: string,
  threadTs: string | undefined,
  content: { text: string; blocks?: unknown },
  key: string,
): Promise<{ channel: string; ts: string | null }> {
  const res = await client.chat.postMessage({
    channel,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...content,
    metadata: markerFor(key),
    unfurl_links: false,
  } as never);
  return { channel: res.channel ?? channel, ts: res.ts ?? null };
}

/** Errors that retrying the lookup cannot fix; anything else is thrown so the delivery retries. */
const CANNOT_LOOK = new Set([
  'missing_scope',
  'not_in_channel',
  'channel_not_found',
  'thread_not_found',
  'not_allowed_token_type',
  'access_denied',
  'invalid_arguments',
]);

/** Clock skew allowed between Jobbot's clock (the entry's time) and Slack's (message ts). */
const SKEW_S = 300;

interface Listed {
  messages?: { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

export class SentCheck {
  #warned = false;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    /** Pages of 200 messages looked through at most. */
    private readonly pages = 5,
  ) {}

  /**
   * An outbox entry's chat.postMessage marked `key`, unless the entry is in doubt and an earlier
   * attempt's message is found (posted after `entry.createdAt`): then that one's place.
   */
  async postOnce(
    entry: { inDoubt: boolean; createdAt: string },
    channel: string,
    threadTs: string | undefined,
    content: { text: string; blocks?: unknown },
    key: string,
  ): Promise<{ channel: string; ts: string | null }> {
    if (entry.inDoubt) {
      const found = await this.findMessage(channel, threadTs, key, entry.createdAt);
      if (found) return found;
    }
    return postMarked(this.client, channel, threadTs, content, key);
  }

  /** The message marked `key` in `channel` (in the thread of `threadTs`), posted after `since`. */
  async findMessage(
    channelRef: string,
    threadTs: string | undefined,
    key: string,
    since: string,
  ): Promise<{ channel: string; ts: string } | undefined> {
    try {
      const channel = await this.conversation(channelRef);
      const oldest = String(Math.floor(Date.parse(since) / 1000) - SKEW_S);
      let cursor: string | undefined;
      for (let page = 0; page < this.pages; page++) {
        const args = {
          channel,
          oldest,
          limit: 200,
          include_all_metadata: true,
          ...(cursor ? { cursor } : {}),
        };
        const res = (
          threadTs
            ? await this.client.conversations.replies({ ...args, ts: threadTs })
            : await this.client.conversations.history(args)
        ) as Listed;
        const found = res.messages?.find(
          (m) => m.metadata?.event_type === MARKER_EVENT && m.metadata.event_payload?.key === key,
        );
        if (found?.ts) return { channel, ts: found.ts };
        cursor = res.response_metadata?.next_cursor;
        if (!res.has_more || !cursor) return undefined;
      }
      return undefined;
    } catch (err) {
      this.cannotLook(err, { channel: channelRef, key });
      return undefined;
    }
  }

  /** True when the file was completed (and so shared) by an earlier attempt. */
  async fileShared(fileId: string): Promise<boolean> {
    try {
      await this.client.files.info({ file: fileId });
      return true;
    } catch (err) {
      if (slackError(err) === 'file_not_found') return false;
      this.cannotLook(err, { file: fileId });
      return false;
    }
  }

  /** A user id names a direct message, whose channel id the history methods need. */
  private async conversation(ref: string): Promise<string> {
    if (!/^[UW][A-Z0-9]+$/.test(ref)) return ref;
    const res = await this.client.conversations.open({ users: ref });
    return res.channel?.id ?? ref;
  }

  private cannotLook(err: unknown, context: Record<string, unknown>): void {
    const code = slackError(err);
    if (!code || !CANNOT_LOOK.has(code)) throw err;
    // A channel the bot cannot read is refused by the send that follows too; a scope is the operator's.
    if (code !== 'missing_scope' || this.#warned) {
      this.log.debug({ ...context, error: code }, 'cannot check Slack for an earlier attempt');
      return;
    }
    this.#warned = true;
    this.log.warn(
      { ...context, error: code },
      'cannot check Slack for a message sent before, so one may show twice: grant the history scopes of slack-manifest.yml',
    );
  }
}
