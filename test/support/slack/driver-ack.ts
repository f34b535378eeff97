// A slash command's ack body is a message Slack shows: ephemeral to the caller by default, or in the
// channel with response_type in_channel. Recording it lets tests click its buttons like any other
// message, and a body real Slack would refuse fails the test here.

import { validateMessageBlocks } from './block-kit.js';
import type { SlackState, StoredEphemeral, StoredMessage } from './state.js';

export function recordSlashAck(
  state: SlackState,
  ctx: { channel: string; user: string },
  ack: unknown,
): StoredEphemeral | StoredMessage | undefined {
  if (typeof ack !== 'object' || ack === null) return undefined;
  const body = ack as { text?: unknown; blocks?: unknown; response_type?: unknown };
  if (body.text === undefined && body.blocks === undefined) return undefined;
  if (body.blocks !== undefined) {
    const errors = validateMessageBlocks(body.blocks);
    if (errors.length > 0)
      throw new Error(`Slack would refuse the slash command's reply: ${errors.join('; ')}`);
  }
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
  if (body.response_type === 'in_channel') {
    return state.addMessage({
      channel: ctx.channel,
      ...state.botMessageFields(),
      text,
      ...(blocks ? { blocks } : {}),
    } as never);
  }
  const eph: StoredEphemeral = {
    channel: ctx.channel,
    user: ctx.user,
    message_ts: state.nextTs(),
    text,
    ...(blocks ? { blocks } : {}),
    via: 'ack',
  };
  state.ephemerals.push(eph);
  return eph;
}
