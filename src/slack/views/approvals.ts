/**
 * Approval messages: the request posted for approvers (Approve / Reject while open, the outcome once
 * closed), and the ephemeral answer to whoever dispatched (dispatched at once, or held for approval).
 * Job names and values are typed by people, so they are escaped; mentions are built from ids here.
 */
import type { types } from '@slack/bolt';
import { principalNames } from '../../domain/policy/index.js';
import type { Submitted } from '../../services/approvals.js';
import type { ApprovalRecord } from '../../store/approvals.js';
import { type Block, clip, context, escapeMrkdwn, type MessageBody, section } from './blocks.js';
import { dispatchedMessage } from './dispatch.js';
import { slackDate } from './history.js';

export const ACTION_APPROVE = 'approval_approve';
export const ACTION_REJECT = 'approval_reject';

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

function requesterText(a: ApprovalRecord): string {
  const r = a.requester;
  if (r.kind === 'slack') return `<@${r.id}>`;
  if (r.kind === 'token')
    return `pipeline \`${escapeMrkdwn(r.name)}\`${r.onBehalfOf ? ` on behalf of <@${r.onBehalfOf}>` : ''}`;
  return 'Jobbot';
}

function outcome(a: ApprovalRecord): string {
  const votes = a.votes.map((v) => `<@${v.userId}>`).join(', ');
  switch (a.state) {
    case 'open':
      return a.votes.length > 0
        ? `:hourglass_flowing_sand: Approved so far by ${votes} (${a.votes.length} of ${a.rule.approvals}).`
        : `:hourglass_flowing_sand: Waiting for ${a.rule.approvals} approval${a.rule.approvals === 1 ? '' : 's'}.`;
    case 'approved':
      return a.dispatchNumber
        ? `:white_check_mark: Approved by ${votes}: dispatched as #${a.dispatchNumber}.`
        : `:white_check_mark: Approved by ${votes}: dispatching.`;
    case 'failed':
      return `:x: Approved by ${votes}, but it could not start: ${escapeMrkdwn(a.reason ?? 'unknown reason')}`;
    case 'rejected': {
      const by =
        a.closedBy?.kind === 'slack' && USER_ID.test(a.closedBy.id) ? `<@${a.closedBy.id}>` : 'an approver';
      const what = a.reason?.startsWith('Withdrawn') ? 'Withdrawn by the requester' : `Rejected by ${by}`;
      return `:no_entry: ${what}. Nothing was run.`;
    }
    case 'expired':
      return `:alarm_clock: Expired with ${a.votes.length} of ${a.rule.approvals} approvals. Nothing was run.`;
  }
}

/** The request as approvers see it; `changes` are the values for this dispatch, already masked. */
export function approvalRequestMessage(a: ApprovalRecord, changes: readonly string[]): MessageBody {
  // The policy checked these refs (ids, e-mail addresses, @handles), so they are safe as they are.
  const approvers = principalNames(a.rule.approvers);
  const values =
    changes.length > 0
      ? changes.map((c) => `• ${escapeMrkdwn(c)}`).join('\n')
      : 'No changes: the saved definition as it is.';
  const blocks: Block[] = [
    section(
      `*Approval requested* #${a.id}: dispatch *${escapeMrkdwn(a.definitionName)}*, asked by ${requesterText(a)}`,
    ),
    section(clip(`*Values for this dispatch*\n${values}`, 2900)),
    context(
      clip(
        `Needs ${a.rule.approvals} approval${a.rule.approvals === 1 ? '' : 's'} from ${approvers || 'the approvers of the policy'} (rule: ${escapeMrkdwn(a.rule.rule)}) · expires ${slackDate(a.expiresAt)}`,
        2000,
      ),
    ),
    section(outcome(a)),
  ];
  if (a.state === 'open') blocks.push(buttons(a));
  return { text: `Approval requested #${a.id}: ${a.definitionName} (${a.state})`, blocks };
}

function buttons(a: ApprovalRecord): Block {
  const value = String(a.id);
  const approve: types.Button = {
    type: 'button',
    action_id: ACTION_APPROVE,
    text: { type: 'plain_text', text: 'Approve' },
    style: 'primary',
    value,
  };
  const reject: types.Button = {
    type: 'button',
    action_id: ACTION_REJECT,
    text: { type: 'plain_text', text: 'Reject' },
    style: 'danger',
    value,
    confirm: {
      title: { type: 'plain_text', text: 'Reject this dispatch?' },
      text: { type: 'plain_text', text: clip(`Nothing of ${a.definitionName} will run.`, 300) },
      confirm: { type: 'plain_text', text: 'Reject' },
      deny: { type: 'plain_text', text: 'Back' },
    },
  };
  return { type: 'actions', block_id: `approval_${a.id}`, elements: [approve, reject] };
}

/** What the person who dispatched sees. */
export function submittedMessage(s: Submitted): MessageBody {
  if (s.kind === 'dispatched')
    return dispatchedMessage(s.dispatch.number, s.dispatch.definitionName, s.dispatch.channel);
  const a = s.approval;
  const where = a.channel ? ` in <#${a.channel}>` : '';
  const text = `Dispatching ${a.definitionName} needs ${a.rule.approvals} approval${a.rule.approvals === 1 ? '' : 's'} (rule: ${a.rule.rule}). Request #${a.id} was posted${where}; you will hear when it is decided.`;
  return {
    text,
    blocks: [section(`:raised_hand: ${escapeMrkdwn(text).replace(escapeMrkdwn(where), where)}`)],
  };
}

export function decisionNotice(text: string): MessageBody {
  return { text, blocks: [section(text)] };
}

/** What the person who pressed Reject (or ran `/job reject`) is told. */
export function rejectedText(a: ApprovalRecord): string {
  const how = a.reason?.startsWith('Withdrawn') ? 'withdrew' : 'rejected';
  return `You ${how} request #${a.id} (${a.definitionName}).`;
}

/** What the person who pressed Approve (or ran `/job approve`) is told. */
export function approvedText(a: ApprovalRecord): string {
  if (a.state === 'open')
    return `You approved request #${a.id} (${a.definitionName}): ${a.votes.length} of ${a.rule.approvals}.`;
  if (a.dispatchNumber)
    return `You approved request #${a.id}: ${a.definitionName} runs as #${a.dispatchNumber}.`;
  return `You approved request #${a.id}, but ${a.definitionName} could not start: ${a.reason ?? 'see its message'}`;
}
