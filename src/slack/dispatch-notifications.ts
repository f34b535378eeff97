/**
 * Dispatch notifications for Slack: each is rendered now and queued in the outbox, then the notifier
 * is woken. Rendering at queue time keeps a thread's messages as they were when things happened.
 */

import { describeActor } from '../domain/actor.js';
import type { DispatchObservation, DispatchStateName, TimelineEvent } from '../domain/dispatch/index.js';
import { isTerminal } from '../domain/dispatch/index.js';
import type { DispatchNotifications } from '../services/dispatches.js';
import type { DispatchRecord, StoredLog } from '../store/dispatches.js';
import type { OutboxRepository } from '../store/outbox.js';
import {
  type DispatchView,
  dispatchStatusMessage,
  joinTimelineReply,
  joinVerdictReply,
  statusLine,
  timelineReply,
  verdictReply,
} from './views/dispatch.js';

export function dispatchView(d: DispatchRecord): DispatchView {
  const changes = (d.overrides as { changes?: string[] }).changes ?? [];
  const approvedBy = (d.overrides as { approvedBy?: { id: string }[] }).approvedBy ?? [];
  const approval =
    approvedBy.length > 0
      ? `, approved by ${approvedBy
          .filter((p) => /^[UW][A-Z0-9]{2,}$/.test(p.id))
          .map((p) => `<@${p.id}>`)
          .join(', ')}`
      : '';
  return {
    number: d.number,
    definitionName: d.definitionName,
    cluster: d.cluster,
    namespace: d.namespace,
    jobName: d.jobName,
    dispatchedBy: `${describeActor(d.actor)}${approval}`,
    overrides: changes,
    state: d.state,
    status: statusLine(d.state, (d.observation ?? undefined) as DispatchObservation | undefined, d.verdict),
    finished: isTerminal(d.state as DispatchStateName),
  };
}

export class SlackDispatchNotifications implements DispatchNotifications {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly wake: () => void,
    /** Called when a dispatch's status changed (App Home follows it). */
    private readonly statusChanged: () => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  created(d: DispatchRecord): void {
    this.outbox.enqueue(d.number, 'post', { ...dispatchStatusMessage(dispatchView(d)) }, this.at());
    this.wake();
    this.statusChanged();
  }

  changed(d: DispatchRecord): void {
    this.outbox.enqueue(d.number, 'update', { ...dispatchStatusMessage(dispatchView(d)) }, this.at());
    this.wake();
    this.statusChanged();
  }

  timeline(d: DispatchRecord, events: TimelineEvent[]): void {
    for (const e of events)
      this.outbox.enqueue(d.number, 'reply', { ...timelineReply([e.text]) }, this.at(), (pending) => {
        const joined = joinTimelineReply(pending, e.text);
        return joined && { ...joined };
      });
    this.wake();
  }

  finished(d: DispatchRecord, logs: StoredLog[]): void {
    const at = this.at();
    this.outbox.enqueue(d.number, 'update', { ...dispatchStatusMessage(dispatchView(d)) }, at);
    const verdict = verdictReply(d.verdict ?? d.state, logs);
    this.outbox.enqueue(d.number, 'reply', { ...verdict }, at, (pending) => {
      const joined = joinVerdictReply(pending, verdict);
      return joined && { ...joined };
    });
    for (const log of logs) {
      if (log.error && log.text === '') continue;
      const suffix = log.previous ? '.previous' : '';
      this.outbox.enqueue(
        d.number,
        'upload',
        {
          log: { pod: log.pod, container: log.container, previous: log.previous },
          filename: `${log.pod}.${log.container}${suffix}.log`,
          title: `${d.definitionName} #${d.number} ${log.container} (${log.pod})${log.truncated ? ', capped' : ''}`,
        },
        at,
      );
    }
    this.wake();
    this.statusChanged();
  }

  private at(): string {
    return this.now().toISOString();
  }
}
