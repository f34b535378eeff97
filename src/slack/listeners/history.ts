/** Buttons on history, dispatch details and log messages: Details, paging, Show log, container choice. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { DispatchService } from '../../services/dispatches.js';
import { type Respond, replyFailure } from '../interaction.js';
import type { LogDelivery } from '../log-delivery.js';
import { detailsOf, historyPage } from '../subcommands/history.js';
import { ACTION_SHOW_LOG } from '../views/dispatch.js';
import { ACTION_DISPATCH_LOG } from '../views/dispatch-details.js';
import {
  ACTION_DISPATCH_DETAILS,
  ACTION_HISTORY_PAGE,
  decodeHistoryPage,
  historyMessage,
} from '../views/history.js';
import { ACTION_DISPATCH_LOG_CONTAINER } from '../views/logs.js';

const logRef = z.object({ n: z.number().int(), container: z.string().optional() });

export function registerHistoryListeners(
  app: App,
  deps: { service: DispatchService; delivery: LogDelivery; command: string; log: Logger },
): void {
  const answer = async (
    respond: Respond,
    work: () => Promise<Record<string, unknown>> | Record<string, unknown>,
  ) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...(await work()) });
    } catch (err) {
      await replyFailure(respond, err, deps.log, 'history interaction');
    }
  };

  app.action<BlockAction<ButtonAction>>(ACTION_DISPATCH_DETAILS, async ({ ack, action, respond }) => {
    await ack();
    await answer(respond, () => ({ ...detailsOf(deps.service, Number(action.value), deps.command) }));
  });

  app.action<BlockAction<ButtonAction>>(ACTION_HISTORY_PAGE, async ({ ack, action, respond }) => {
    await ack();
    const page = decodeHistoryPage(action.value ?? '');
    if (!page) return;
    await answer(respond, () => ({
      replace_original: true,
      ...historyMessage(historyPage(deps.service, page.filters, page.offset), deps.command),
    }));
  });

  app.action<BlockAction<ButtonAction>>(ACTION_SHOW_LOG, async ({ ack, action, body, respond }) => {
    await ack();
    await answer(respond, async () => ({
      ...(await deps.delivery.logs(Number(action.value), undefined, body.user.id)),
    }));
  });

  for (const actionId of [ACTION_DISPATCH_LOG, ACTION_DISPATCH_LOG_CONTAINER]) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      await answer(respond, async () => {
        const ref = logRef.parse(JSON.parse(action.value ?? '{}'));
        return { ...(await deps.delivery.logs(ref.n, ref.container, body.user.id)) };
      });
    });
  }
}
