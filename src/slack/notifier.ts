/**
 * Delivers the dispatch outbox to Slack through the shared delivery loop (ordering, retries, rate
 * limits: see delivery-loop.ts). What is particular here is the sending: a status message whose
 * channel is unusable goes to the dispatcher as a direct message instead, and log files are read
 * from the database at the moment they are uploaded.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { DispatchRepository } from '../store/dispatches.js';
import type { OutboxEntry, OutboxRepository } from '../store/outbox.js';
import { DeliveryLoop, type DeliveryOptions, slackError } from './delivery-loop.js';

const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

export type NotifierOptions = DeliveryOptions;

export class SlackNotifier {
  readonly #loop: DeliveryLoop<OutboxEntry>;
  readonly #now: () => Date;

  constructor(
    outbox: OutboxRepository,
    private readonly dispatches: DispatchRepository,
    private readonly client: webApi.WebClient,
    log: Logger,
    options: NotifierOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#loop = new DeliveryLoop(
      outbox,
      (entry) => this.send(entry),
      (entry) => ({ dispatch: entry.dispatchNumber, kind: entry.kind }),
      log,
      options,
    );
  }

  wake(): void {
    this.#loop.wake();
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
    const content = { text: p.text, ...(p.blocks ? { blocks: p.blocks as never } : {}) };
    switch (entry.kind) {
      case 'post': {
        const channel = dispatch.channel ?? dispatch.actor.id;
        try {
          const res = await this.client.chat.postMessage({ channel, ...content, unfurl_links: false });
          // Posting to a user id opens a DM whose id differs; later updates need the DM's id.
          if (res.channel && res.channel !== dispatch.channel)
            this.dispatches.updateChannel(
              dispatch.number,
              res.channel,
              res.ts ?? null,
              this.#now().toISOString(),
            );
          else
            this.dispatches.update(dispatch.number, { messageTs: res.ts ?? null }, this.#now().toISOString());
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
          const res = await this.client.chat.postMessage({
            channel: person,
            ...content,
            unfurl_links: false,
          });
          this.dispatches.updateChannel(
            dispatch.number,
            res.channel ?? person,
            res.ts ?? null,
            this.#now().toISOString(),
          );
          return `posted to the dispatcher instead: ${code} in ${channel}`;
        }
      }
      case 'update':
        if (!dispatch.messageTs || !dispatch.channel) return 'no status message to update';
        await this.client.chat.update({ channel: dispatch.channel, ts: dispatch.messageTs, ...content });
        return undefined;
      case 'reply':
        await this.client.chat.postMessage({
          channel: dispatch.channel ?? dispatch.actor.id,
          ...(dispatch.messageTs ? { thread_ts: dispatch.messageTs } : {}),
          ...content,
          unfurl_links: false,
        });
        return undefined;
      case 'upload': {
        const u = entry.payload as {
          filename: string;
          title: string;
          log: { pod: string; container: string; previous: boolean };
        };
        const log = this.dispatches
          .logs(dispatch.number)
          .find(
            (l) => l.pod === u.log.pod && l.container === u.log.container && l.previous === u.log.previous,
          );
        if (!log) return 'log not found';
        await this.client.filesUploadV2({
          channel_id: dispatch.channel ?? dispatch.actor.id,
          ...(dispatch.messageTs ? { thread_ts: dispatch.messageTs } : {}),
          file: Buffer.from(log.text, 'utf8'),
          filename: u.filename,
          title: u.title,
        } as never);
        return undefined;
      }
    }
  }
}
