/**
 * A pipeline run's Slack thread. Glossary:
 * - PipelineAwareNotifications: wraps the dispatch notifications; a dispatch a run started posts no
 *   status message or thread of its own (the run's thread tells its story), and its finishing is
 *   handed to the pipelines so the run moves on.
 * - SlackPipelineNotifications: renders each run event now and queues it in the run's outbox.
 * - PipelineNotifier: delivers that outbox in order per run, retrying what Slack may yet accept.
 *   Posts and replies carry a marker, and one whose call may have reached Slack (a timeout, a crash)
 *   is looked for before it is sent again, as the dispatch outbox does (sent-check.ts).
 */

import type { webApi } from '@slack/bolt';
import { personOf } from '../domain/actor.js';
import type { TimelineEvent } from '../domain/dispatch/index.js';
import type { Logger } from '../logger.js';
import type { DispatchNotifications } from '../services/dispatches.js';
import type { PipelineNotifications, RunView } from '../services/pipelines.js';
import type { DispatchRecord, StoredLog } from '../store/dispatches.js';
import type { PipelineOutboxEntry, PipelineRepository } from '../store/pipelines.js';
import { DeliveryLoop, slackError } from './delivery-loop.js';
import { CHANNEL_ERRORS } from './notifier.js';
import type { SlackPacer } from './pacing.js';
import { SentCheck } from './sent-check.js';
import { jobFinishedReply, runStatusMessage, runVerdictReply, stageStartedReply } from './views/pipeline.js';

/** What the wrapper needs from the pipelines; set after both services exist (they need each other). */
export interface DispatchPipelineListener {
  claims(d: DispatchRecord): boolean;
  dispatchChanged(d: DispatchRecord): void;
  dispatchFinished(d: DispatchRecord, logs: readonly StoredLog[]): void;
}

export class PipelineAwareNotifications implements DispatchNotifications {
  listener: DispatchPipelineListener | undefined;

  constructor(
    private readonly inner: DispatchNotifications,
    private readonly log: Logger,
    /** A run's dispatch changed status: App Home shows dispatches whoever started them. */
    private readonly statusChanged: () => void = () => undefined,
  ) {}

  created(d: DispatchRecord): void {
    if (!this.listener?.claims(d)) this.inner.created(d);
  }

  changed(d: DispatchRecord): void {
    if (this.listener?.claims(d)) {
      this.guard(d, () => this.listener?.dispatchChanged(d));
      this.statusChanged();
    } else this.inner.changed(d);
  }

  timeline(d: DispatchRecord, events: TimelineEvent[]): void {
    if (!this.listener?.claims(d)) this.inner.timeline(d, events);
  }

  finished(d: DispatchRecord, logs: StoredLog[]): void {
    if (this.listener?.claims(d)) {
      this.guard(d, () => this.listener?.dispatchFinished(d, logs));
      this.statusChanged();
    } else this.inner.finished(d, logs);
  }

  /** A pipeline bug must not break the dispatch that reported it; resume() retries the run later. */
  private guard(d: DispatchRecord, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.log.error({ err, dispatch: d.number }, 'moving a pipeline run on failed');
    }
  }
}

export class SlackPipelineNotifications implements PipelineNotifications {
  constructor(
    private readonly store: PipelineRepository,
    private readonly wake: () => void,
    /** The slash command, for the hints in messages. */
    private readonly command: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  started(v: RunView): void {
    this.store.enqueue(v.run.id, 'post', runStatusMessage(v, this.command), this.at());
    this.wake();
  }

  changed(v: RunView): void {
    this.store.enqueue(v.run.id, 'update', runStatusMessage(v, this.command), this.at());
    this.wake();
  }

  stageStarted(v: RunView, stage: number): void {
    this.store.enqueue(v.run.id, 'update', runStatusMessage(v, this.command), this.at());
    this.store.enqueue(v.run.id, 'reply', stageStartedReply(v, stage), this.at());
    this.wake();
  }

  jobFinished(v: RunView, d: DispatchRecord, logs: readonly StoredLog[]): void {
    this.store.enqueue(v.run.id, 'update', runStatusMessage(v, this.command), this.at());
    this.store.enqueue(v.run.id, 'reply', jobFinishedReply(d, logs, this.command), this.at());
    this.wake();
  }

  finished(v: RunView): void {
    this.store.enqueue(v.run.id, 'update', runStatusMessage(v, this.command), this.at());
    this.store.enqueue(v.run.id, 'reply', runVerdictReply(v), this.at());
    this.wake();
  }

  private at(): string {
    return this.now().toISOString();
  }
}

export interface PipelineNotifierOptions {
  now?: () => Date;
  /** The client's pacer (shared with the dispatch outbox): entries start when their call may go. */
  pacer?: SlackPacer;
  /** The client's timeout: after a call in doubt, the next attempt waits this long (delivery-loop.ts). */
  settleMs?: number;
  firstRetryMs?: number;
}

export class PipelineNotifier {
  readonly #loop: DeliveryLoop<PipelineOutboxEntry>;
  readonly #check: SentCheck;

  constructor(
    private readonly store: PipelineRepository,
    private readonly client: webApi.WebClient,
    log: Logger,
    options: PipelineNotifierOptions = {},
  ) {
    const { pacer } = options;
    this.#check = new SentCheck(client, log);
    this.#loop = new DeliveryLoop(
      store,
      (entry) => this.send(entry),
      (entry) => ({ run: entry.runId, kind: entry.kind }),
      log,
      options,
      (entry) => (pacer ? pacer.waitMs(...firstCall(entry)) : 0),
    );
  }

  wake(): void {
    this.#loop.wake();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  private async send(entry: PipelineOutboxEntry): Promise<string | undefined> {
    const run = this.store.run(entry.runId);
    if (!run) return 'run gone';
    const content = {
      text: entry.payload.text,
      ...(entry.payload.blocks ? { blocks: entry.payload.blocks as never } : {}),
    };
    const fallback = run.actor.kind === 'slack' ? run.actor.id : undefined;
    const channel = run.channel ?? fallback;
    if (!channel) return 'no channel';
    switch (entry.kind) {
      case 'post': {
        // A run started through the API may name a channel Jobbot is not in: its runner gets a DM.
        const person = personOf(run.actor);
        let res: { channel?: string; ts?: string };
        let note: string | undefined;
        try {
          res = await this.post(entry, channel, undefined, content);
        } catch (err) {
          const code = slackError(err);
          if (!code || !CHANNEL_ERRORS.has(code) || !person || person === channel) throw err;
          res = await this.post(entry, person, undefined, content);
          note = `posted to the runner instead: ${code} in ${channel}`;
        }
        // Posting to a user id opens a DM whose id differs; updates and replies need the DM's id.
        this.store.updateRun(run.id, { channel: res.channel ?? channel, messageTs: res.ts ?? null });
        return note;
      }
      case 'update':
        if (!run.messageTs) return 'no status message to update';
        await this.client.chat.update({ channel, ts: run.messageTs, ...content });
        return undefined;
      case 'reply':
        await this.post(entry, channel, run.messageTs ?? undefined, content);
        return undefined;
    }
  }

  /** chat.postMessage, unless an earlier attempt of this entry already posted it. */
  private async post(
    entry: PipelineOutboxEntry,
    channel: string,
    threadTs: string | undefined,
    content: { text: string; blocks?: unknown },
  ): Promise<{ channel?: string; ts?: string }> {
    const key = `pipeline-outbox:${entry.id}@${entry.createdAt}`;
    const res = await this.#check.postOnce(entry, channel, threadTs, content, key);
    return { channel: res.channel, ...(res.ts ? { ts: res.ts } : {}) };
  }
}

/** The Slack method (and channel) an entry's delivery calls first; an entry in doubt looks first. */
function firstCall(entry: PipelineOutboxEntry): [string, string?] {
  if (entry.kind === 'update') return ['chat.update'];
  if (entry.inDoubt) return [entry.kind === 'post' ? 'conversations.history' : 'conversations.replies'];
  return ['chat.postMessage', entry.channel];
}
