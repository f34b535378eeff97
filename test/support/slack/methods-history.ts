// conversations.history and conversations.replies: what a channel or a thread holds, as Slack lists
// it (history newest first, replies parent first then oldest first), paged with `limit` and `cursor`,
// bounded by `oldest`/`latest` (exclusive unless `inclusive`). Message metadata is returned only with
// include_all_metadata, as in Slack; apps use it to find a message they posted.

import { fail, type MethodHandler, ok } from './api-types.js';
import { type Args, asBool, asString } from './http-util.js';
import { type JsonObject, type StoredMessage, toSlackMessage } from './state.js';

function isTopLevel(m: StoredMessage): boolean {
  return !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
}

function inRange(m: StoredMessage, args: Args): boolean {
  const ts = Number(m.ts);
  const inclusive = asBool(args.inclusive);
  const oldest = asString(args.oldest);
  const latest = asString(args.latest);
  if (oldest !== undefined && (inclusive ? ts < Number(oldest) : ts <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? ts > Number(latest) : ts >= Number(latest))) return false;
  return true;
}

function page(list: StoredMessage[], args: Args): JsonObject {
  const limit = Math.min(1000, Math.max(1, Number(asString(args.limit) ?? 100) || 100));
  const start = Number(asString(args.cursor)?.replace(/^next:/, '') ?? 0) || 0;
  const slice = list.slice(start, start + limit);
  const withMetadata = asBool(args.include_all_metadata);
  const more = start + limit < list.length;
  return {
    messages: slice.map((m) => {
      const out = toSlackMessage(m);
      if (!withMetadata) delete out.metadata;
      return out;
    }),
    has_more: more,
    response_metadata: { next_cursor: more ? `next:${start + limit}` : '' },
  };
}

const history: MethodHandler = ({ state, args }) => {
  const channel = state.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (!channel.isIm && channel.botIsMember === false) return fail('not_in_channel');
  const list = (state.messagesByChannel.get(channel.id) ?? [])
    .filter((m) => !m.deleted && isTopLevel(m) && inRange(m, args))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  return ok(page(list, args));
};

const replies: MethodHandler = ({ state, args }) => {
  const channel = state.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (!channel.isIm && channel.botIsMember === false) return fail('not_in_channel');
  const ts = asString(args.ts);
  const all = state.messagesByChannel.get(channel.id) ?? [];
  const parent = ts ? all.find((m) => m.ts === ts && !m.deleted) : undefined;
  if (!parent) return fail('thread_not_found');
  const thread = all
    .filter((m) => !m.deleted && m.ts !== parent.ts && m.thread_ts === parent.ts && inRange(m, args))
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  return ok(page([parent, ...thread], args));
};

export const historyMethods: Record<string, MethodHandler> = {
  'conversations.history': history,
  'conversations.replies': replies,
};
