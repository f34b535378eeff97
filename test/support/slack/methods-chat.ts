// chat.* methods: postMessage, update, postEphemeral, delete. Messages are validated with the Block Kit
// rules (invalid_blocks fails the whole call, as in Slack) and stored so tests can look at the
// channel as a user would see it after every update.

import {
  fail,
  invalidBlocks,
  type MethodContext,
  type MethodHandler,
  ok,
  type SlackResponse,
  truncateText,
  withBlockIds,
} from './api-types.js';
import { validateMessageBlocks } from './block-kit.js';
import { type Args, asBool, asString } from './http-util.js';
import { type SlackChannel, type SlackState, type StoredMessage, toSlackMessage } from './state.js';

export interface MessageContent {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Shared by chat.* and response_url: text/blocks presence, block format and Block Kit limits. */
export function checkMessageContent(
  args: Args,
  malformed: string[],
): { content: MessageContent } | { error: SlackResponse } {
  if (malformed.includes('blocks') || (args.blocks !== undefined && !Array.isArray(args.blocks))) {
    return { error: fail('invalid_blocks_format') };
  }
  const blocks = args.blocks as unknown[] | undefined;
  const attachments = Array.isArray(args.attachments) ? args.attachments : undefined;
  const text = asString(args.text) ?? '';
  if (text === '' && (!blocks || blocks.length === 0) && (!attachments || attachments.length === 0)) {
    return { error: fail('no_text') };
  }
  if (blocks) {
    const errors = validateMessageBlocks(blocks);
    if (errors.length > 0) return { error: invalidBlocks(errors) };
  }
  return { content: { text: truncateText(text), blocks: withBlockIds(blocks), attachments } };
}

function postableChannel(
  state: SlackState,
  ref: unknown,
): { channel: SlackChannel } | { error: SlackResponse } {
  const channel = state.resolveChannel(ref);
  if (!channel) return { error: fail('channel_not_found') };
  if (channel.isArchived) return { error: fail('is_archived') };
  if (!channel.isIm && channel.botIsMember === false) return { error: fail('not_in_channel') };
  return { channel };
}

const postMessage: MethodHandler = ({ state, args, malformed }) => {
  const target = postableChannel(state, args.channel);
  if ('error' in target) return target.error;
  const checked = checkMessageContent(args, malformed);
  if ('error' in checked) return checked.error;
  const threadTs = asString(args.thread_ts);
  const stored = state.addMessage({
    channel: target.channel.id,
    ...state.botMessageFields(),
    ...checked.content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...(threadTs && asBool(args.reply_broadcast) ? { subtype: 'thread_broadcast' } : {}),
    ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
  });
  return ok({ channel: stored.channel, ts: stored.ts, message: toSlackMessage(stored) });
};

function ownMessage(ctx: MethodContext): { message: StoredMessage } | { error: SlackResponse } {
  const channel = ctx.state.resolveChannel(ctx.args.channel);
  if (!channel) return { error: fail('channel_not_found') };
  const ts = asString(ctx.args.ts);
  const message = ts ? ctx.state.findMessage(channel.id, ts) : undefined;
  if (!message) return { error: fail('message_not_found') };
  return { message };
}

const update: MethodHandler = (ctx) => {
  const found = ownMessage(ctx);
  if ('error' in found) return found.error;
  const { message } = found;
  if (message.user !== ctx.state.config.botUserId) return fail('cant_update_message');
  const checked = checkMessageContent(ctx.args, ctx.malformed);
  if ('error' in checked) return checked.error;
  // Omitted fields are cleared, as chat.update replaces the message content.
  message.text = checked.content.text;
  if (checked.content.blocks) message.blocks = checked.content.blocks;
  else delete message.blocks;
  if (checked.content.attachments) message.attachments = checked.content.attachments;
  else delete message.attachments;
  if (ctx.args.metadata !== undefined) message.metadata = ctx.args.metadata;
  message.edited = { user: ctx.state.config.botUserId, ts: ctx.state.nextTs() };
  return ok({
    channel: message.channel,
    ts: message.ts,
    text: message.text,
    message: toSlackMessage(message),
  });
};

const remove: MethodHandler = (ctx) => {
  const found = ownMessage(ctx);
  if ('error' in found) return found.error;
  if (found.message.user !== ctx.state.config.botUserId) return fail('cant_delete_message');
  found.message.deleted = true;
  return ok({ channel: found.message.channel, ts: found.message.ts });
};

const postEphemeral: MethodHandler = ({ state, args, malformed }) => {
  const target = postableChannel(state, args.channel);
  if ('error' in target) return target.error;
  const user = asString(args.user);
  if (!user || !state.users.has(user)) return fail('user_not_found');
  const { channel } = target;
  if (!channel.isIm && !channel.members.includes(user)) return fail('user_not_in_channel');
  const checked = checkMessageContent(args, malformed);
  if ('error' in checked) return checked.error;
  const messageTs = state.nextTs();
  const threadTs = asString(args.thread_ts);
  state.ephemerals.push({
    channel: channel.id,
    user,
    message_ts: messageTs,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    text: checked.content.text,
    ...(checked.content.blocks ? { blocks: checked.content.blocks } : {}),
    via: 'chat.postEphemeral',
  });
  return ok({ message_ts: messageTs });
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'chat.postEphemeral': postEphemeral,
};
