/**
 * Interactions with dispatches: the Dispatch modal's submission, and the buttons Dispatch (on jobs),
 * Cancel, Show log and Re-run (on dispatches). A button is only a request: who may do it and whether
 * it still makes sense are decided again by the service.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { isJobbotError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import type { ApprovalService } from '../../services/approvals.js';
import type { DispatchService } from '../../services/dispatches.js';
import { errorsByBlock, readValues } from '../definition-state.js';
import { buildDispatchModal, submittedTemplate } from '../dispatch-flow.js';
import { failureSentence, type Respond, replyFailure } from '../interaction.js';
import type { UserDirectory } from '../users.js';
import { submittedMessage } from '../views/approvals.js';
import { ACTION_DISPATCH, notice } from '../views/definitions.js';
import { ACTION_CANCEL, ACTION_KEEP, ACTION_RERUN } from '../views/dispatch.js';
import { DISPATCH_CALLBACK, type DispatchModalMeta } from '../views/dispatch-modal.js';

const metaSchema = z.object({
  name: z.string(),
  revision: z.number().int(),
  words: z.array(z.string()).optional(),
  rerunOf: z.number().int().optional(),
  channel: z.string().nullable(),
});

export function registerDispatchListeners(
  app: App,
  deps: {
    service: DispatchService;
    approvals: Pick<ApprovalService, 'submit'>;
    users: UserDirectory;
    log: Logger;
  },
): void {
  const { service, users, log } = deps;

  const fail = (respond: Respond, err: unknown) => replyFailure(respond, err, log, 'dispatch interaction');

  app.view(DISPATCH_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = metaSchema.parse(JSON.parse(view.private_metadata || '{}')) as DispatchModalMeta;
    const containers = view.blocks.filter((b) => b.block_id?.endsWith('.image')).length;
    const values = readValues(view.state.values as Parameters<typeof readValues>[0], containers);
    const firstInput = view.blocks.find((b) => b.type === 'input')?.block_id ?? 'channel';
    try {
      const built = submittedTemplate(service, meta, values);
      if ('errors' in built) {
        const blockIds = view.blocks.flatMap((b) => (b.type === 'input' && b.block_id ? [b.block_id] : []));
        await ack({ response_action: 'errors', errors: errorsByBlock(built.errors, blockIds, 'form') });
        return;
      }
      const channel = values.channel || meta.channel;
      const actor = await users.actor(body.user.id, body.user.name);
      // Checked before the ack so a refusal shows in the modal; dispatch() checks again when it records.
      service.plan({ name: meta.name, template: built.template });
      service.authorize(meta.name, actor, meta.channel);
      await ack();
      const submitted = deps.approvals.submit(
        { name: meta.name, template: built.template, channel, sourceChannel: meta.channel },
        actor,
      );
      await client.chat
        .postEphemeral({
          channel: meta.channel ?? body.user.id,
          user: body.user.id,
          ...submittedMessage(submitted),
        })
        .catch(() => undefined);
    } catch (err) {
      const sentence = isJobbotError(err)
        ? err.userMessage
        : `${failureSentence(err, log, 'dispatch submission')} Nothing was dispatched.`;
      await ack({ response_action: 'errors', errors: { [firstInput]: sentence.slice(0, 2000) } });
    }
  });

  const openModal = async (
    triggerId: string,
    meta: Omit<DispatchModalMeta, 'revision'>,
    respond: Respond,
    client: App['client'],
    user: { id: string; name?: string },
  ) => {
    try {
      // A button shown earlier is no permission: asked again before the modal opens.
      service.authorize(meta.name, await users.actor(user.id, user.name), meta.channel);
      await client.views.open({ trigger_id: triggerId, view: buildDispatchModal(service, meta) });
    } catch (err) {
      await fail(respond, err);
    }
  };

  app.action<BlockAction<ButtonAction>>(ACTION_DISPATCH, async ({ ack, action, body, client, respond }) => {
    await ack();
    await openModal(
      body.trigger_id,
      { name: action.value ?? '', channel: body.channel?.id ?? null },
      respond,
      client,
      body.user,
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTION_RERUN, async ({ ack, action, body, client, respond }) => {
    await ack();
    try {
      const previous = service.get(Number(action.value));
      await openModal(
        body.trigger_id,
        { name: previous.definitionName, rerunOf: previous.number, channel: previous.channel },
        respond,
        client,
        body.user,
      );
    } catch (err) {
      await fail(respond, err);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_CANCEL, async ({ ack, action, body, respond }) => {
    await ack();
    try {
      const actor = await users.actor(body.user.id, body.user.name);
      const d = await service.cancel(Number(action.value), actor);
      const fromConfirmation = body.container?.is_ephemeral === true;
      await respond({
        response_type: 'ephemeral',
        replace_original: fromConfirmation,
        ...notice(`Cancelled ${d.definitionName} #${d.number}.`),
      });
    } catch (err) {
      await fail(respond, err);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_KEEP, async ({ ack, action, respond }) => {
    await ack();
    await respond({ replace_original: true, ...notice(`#${action.value ?? ''} keeps running.`) });
  });
}
