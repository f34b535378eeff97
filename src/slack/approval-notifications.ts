/**
 * Posts approval requests where the policy says, keeps the message up to date as votes arrive and the
 * request closes, and tells the requester the outcome in a direct message. The Web API client retries
 * what Slack may yet accept; a message that still fails is logged, and the request itself is safe in
 * the database (the buttons are not needed to approve: `/job approve R`).
 */
import type { webApi } from '@slack/bolt';
import { personOf } from '../domain/actor.js';
import type { Masker } from '../domain/policy/index.js';
import type { Logger } from '../logger.js';
import type { ApprovalNotifications } from '../services/approvals.js';
import type { ApprovalRecord, ApprovalRepository } from '../store/approvals.js';
import { approvalRequestMessage, decisionNotice } from './views/approvals.js';

export class SlackApprovalNotifications implements ApprovalNotifications {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly store: Pick<ApprovalRepository, 'setMessage' | 'get'>,
    private readonly mask: () => Masker,
    private readonly log: Logger,
  ) {}

  async requested(a: ApprovalRecord): Promise<void> {
    const channel = a.channel ?? personOf(a.requester);
    if (!channel) {
      this.log.warn({ approval: a.id }, 'an approval request has nowhere to be posted');
      return;
    }
    const res = await this.client.chat.postMessage({ channel, ...this.message(a), unfurl_links: false });
    if (res.channel && res.ts) this.store.setMessage(a.id, res.channel, res.ts);
  }

  async changed(a: ApprovalRecord): Promise<void> {
    const current = this.store.get(a.id) ?? a;
    if (!current.channel || !current.messageTs) return;
    await this.client.chat.update({
      channel: current.channel,
      ts: current.messageTs,
      ...this.message(current),
    });
  }

  async tellRequester(a: ApprovalRecord, text: string): Promise<void> {
    const person = personOf(a.requester);
    if (!person) return;
    await this.client.chat.postMessage({ channel: person, ...decisionNotice(text), unfurl_links: false });
  }

  private message(a: ApprovalRecord) {
    const changes = ((a.request as { changes?: string[] }).changes ?? []).map((c) => this.mask().text(c));
    return approvalRequestMessage(a, changes);
  }
}
