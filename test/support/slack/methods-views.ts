// views.open / views.push / views.update / views.publish with Slack's rules: single-use trigger ids
// valid for 3 s, at most 2 views pushed above the root, hash_conflict on a stale hash, not_found for
// unknown or closed views, invalid_arguments (with "[ERROR] ... [json-pointer:/view/...]" lines) for
// views that break Block Kit limits, view_too_large over 250 kB.

import { fail, type MethodContext, type MethodHandler, ok, type SlackResponse } from './api-types.js';
import { BLOCK_KIT_LIMITS, validateView } from './block-kit.js';
import { asString } from './http-util.js';
import type { JsonObject, StoredView } from './state.js';
import {
  duplicateExternalId,
  MAX_MODAL_STACK,
  openModal,
  publishHome,
  pushModal,
  stackOf,
  updateView,
} from './views-store.js';

function checkedView(
  ctx: MethodContext,
  surface: 'modal' | 'home',
): { view: JsonObject } | { error: SlackResponse } {
  const view = ctx.args.view;
  if (ctx.malformed.includes('view')) return { error: fail('invalid_arguments', ['invalid `view`']) };
  if (view === undefined || view === null) {
    return { error: fail('invalid_arguments', ['missing required field: view']) };
  }
  if (Buffer.byteLength(JSON.stringify(view), 'utf8') > BLOCK_KIT_LIMITS.viewBytes) {
    return { error: fail('view_too_large') };
  }
  const errors = validateView(view, surface);
  if (errors.length > 0) return { error: fail('invalid_arguments', errors) };
  return { view: view as JsonObject };
}

function viewResponse(stored: StoredView): SlackResponse {
  return ok({ view: structuredClone(stored.view) });
}

function triggerOf(ctx: MethodContext) {
  const id = ctx.args.trigger_id ?? ctx.args.interactivity_pointer;
  if (id === undefined) return { error: fail('invalid_arguments', ['invalid `trigger_id`']) };
  const checked = ctx.state.checkTrigger(id);
  if ('error' in checked) return { error: fail(checked.error) };
  return checked;
}

const open: MethodHandler = (ctx) => {
  const trigger = triggerOf(ctx);
  if ('error' in trigger) return trigger.error;
  const checked = checkedView(ctx, 'modal');
  if ('error' in checked) return checked.error;
  if (duplicateExternalId(ctx.state, checked.view)) return fail('duplicate_external_id');
  trigger.trigger.used = true;
  return viewResponse(openModal(ctx.state, trigger.trigger.user, checked.view));
};

const push: MethodHandler = (ctx) => {
  const trigger = triggerOf(ctx);
  if ('error' in trigger) return trigger.error;
  const checked = checkedView(ctx, 'modal');
  if ('error' in checked) return checked.error;
  const { state } = ctx;
  const from = trigger.trigger.viewId;
  const stack = from ? stackOf(state, from) : state.modalStacks.get(trigger.trigger.user);
  if (!stack || stack.length === 0) {
    // Pushing needs a modal underneath; from App Home Slack refuses with this line.
    return fail('invalid_arguments', [
      "must match the `type` of the root view whose stack we're pushing onto [json-pointer:/view/type]",
    ]);
  }
  if (stack.length >= MAX_MODAL_STACK) return fail('push_limit_reached');
  if (duplicateExternalId(state, checked.view)) return fail('duplicate_external_id');
  trigger.trigger.used = true;
  return viewResponse(pushModal(state, trigger.trigger.user, stack, checked.view));
};

function findView(ctx: MethodContext): StoredView | undefined {
  const id = asString(ctx.args.view_id);
  const ext = asString(ctx.args.external_id);
  const views = [...ctx.state.views.values()].filter((v) => !v.closed);
  if (id) return views.find((v) => v.id === id);
  if (ext) return views.find((v) => v.view.external_id === ext);
  return undefined;
}

const update: MethodHandler = (ctx) => {
  if (ctx.args.view_id === undefined && ctx.args.external_id === undefined) {
    return fail('invalid_arguments', ['missing required field: view_id']);
  }
  const stored = findView(ctx);
  if (!stored) return fail('not_found');
  const hash = asString(ctx.args.hash);
  if (hash !== undefined && hash !== stored.view.hash) return fail('hash_conflict');
  const checked = checkedView(ctx, stored.view.type === 'home' ? 'home' : 'modal');
  if ('error' in checked) return checked.error;
  if (duplicateExternalId(ctx.state, checked.view, stored.id)) return fail('duplicate_external_id');
  return viewResponse(updateView(ctx.state, stored, checked.view));
};

const publish: MethodHandler = (ctx) => {
  const user = asString(ctx.args.user_id);
  if (!user || !ctx.state.users.has(user)) return fail('invalid_arguments', ['invalid `user_id`']);
  const checked = checkedView(ctx, 'home');
  if ('error' in checked) return checked.error;
  const currentId = ctx.state.homeViews.get(user);
  const current = currentId ? ctx.state.views.get(currentId) : undefined;
  const hash = asString(ctx.args.hash);
  if (hash !== undefined && current && hash !== current.view.hash) return fail('hash_conflict');
  if (duplicateExternalId(ctx.state, checked.view, current?.id)) return fail('duplicate_external_id');
  return viewResponse(publishHome(ctx.state, user, checked.view));
};

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
  'views.publish': publish,
};
