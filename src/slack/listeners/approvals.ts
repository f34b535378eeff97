/**
 * Approve and Reject, from the request's buttons or as `/job approve R` / `/job reject R`. The
 * button carries only the request number: who may decide, and whether it is still open, is decided
 * by the approvals service when pressed.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { JobbotError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import type { ApprovalService } from '../../services/approvals.js';
import type { Subcommand } from '../commands.js';
import { replyFailure } from '../interaction.js';
import type { UserDirectory } from '../users.js';
import {
  ACTION_APPROVE,
  ACTION_REJECT,
  approvedText,
  decisionNotice,
  rejectedText,
} from '../views/approvals.js';

type Deps = { approvals: ApprovalService; users: UserDirectory; log: Logger };

function requestNumber(word: string | undefined, usage: string): number {
  const n = Number.parseInt((word ?? '').replace(/^#/, ''), 10);
  if (!word || !/^#?\d+$/.test(word) || !Number.isSafeInteger(n))
    throw new JobbotError('usage', `Name the approval request by its number: \`${usage}\`.`);
  return n;
}

async function decide(
  deps: Deps,
  verb: 'approve' | 'reject',
  id: number,
  user: { id: string; name?: string },
) {
  const actor = await deps.users.actor(user.id, user.name);
  return verb === 'reject'
    ? rejectedText(deps.approvals.reject(id, actor))
    : approvedText(await deps.approvals.approve(id, actor));
}

export function approvalSubcommands(deps: Deps): Subcommand[] {
  return (['approve', 'reject'] as const).map((verb) => ({
    name: verb,
    usage: `${verb} R`,
    summary:
      verb === 'approve'
        ? 'Approve a held dispatch (as the Approve button does).'
        : 'Reject a held dispatch, or withdraw your own request.',
    handle: async (ctx) => {
      const id = requestNumber(ctx.args[0], `${ctx.command} ${verb} 7`);
      await ctx.ack(
        decisionNotice(await decide(deps, verb, id, { id: ctx.body.user_id, name: ctx.body.user_name })),
      );
    },
  }));
}

export function registerApprovalListeners(app: App, deps: Deps): void {
  for (const [actionId, verb] of [
    [ACTION_APPROVE, 'approve'],
    [ACTION_REJECT, 'reject'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      try {
        const text = await decide(deps, verb, Number.parseInt(action.value ?? '', 10), body.user);
        await respond({ response_type: 'ephemeral', replace_original: false, ...decisionNotice(text) });
      } catch (err) {
        await replyFailure(respond, err, deps.log, `${verb} button`);
      }
    });
  }
}
