/**
 * Delivers the Slack outbox. One delivery runs at a time, taking the head of each dispatch's queue,
 * so a thread always reads in order; an outage or a 429 only delays delivery. Glossary:
 * - transient failure: Slack or the network may recover (5xx, timeouts, 429): retried with backoff,
 *   or after Retry-After, which also pauses every delivery (rate limits are shared).
 * - permanent failure: retrying cannot help (invalid_blocks, channel_not_found, …): recorded on the
 *   entry and skipped so one bad message never blocks a thread; a status message whose channel is
 *   unusable goes to the dispatcher as a direct message instead.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { DispatchRepository } from '../store/dispatches.js';
import type { OutboxEntry, OutboxRepository } from '../store/outbox.js';

const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

export interface NotifierOptions {
  now?: () => Date;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

type Failure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string };

export class SlackNotifier {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #pausedUntil = 0;
  readonly #now: () => Date;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly dispatches: DispatchRepository,
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    options: NotifierOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#firstRetryMs = options.firstRetryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
  }

  /** Asks for a delivery round soon; calls while one runs make it go round once more. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.drain().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Lets the delivery in progress finish; what is left stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves when nothing is pending (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const now = this.#now().getTime();
      if (now < this.#pausedUntil) return this.schedule(this.#pausedUntil - now);
      const heads = this.outbox.heads(50);
      const due = heads.filter((e) => Date.parse(e.nextAttemptAt) <= now);
      if (due.length === 0) {
        const next = Math.min(...heads.map((e) => Date.parse(e.nextAttemptAt)));
        if (Number.isFinite(next)) this.schedule(next - now);
        return;
      }
      for (const entry of due) {
        if (this.#stopped || this.#now().getTime() < this.#pausedUntil) break;
        await this.deliverOne(entry);
      }
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), Math.max(10, ms));
    this.#timer.unref();
  }

  private async deliverOne(entry: OutboxEntry): Promise<void> {
    const at = () => this.#now().toISOString();
    try {
      const note = await this.send(entry);
      this.outbox.delivered(entry.id, at(), note ?? null);
    } catch (err) {
      const failure = classify(err);
      const log = this.log.child({
        dispatch: entry.dispatchNumber,
        kind: entry.kind,
        attempt: entry.attempts + 1,
      });
      if (failure.kind === 'permanent') {
        log.error({ reason: failure.reason }, 'Slack refused a notification; skipping it');
        this.outbox.delivered(entry.id, at(), `not delivered: ${failure.reason}`);
        return;
      }
      const delay =
        failure.kind === 'rate_limited'
          ? failure.retryAfterMs
          : Math.min(this.#maxRetryMs, this.#firstRetryMs * 2 ** Math.min(entry.attempts, 10));
      if (failure.kind === 'rate_limited') this.#pausedUntil = this.#now().getTime() + delay;
      log.warn(
        { reason: failure.kind === 'rate_limited' ? 'rate limited' : failure.reason, retryInMs: delay },
        'Slack notification delayed',
      );
      this.outbox.retryLater(
        entry.id,
        new Date(this.#now().getTime() + delay).toISOString(),
        failure.kind === 'rate_limited' ? 'ratelimited' : failure.reason,
      );
    }
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

function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

function classify(err: unknown): Failure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; message?: string };
  if (e.code === webApi.ErrorCode.RateLimitedError)
    return { kind: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e.code === webApi.ErrorCode.PlatformError) {
    const code = slackError(err) ?? 'unknown_error';
    return TRANSIENT_ERRORS.has(code)
      ? { kind: 'transient', reason: code }
      : { kind: 'permanent', reason: code };
  }
  if (
    e.code === webApi.ErrorCode.HTTPError &&
    e.statusCode !== undefined &&
    e.statusCode < 500 &&
    e.statusCode !== 408
  ) {
    return { kind: 'permanent', reason: `HTTP ${e.statusCode}` };
  }
  return { kind: 'transient', reason: e.message ?? String(err) };
}
