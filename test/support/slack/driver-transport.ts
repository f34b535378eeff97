// How the driver reaches the app, byte for byte as Slack does. HTTP: POST {appUrl}/slack/events,
// slash commands form-encoded, interactions as form `payload=<json>`, events as JSON, all signed with
// the v0 scheme (X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret, "v0:{ts}:{raw body}"),
// X-Slack-Request-Timestamp). Socket Mode: the same payloads in envelopes, answered by an ack.

import { createHmac } from 'node:crypto';
import type { EnvelopeType, SocketModeServer } from './socket-mode.js';

export type Transport = 'http' | 'socket';
export type PayloadKind = 'slash' | 'interactive' | 'event' | 'url_verification';

export interface RequestOptions {
  /** Sign with the wrong secret: the app must answer 401. */
  badSignature?: boolean;
  /** Timestamp 6 minutes old (Slack's window is 5): the app must answer 401. */
  staleTimestamp?: boolean;
  timestampSkewSeconds?: number;
  /** Events API redelivery: x-slack-retry-num / retry_attempt. */
  retryNum?: number;
  retryReason?: string;
}

export interface DriverResponse {
  /** HTTP status; 200 for a Socket Mode ack. */
  status: number;
  /** HTTP: the body parsed as JSON when possible, else text ('' when empty). Socket Mode: the ack payload. */
  body: unknown;
  /**
   * The acknowledgement as an object whatever the transport: JSON body or ack payload; a text body
   * becomes {text}; an empty ack is undefined.
   */
  ack: Record<string, unknown> | undefined;
}

export function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

function encode(kind: PayloadKind, payload: unknown): { body: string; contentType: string } {
  if (kind === 'slash') {
    return {
      body: new URLSearchParams(payload as Record<string, string>).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  if (kind === 'interactive') {
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  return { body: JSON.stringify(payload), contentType: 'application/json' };
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function ackOf(body: unknown): Record<string, unknown> | undefined {
  if (body === '' || body === undefined || body === null) return undefined;
  if (typeof body === 'string') return { text: body };
  if (typeof body === 'object' && !Array.isArray(body)) {
    return Object.keys(body).length === 0 ? undefined : (body as Record<string, unknown>);
  }
  return { value: body };
}

export async function sendHttp(
  url: string,
  kind: PayloadKind,
  payload: unknown,
  signingSecret: string,
  opts: RequestOptions,
  ackTimeoutMs: number,
): Promise<DriverResponse> {
  const { body, contentType } = encode(kind, payload);
  const skew = opts.timestampSkewSeconds ?? (opts.staleTimestamp ? -6 * 60 : 0);
  const timestamp = Math.floor(Date.now() / 1000) + skew;
  const secret = opts.badSignature ? `${signingSecret}-wrong` : signingSecret;
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(secret, timestamp, body),
  };
  if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
  const started = Date.now();
  // Bolt answers 404 by itself after 3 s without ack; leave room to observe that answer.
  const signal = Number.isFinite(ackTimeoutMs) ? AbortSignal.timeout(ackTimeoutMs + 2000) : undefined;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, ...(signal ? { signal } : {}) });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? 'no answer in time' : String(err);
    throw new Error(`POST ${url} (${kind}) failed: ${reason}`, { cause: err });
  }
  const text = await res.text();
  const elapsed = Date.now() - started;
  if (elapsed > ackTimeoutMs) {
    throw new Error(
      `the app took ${elapsed} ms to answer a ${kind} request; Slack gives up after ${ackTimeoutMs} ms`,
    );
  }
  const parsed = parseBody(text);
  return { status: res.status, body: parsed, ack: res.status === 200 ? ackOf(parsed) : undefined };
}

const ENVELOPE_TYPES: Record<PayloadKind, EnvelopeType | undefined> = {
  slash: 'slash_commands',
  interactive: 'interactive',
  event: 'events_api',
  url_verification: undefined,
};

export async function sendSocket(
  server: SocketModeServer,
  kind: PayloadKind,
  payload: unknown,
  opts: RequestOptions,
  ackTimeoutMs: number,
): Promise<DriverResponse> {
  const type = ENVELOPE_TYPES[kind];
  if (!type) throw new Error(`${kind} does not exist in Socket Mode`);
  if (opts.badSignature || opts.staleTimestamp || opts.timestampSkewSeconds !== undefined) {
    throw new Error('Socket Mode messages are not signed: signature options apply to HTTP only');
  }
  const interactiveType = (payload as { type?: string }).type;
  const acceptsResponsePayload =
    kind === 'slash' ||
    (kind === 'interactive' &&
      (interactiveType === 'view_submission' || interactiveType === 'block_suggestion'));
  const ackPayload = await server.deliver(type, payload, {
    acceptsResponsePayload,
    ...(opts.retryNum !== undefined ? { retryAttempt: opts.retryNum } : {}),
    ...(opts.retryReason !== undefined ? { retryReason: opts.retryReason } : {}),
    ackTimeoutMs,
  });
  return { status: 200, body: ackPayload, ack: ackOf(ackPayload) };
}
