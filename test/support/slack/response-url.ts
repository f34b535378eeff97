// The response_url endpoint: every slash command and interaction the driver sends carries a
// response_url pointing at this emulator. POSTs are recorded and applied (ephemeral reply, in_channel
// message, replace_original / delete_original of the source message). Slack allows 5 uses within
// 30 minutes; after that the URL answers HTTP 404 (body error used_url / expired_url).

import { asBool, asString } from './http-util.js';
import { checkMessageContent } from './methods-chat.js';
import {
  type ResponseUrlTicket,
  randomId,
  type SlackState,
  type StoredEphemeral,
  type StoredMessage,
} from './state.js';

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseUrlContext {
  user: string;
  channel?: string;
  messageTs?: string;
  isEphemeral?: boolean;
}

export function issueResponseUrl(state: SlackState, baseUrl: string, ctx: ResponseUrlContext): string {
  const id = randomId('R', 16);
  const url = `${baseUrl}/response/${state.config.teamId}/${id}`;
  const ticket: ResponseUrlTicket = { id, url, issuedAt: state.now(), uses: 0, ...ctx };
  state.responseUrls.set(id, ticket);
  return url;
}

export interface ResponseUrlResult {
  status: number;
  body: Record<string, unknown>;
  posted?: StoredMessage | StoredEphemeral;
}

export function handleResponseUrl(state: SlackState, id: string, body: unknown): ResponseUrlResult {
  const ticket = state.responseUrls.get(id);
  const url = ticket?.url ?? id;
  const result = apply(state, ticket, body);
  state.responses.push({
    url,
    body,
    status: result.status,
    ...(result.body.ok === false ? { error: String(result.body.error) } : {}),
    time: state.now(),
    ...(result.posted ? { posted: result.posted } : {}),
  });
  return result;
}

function failure(status: number, error: string, messages?: string[]): ResponseUrlResult {
  return { status, body: { ok: false, error, ...(messages ? { response_metadata: { messages } } : {}) } };
}

function apply(state: SlackState, ticket: ResponseUrlTicket | undefined, body: unknown): ResponseUrlResult {
  if (!ticket) return failure(404, 'invalid_url');
  if (state.now() - ticket.issuedAt > RESPONSE_URL_TTL_MS) return failure(404, 'expired_url');
  if (ticket.uses >= RESPONSE_URL_MAX_USES) return failure(404, 'used_url');
  ticket.uses++;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return failure(400, 'invalid_payload');
  const args = body as Record<string, unknown>;
  if (asBool(args.delete_original)) return deleteOriginal(state, ticket);
  const checked = checkMessageContent(args, []);
  if ('error' in checked) {
    const meta = checked.error.response_metadata as { messages?: string[] } | undefined;
    return failure(400, String(checked.error.error), meta?.messages);
  }
  const { content } = checked;
  if (asBool(args.replace_original) && ticket.messageTs && ticket.channel) {
    if (ticket.isEphemeral) {
      const eph = state.ephemerals.find(
        (e) => e.message_ts === ticket.messageTs && e.channel === ticket.channel,
      );
      if (eph) Object.assign(eph, { text: content.text, blocks: content.blocks });
    } else {
      const msg = state.findMessage(ticket.channel, ticket.messageTs);
      if (msg) {
        msg.text = content.text;
        if (content.blocks) msg.blocks = content.blocks;
        else delete msg.blocks;
        msg.edited = { user: state.config.botUserId, ts: state.nextTs() };
      }
    }
    return { status: 200, body: { ok: true } };
  }
  if (!ticket.channel) return failure(404, 'channel_not_found');
  const threadTs = asString(args.thread_ts);
  if (args.response_type === 'in_channel') {
    const posted = state.addMessage({
      channel: ticket.channel,
      ...state.botMessageFields(),
      ...content,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { status: 200, body: { ok: true }, posted };
  }
  const posted: StoredEphemeral = {
    channel: ticket.channel,
    user: ticket.user,
    message_ts: state.nextTs(),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    text: content.text,
    ...(content.blocks ? { blocks: content.blocks } : {}),
    via: 'response_url',
  };
  state.ephemerals.push(posted);
  return { status: 200, body: { ok: true }, posted };
}

function deleteOriginal(state: SlackState, ticket: ResponseUrlTicket): ResponseUrlResult {
  if (!ticket.messageTs || !ticket.channel) return failure(404, 'message_not_found');
  if (ticket.isEphemeral) {
    const eph = state.ephemerals.find(
      (e) => e.message_ts === ticket.messageTs && e.channel === ticket.channel,
    );
    if (eph) eph.deleted = true;
  } else {
    const msg = state.findMessage(ticket.channel, ticket.messageTs);
    if (msg) msg.deleted = true;
  }
  return { status: 200, body: { ok: true } };
}
