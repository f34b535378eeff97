// Shared types and helpers of the emulated Web API methods: the context a handler receives and the
// Slack response envelope ({ok: true, ...} or {ok: false, error, response_metadata}).

import { randomBytes } from 'node:crypto';
import type { Args } from './http-util.js';
import type { SlackState } from './state.js';

export interface SlackResponse {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface MethodContext {
  state: SlackState;
  args: Args;
  binaries: Record<string, Buffer>;
  malformed: string[];
  /** http://127.0.0.1:PORT, for URLs the emulator hands out (upload_url, socket URL). */
  baseUrl: string;
  /** Issues a fresh Socket Mode URL (apps.connections.open). */
  socketUrl: () => string;
}

export type MethodHandler = (ctx: MethodContext) => SlackResponse;

/** Which token a method takes: bot tokens everywhere except Socket Mode's apps.connections.open. */
export type TokenKind = 'bot' | 'app';

export function ok(fields: Record<string, unknown> = {}): SlackResponse {
  return { ok: true, ...fields };
}

/** Slack lists detail lines as "[ERROR] ..." in response_metadata.messages. */
export function fail(error: string, messages?: string[], extra: Record<string, unknown> = {}): SlackResponse {
  const body: SlackResponse = { ok: false, error, ...extra };
  if (messages && messages.length > 0) {
    body.response_metadata = { messages: messages.map((m) => (m.startsWith('[') ? m : `[ERROR] ${m}`)) };
  }
  return body;
}

/** chat.* answer invalid_blocks with both the bare `errors` and the "[ERROR]" metadata lines. */
export function invalidBlocks(errors: string[]): SlackResponse {
  return fail('invalid_blocks', errors, { errors });
}

const BLOCK_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Slack fills in a short random block_id for every block that has none. */
export function withBlockIds(blocks: unknown): unknown[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  return blocks.map((block) => {
    if (typeof block !== 'object' || block === null || 'block_id' in block) return structuredClone(block);
    let id = '';
    for (const b of randomBytes(5)) id += BLOCK_ID_ALPHABET[b % BLOCK_ID_ALPHABET.length];
    return { ...structuredClone(block), block_id: id };
  });
}

/** Slack truncates message text beyond 40,000 characters rather than failing. */
export function truncateText(text: string, max = 40_000): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('') : text;
}
