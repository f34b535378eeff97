/**
 * Delivers the dispatch outbox to Slack through the shared delivery loop (ordering, retries, rate
 * limits: see delivery-loop.ts). What is particular here is the sending: a status message whose
 * channel is unusable goes to the dispatcher as a direct message instead, log files are read from the
 * database at the moment they are uploaded, and nothing is shown twice.
 *
 * Exactly once: each message carries a marker naming its outbox entry, and an entry in doubt (an
 * earlier call may have reached Slack) is looked up before it is sent again (sent-check.ts). An upload
 * is done in its three steps here, recording the file id before the step that shares it.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { DispatchRecord, DispatchRepository } from '../store/dispatches.js';
import type { OutboxEntry, OutboxRepository } from '../store/outbox.js';
import { DeliveryLoop, type DeliveryOptions, slackError } from './delivery-loop.js';
import type { SlackPacer } from './pacing.js';
import { SentCheck } from './sent-check.js';

/** Slack's refusals of a channel that a DM to the person avoids (both outboxes fall back on them). */
export const CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
]);

export interface NotifierOptions extends DeliveryOptions {
  /** Bound of the upload of a file's bytes (the Web API calls have the client's timeout). */
  uploadTimeoutMs?: number;
  /** The client's pacer: an entry is started only when its first call has an allowance. */
  pacer?: SlackPacer;
  /**
   * Asked before a dispatch's post, reply or upload: true when its channel's batch reports it now
   * (see batch-notifications.ts), so its thread's messages are no longer sent.
   */
  divert?: (dispatch: DispatchRecord) => boolean;
  /** With batches on: how long a new status message in a channel waits (see heldFor()). */
  postHoldMs?: number;
}

interface Content {
  text: string;
  blocks?: never;
}

export class SlackNotifier {
  readonly #loop: DeliveryLoop<OutboxEntry>;
  readonly #now: () => Date;
  readonly #check: SentCheck;
  readonly #uploadTimeoutMs: number;
  readonly #divert: ((dispatch: DispatchRecord) => boolean) | undefined;
  readonly #postHoldMs: number;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly dispatches: DispatchRepository,
    private readonly client: webApi.WebClient,
    log: Logger,
    options: NotifierOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 30_000;
    this.#check = new SentCheck(client, log);
    this.#divert = options.divert;
    this.#postHoldMs = options.postHoldMs ?? 0;
    this.#loop = new DeliveryLoop(
      outbox,
      (entry) => this.send(entry),
      (entry) => ({ dispatch: entry.dispatchNumber, kind: entry.kind }),
      log,
      options,
      (entry) => Math.max(this.heldFor(entry), options.pacer ? options.pacer.waitMs(...firstCall(entry)) : 0),
    );
  }

  wake(): void {
    this.#loop.wake();
  }

  /**
   * A new status message in a channel waits `postHoldMs` after its dispatch was recorded, and up to
   * four times that while more dispatches for the channel keep coming: if it is the start of a burst,
   * the batch opens meanwhile and takes it in, so the channel's posts (one a second) go to the batch's
   * summary and replies, not to threads about to go quiet.
   */
  private heldFor(entry: OutboxEntry): number {
    if (this.#postHoldMs <= 0 || entry.kind !== 'post' || !entry.channel || /^[UW]/.test(entry.channel))
      return 0;
    const age = this.#now().getTime() - Date.parse(entry.createdAt);
    if (age < this.#postHoldMs) return this.#postHoldMs - age;
    const longest = this.#postHoldMs * 4;
    if (age >= longest || this.dispatches.laterInChannel(entry.dispatchNumber, entry.channel) === 0) return 0;
    return Math.min(this.#postHoldMs, longest - age);
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  idle(): Promise<void> {
    return this.#loop.idle();
  }

  /** Sends one entry; returns a note when it was delivered differently from what was asked. */
  private async send(entry: OutboxEntry): Promise<string | undefined> {
    const dispatch = this.dispatches.get(entry.dispatchNumber);
    if (!dispatch) return 'dispatch gone';
    const p = entry.payload as { text: string; blocks?: unknown[] };
    const content: Content = { text: p.text, ...(p.blocks ? { blocks: p.blocks as never } : {}) };
    const at = () => this.#now().toISOString();
    // An entry in doubt may be in Slack already: it goes its way, and the next one is diverted.
    if (entry.kind !== 'update' && !entry.inDoubt && this.#divert?.(dispatch)) {
      this.outbox.divertThread(dispatch.number, at());
      return "reported in the channel's batch";
    }
    switch (entry.kind) {
      case 'post': {
        const channel = dispatch.channel ?? dispatch.actor.id;
        try {
          const res = await this.post(entry, channel, undefined, content);
          // Posting to a user id opens a DM whose id differs; later updates need the DM's id.
          if (res.channel !== dispatch.channel)
            this.dispatches.updateChannel(dispatch.number, res.channel, res.ts, at());
          else this.dispatches.update(dispatch.number, { messageTs: res.ts }, at());
          return undefined;
        } catch (err) {
          const code = slackError(err);
          // A pipeline's dispatch falls back to the person it ran for, else the token's creator.
          const person =
            dispatch.actor.kind === 'slack'
              ? dispatch.actor.id
              : dispatch.actor.kind === 'token'
                ? (dispatch.actor.onBehalfOf ?? dispatch.actor.ownerId)
                : undefined;
          if (!code || !CHANNEL_ERRORS.has(code) || !person || channel === person) throw err;
          // The chosen channel cannot take it: the dispatcher still learns what happens, in a DM.
          const res = await this.post(entry, person, undefined, content);
          this.dispatches.updateChannel(dispatch.number, res.channel, res.ts, at());
          return `posted to the dispatcher instead: ${code} in ${channel}`;
        }
      }
      case 'update':
        // Idempotent: the same content twice shows once.
        if (!dispatch.messageTs || !dispatch.channel) return 'no status message to update';
        await this.client.chat.update({ channel: dispatch.channel, ts: dispatch.messageTs, ...content });
        return undefined;
      case 'reply':
        await this.post(
          entry,
          dispatch.channel ?? dispatch.actor.id,
          dispatch.messageTs ?? undefined,
          content,
        );
        return undefined;
      case 'upload':
        return this.upload(entry, dispatch.channel ?? dispatch.actor.id, dispatch.messageTs ?? undefined);
    }
  }

  /** chat.postMessage, unless an earlier attempt of this entry already posted it. */
  private async post(
    entry: OutboxEntry,
    channel: string,
    threadTs: string | undefined,
    content: Content,
  ): Promise<{ channel: string; ts: string | null }> {
    return this.#check.postOnce(entry, channel, threadTs, content, markerKey(entry));
  }

  private async upload(
    entry: OutboxEntry,
    channel: string,
    threadTs: string | undefined,
  ): Promise<string | undefined> {
    const u = entry.payload as {
      filename: string;
      title: string;
      log: { pod: string; container: string; previous: boolean };
      fileId?: string;
    };
    if (u.fileId && entry.inDoubt && (await this.#check.fileShared(u.fileId))) return undefined;
    const log = this.dispatches
      .logs(entry.dispatchNumber)
      .find((l) => l.pod === u.log.pod && l.container === u.log.container && l.previous === u.log.previous);
    if (!log) return 'log not found';
    const bytes = Buffer.from(log.text, 'utf8');
    if (bytes.length === 0) return 'empty log: nothing to upload';
    const ticket = await this.client.files.getUploadURLExternal({
      filename: u.filename,
      length: bytes.length,
    });
    if (!ticket.upload_url || !ticket.file_id)
      throw new Error('files.getUploadURLExternal gave no upload URL');
    // Recorded before the step that shares the file, so a later attempt can ask whether it happened.
    this.outbox.remember(entry.id, { fileId: ticket.file_id });
    const sent = await fetch(ticket.upload_url, {
      method: 'POST',
      body: bytes,
      signal: AbortSignal.timeout(this.#uploadTimeoutMs),
    });
    if (!sent.ok) throw new Error(`uploading the file's bytes answered HTTP ${sent.status}`);
    await this.client.files.completeUploadExternal({
      files: [{ id: ticket.file_id, title: u.title }],
      channel_id: channel,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    } as never);
    return undefined;
  }
}

/** The Slack method (and channel) an entry's delivery calls first; an entry in doubt looks first. */
function firstCall(entry: OutboxEntry): [string, string?] {
  switch (entry.kind) {
    case 'post':
      return entry.inDoubt ? ['conversations.history'] : ['chat.postMessage', entry.channel];
    case 'reply':
      return entry.inDoubt ? ['conversations.replies'] : ['chat.postMessage', entry.channel];
    case 'update':
      return ['chat.update'];
    case 'upload':
      return entry.inDoubt && entry.payload.fileId ? ['files.info'] : ['files.getUploadURLExternal'];
  }
}

/** Names the entry uniquely, across installations too: its id and the instant it was queued. */
function markerKey(entry: OutboxEntry): string {
  return `dispatch-outbox:${entry.id}@${entry.createdAt}`;
}
