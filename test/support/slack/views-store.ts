// View lifecycle shared by the views.* methods and the driver's view_submission handling: building
// the view object Slack returns (id "V…", hash, root/previous ids, state), modal stacks per user
// (root + at most 2 pushed), updates that change the hash, and closing.

import { randomBytes } from 'node:crypto';
import { withBlockIds } from './api-types.js';
import { type JsonObject, randomId, type SlackState, type StoredView } from './state.js';

export const MAX_MODAL_STACK = 3;

export function newHash(state: SlackState): string {
  return `${Math.floor(state.now() / 1000)}.${randomBytes(4).toString('hex')}`;
}

/** Fields Slack owns: whatever the app sends for them is ignored. */
const SLACK_ASSIGNED = new Set([
  'id',
  'team_id',
  'state',
  'hash',
  'previous_view_id',
  'root_view_id',
  'app_id',
  'app_installed_team_id',
  'bot_id',
]);

/** Fields Slack fills in on every view it returns, in Slack's order. */
function buildView(
  state: SlackState,
  id: string,
  input: JsonObject,
  rootId: string,
  previousId: string | null,
) {
  const cfg = state.config;
  const view: JsonObject = {
    id,
    team_id: cfg.teamId,
    type: input.type,
    blocks: [],
    private_metadata: '',
    callback_id: '',
    state: { values: {} },
    hash: newHash(state),
    title: null,
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: previousId,
    root_view_id: rootId,
    app_id: cfg.appId,
    external_id: '',
    app_installed_team_id: cfg.teamId,
    bot_id: cfg.botId,
  };
  for (const [key, value] of Object.entries(input)) {
    if (!SLACK_ASSIGNED.has(key)) view[key] = structuredClone(value);
  }
  view.blocks = withBlockIds(input.blocks) ?? [];
  return view;
}

export function duplicateExternalId(state: SlackState, input: JsonObject, selfId?: string): boolean {
  const ext = input.external_id;
  if (typeof ext !== 'string' || ext === '') return false;
  return [...state.views.values()].some((v) => v.id !== selfId && !v.closed && v.view.external_id === ext);
}

export function openModal(state: SlackState, user: string, input: JsonObject): StoredView {
  for (const id of state.modalStacks.get(user) ?? []) closeOne(state, id);
  const id = randomId('V');
  const stored: StoredView = { id, user, view: buildView(state, id, input, id, null), closed: false };
  state.views.set(id, stored);
  state.modalStacks.set(user, [id]);
  return stored;
}

export function pushModal(state: SlackState, user: string, stack: string[], input: JsonObject): StoredView {
  const id = randomId('V');
  const root = stack[0] ?? id;
  const previous = stack[stack.length - 1] ?? null;
  const stored: StoredView = { id, user, view: buildView(state, id, input, root, previous), closed: false };
  state.views.set(id, stored);
  stack.push(id);
  state.modalStacks.set(user, stack);
  return stored;
}

/** Replaces the content of a view, keeping its identity; input state survives for unchanged blocks. */
export function updateView(state: SlackState, stored: StoredView, input: JsonObject): StoredView {
  const old = stored.view;
  const next = buildView(
    state,
    stored.id,
    input,
    String(old.root_view_id),
    (old.previous_view_id as string) ?? null,
  );
  const oldValues = ((old.state as JsonObject | undefined)?.values ?? {}) as JsonObject;
  const blockIds = new Set((next.blocks as JsonObject[]).map((b) => b.block_id));
  const kept = Object.fromEntries(Object.entries(oldValues).filter(([blockId]) => blockIds.has(blockId)));
  next.state = { values: kept };
  stored.view = next;
  return stored;
}

export function publishHome(state: SlackState, user: string, input: JsonObject): StoredView {
  const existingId = state.homeViews.get(user);
  const existing = existingId ? state.views.get(existingId) : undefined;
  if (existing) return updateView(state, existing, input);
  const id = randomId('V');
  const stored: StoredView = { id, user, view: buildView(state, id, input, id, null), closed: false };
  state.views.set(id, stored);
  state.homeViews.set(user, id);
  return stored;
}

function closeOne(state: SlackState, id: string): void {
  const view = state.views.get(id);
  if (view) view.closed = true;
}

/** The stack a view belongs to, or undefined when it is not an open modal. */
export function stackOf(state: SlackState, viewId: string): string[] | undefined {
  for (const stack of state.modalStacks.values()) if (stack.includes(viewId)) return stack;
  return undefined;
}

/** Closes the top view of its stack (default after a submission) or the whole stack ("clear"). */
export function closeModal(state: SlackState, viewId: string, all = false): void {
  const stack = stackOf(state, viewId);
  if (!stack) {
    closeOne(state, viewId);
    return;
  }
  const view = state.views.get(viewId);
  if (all || !view) {
    for (const id of stack) closeOne(state, id);
    stack.length = 0;
  } else {
    const index = stack.indexOf(viewId);
    for (const id of stack.splice(index)) closeOne(state, id);
  }
  if (stack.length === 0 && view) state.modalStacks.delete(view.user);
}
