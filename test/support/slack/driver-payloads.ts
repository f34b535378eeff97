// Payloads the driver sends to the app, shaped like Slack's (slash command form fields, block_actions,
// view_submission, view_closed, block_suggestion, message_action / shortcut, event_callback). Interactions are built from what
// the app really posted or opened: the source message/view is read from the emulator, the element is
// found by action_id in its blocks, and the payload carries the message or view as Slack does.

import { randomBytes } from 'node:crypto';
import {
  type JsonObject,
  type SlackState,
  type StoredEphemeral,
  type StoredMessage,
  type StoredView,
  toSlackMessage,
} from './state.js';

/** Where an interaction happens: a posted message, an ephemeral, a view by id, or a user's Home tab. */
export type ActionSource =
  | { channel: string; ts: string }
  | { viewId: string }
  | { home: string }
  | StoredEphemeral;

export interface ResolvedSource {
  kind: 'message' | 'ephemeral' | 'view';
  blocks: JsonObject[];
  container: JsonObject;
  /** Payload fields describing the source: {channel, message} or {view}. */
  fields: JsonObject;
  channel?: string;
  messageTs?: string;
  view?: StoredView;
  /** Who can see the source (a view's or an ephemeral's owner): the default actor. */
  owner?: string;
}

export function actionTs(state: SlackState): string {
  return `${Math.floor(state.now() / 1000)}.${String(randomBytes(3).readUIntBE(0, 3) % 1_000_000).padStart(6, '0')}`;
}

export function userField(state: SlackState, userId: string): JsonObject {
  const user = state.users.get(userId);
  if (!user) throw new Error(`no user ${userId} in the emulated workspace`);
  return { id: user.id, username: user.name, name: user.name, team_id: state.config.teamId };
}

/** Fields every interactive payload carries. */
export function commonFields(state: SlackState, userId: string): JsonObject {
  const cfg = state.config;
  return {
    team: { id: cfg.teamId, domain: cfg.teamDomain },
    user: userField(state, userId),
    api_app_id: cfg.appId,
    token: cfg.verificationToken,
    is_enterprise_install: false,
    enterprise: null,
  };
}

function channelField(state: SlackState, channelId: string): JsonObject {
  const channel = state.channels.get(channelId);
  return { id: channelId, name: channel?.isIm ? 'directmessage' : (channel?.name ?? channelId) };
}

export function resolveSource(state: SlackState, source: ActionSource): ResolvedSource {
  if ('viewId' in source || 'home' in source) {
    const id = 'viewId' in source ? source.viewId : state.homeViews.get(source.home);
    const view = id ? state.views.get(id) : undefined;
    if (!view || view.closed) {
      throw new Error(
        'viewId' in source ? `view ${source.viewId} is not open` : `user ${source.home} has no Home tab`,
      );
    }
    return {
      kind: 'view',
      blocks: (view.view.blocks as JsonObject[]) ?? [],
      container: { type: 'view', view_id: view.id },
      fields: { view: structuredClone(view.view) },
      view,
      owner: view.user,
    };
  }
  if ('message_ts' in source) {
    const eph = state.ephemerals.find(
      (e) => e.message_ts === source.message_ts && e.channel === source.channel,
    );
    if (!eph || eph.deleted) throw new Error(`ephemeral ${source.message_ts} is not visible any more`);
    return {
      kind: 'ephemeral',
      blocks: (eph.blocks as JsonObject[]) ?? [],
      container: { type: 'message', message_ts: eph.message_ts, channel_id: eph.channel, is_ephemeral: true },
      fields: { channel: channelField(state, eph.channel) },
      channel: eph.channel,
      messageTs: eph.message_ts,
      owner: eph.user,
    };
  }
  const channel = state.resolveChannel(source.channel);
  const message = channel ? state.findMessage(channel.id, source.ts) : undefined;
  if (!channel || !message) throw new Error(`no message ${source.ts} in channel ${source.channel}`);
  return {
    kind: 'message',
    blocks: (message.blocks as JsonObject[]) ?? [],
    container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: false },
    fields: { channel: channelField(state, channel.id), message: toSlackMessage(message) },
    channel: channel.id,
    messageTs: message.ts,
  };
}

export interface FoundElement {
  element: JsonObject;
  blockId: string;
}

function interactiveElements(blocks: JsonObject[]): FoundElement[] {
  const found: FoundElement[] = [];
  for (const block of blocks) {
    const blockId = String(block.block_id ?? '');
    const candidates =
      block.type === 'actions'
        ? ((block.elements as JsonObject[]) ?? [])
        : block.type === 'section' && block.accessory
          ? [block.accessory as JsonObject]
          : block.type === 'input' && block.element
            ? [block.element as JsonObject]
            : [];
    for (const element of candidates) found.push({ element, blockId });
  }
  return found;
}

/** Finds the element a user would press; fails with the list of what is there instead. */
export function findElement(
  src: ResolvedSource,
  actionId: string,
  types: (type: string) => boolean,
  filter: { blockId?: string; value?: string },
): FoundElement {
  const all = interactiveElements(src.blocks);
  const matches = all.filter(
    (f) =>
      f.element.action_id === actionId &&
      types(String(f.element.type)) &&
      (filter.blockId === undefined || f.blockId === filter.blockId) &&
      (filter.value === undefined || f.element.value === filter.value),
  );
  const describe = () =>
    all.map((f) => `${f.element.type} ${f.element.action_id}${f.element.value ? `=${f.element.value}` : ''}`);
  if (matches.length === 0) {
    throw new Error(
      `no element with action_id "${actionId}" here; found: ${describe().join(', ') || 'none'}`,
    );
  }
  if (matches.length > 1) {
    throw new Error(`${matches.length} elements match action_id "${actionId}": pass blockId or value`);
  }
  return matches[0] as FoundElement;
}

export function slashCommandPayload(
  state: SlackState,
  p: { command: string; text: string; user: string; channel: string; triggerId: string; responseUrl: string },
): Record<string, string> {
  const cfg = state.config;
  const user = state.users.get(p.user);
  const channel = channelField(state, p.channel);
  return {
    token: cfg.verificationToken,
    team_id: cfg.teamId,
    team_domain: cfg.teamDomain,
    channel_id: p.channel,
    channel_name: String(channel.name),
    user_id: p.user,
    user_name: user?.name ?? p.user,
    command: p.command,
    text: p.text,
    api_app_id: cfg.appId,
    is_enterprise_install: 'false',
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  };
}

/**
 * A message shortcut as Slack sends it: no api_app_id, no container; the message is the stored one
 * whole (blocks, files...), and the response_url posts into the message's channel.
 */
export function messageShortcutPayload(
  state: SlackState,
  p: {
    callbackId: string;
    user: string;
    channel: string;
    message: StoredMessage;
    triggerId: string;
    responseUrl: string;
  },
): JsonObject {
  const cfg = state.config;
  return {
    type: 'message_action',
    token: cfg.verificationToken,
    action_ts: actionTs(state),
    team: { id: cfg.teamId, domain: cfg.teamDomain },
    user: userField(state, p.user),
    channel: channelField(state, p.channel),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: p.callbackId,
    trigger_id: p.triggerId,
    response_url: p.responseUrl,
    message_ts: p.message.ts,
    message: toSlackMessage(p.message),
  };
}

/** A global shortcut: no channel, no message and no response_url; the user has no `name`. */
export function globalShortcutPayload(
  state: SlackState,
  p: { callbackId: string; user: string; triggerId: string },
): JsonObject {
  const cfg = state.config;
  const { name: _name, ...user } = userField(state, p.user);
  return {
    type: 'shortcut',
    token: cfg.verificationToken,
    action_ts: actionTs(state),
    team: { id: cfg.teamId, domain: cfg.teamDomain },
    user,
    is_enterprise_install: false,
    enterprise: null,
    callback_id: p.callbackId,
    trigger_id: p.triggerId,
  };
}

export function eventCallback(state: SlackState, event: JsonObject): JsonObject {
  const cfg = state.config;
  const nowSec = Math.floor(state.now() / 1000);
  return {
    token: cfg.verificationToken,
    team_id: cfg.teamId,
    context_team_id: cfg.teamId,
    context_enterprise_id: null,
    api_app_id: cfg.appId,
    event: { event_ts: `${nowSec}.000100`, ...event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: nowSec,
    authorizations: [
      {
        enterprise_id: null,
        team_id: cfg.teamId,
        user_id: cfg.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(24).toString('base64url')}`,
  };
}
