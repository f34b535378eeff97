// What happens around a view_submission on Slack's side: response_urls for inputs with
// response_url_enabled, and applying the app's ack to the modal stack as the Slack client does
// (nothing = close this view, "clear" = close all, "errors" = stay open, "update", "push"). An ack
// that Slack would refuse (errors not keyed by input block_id, invalid view) fails the test.

import { validateView } from './block-kit.js';
import type { JsonObject, SlackState, StoredView } from './state.js';
import { inputBlocks, type StateValues } from './view-state.js';
import { closeModal, MAX_MODAL_STACK, pushModal, stackOf, updateView } from './views-store.js';
import type { SlackEmulator } from './web-api.js';

/** Inputs with response_url_enabled get a response_url for the conversation the user picked. */
export function submissionResponseUrls(
  emulator: SlackEmulator,
  stored: StoredView,
  values: StateValues,
): JsonObject[] {
  return inputBlocks(stored.view)
    .filter((i) => i.element.response_url_enabled === true)
    .flatMap((i) => {
      const s = values[i.blockId]?.[i.actionId];
      const channel = (s?.selected_conversation ?? s?.selected_channel) as string | undefined;
      if (!channel) return [];
      const responseUrl = emulator.issueResponseUrl({ user: stored.user, channel });
      return [{ block_id: i.blockId, action_id: i.actionId, channel_id: channel, response_url: responseUrl }];
    });
}

export function applySubmissionAck(
  state: SlackState,
  stored: StoredView,
  ack: Record<string, unknown> | undefined,
): void {
  const action = ack?.response_action;
  if (action === undefined) {
    closeModal(state, stored.id);
    return;
  }
  if (action === 'clear') {
    closeModal(state, stored.id, true);
    return;
  }
  if (action === 'errors') {
    const errors = (ack?.errors ?? {}) as Record<string, unknown>;
    const inputIds = inputBlocks(stored.view).map((i) => i.blockId);
    const bad = Object.keys(errors).filter((k) => !inputIds.includes(k));
    if (bad.length > 0 || Object.keys(errors).length === 0) {
      throw new Error(
        `response_action errors must be keyed by input block_ids (${inputIds.join(', ')}); got: ${Object.keys(errors).join(', ') || 'none'}`,
      );
    }
    return;
  }
  if (action === 'update' || action === 'push') {
    const problems = validateView(ack?.view, 'modal');
    if (problems.length > 0)
      throw new Error(`response_action ${action} carries an invalid view: ${problems.join('; ')}`);
    if (action === 'update') {
      updateView(state, stored, ack?.view as JsonObject);
      return;
    }
    const stack = stackOf(state, stored.id) ?? [];
    if (stack.length >= MAX_MODAL_STACK) throw new Error('response_action push: push_limit_reached');
    pushModal(state, stored.user, stack, ack?.view as JsonObject);
    return;
  }
  throw new Error(`unknown response_action ${String(action)}`);
}
