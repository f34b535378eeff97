/**
 * HTTP plumbing shared by the handlers: the request context, body reading, JSON/Status replies and
 * query parsing. Every reply carries a Content-Type: client-node cannot parse a body without one.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import yaml from 'js-yaml';
import type { AccessRules } from './access.js';
import type { EmulatedClock } from './clock.js';
import type { VersionInfo } from './discovery.js';
import type { EventRecorder } from './events.js';
import type { RecordedRequest } from './faults.js';
import type { IdSource } from './ids.js';
import type { LogStore } from './logs.js';
import { ApiError, badRequest } from './status.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import type { WatchHub } from './watch.js';

/** What handlers may touch in one cluster. */
export interface ClusterState {
  readonly name: string;
  readonly store: ObjectStore;
  readonly clock: EmulatedClock;
  readonly ids: IdSource;
  readonly logs: LogStore;
  readonly watches: WatchHub;
  readonly events: EventRecorder;
  readonly version: VersionInfo;
  /** What tests forbid (access.ts). */
  readonly access: AccessRules;
  serverAddress(): string;
}

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly cluster: ClusterState;
  readonly record: RecordedRequest;
  readonly rawBody: string;
  /** Sent as `Warning: 299 - "..."` headers with the reply. */
  readonly warnings: string[];
}

const MAX_BODY = 3 * 1024 * 1024;

/** Each request's body as sent, for the few handlers that read binary (protobuf) bodies. */
export const bodyBytes = new WeakMap<IncomingMessage, Buffer>();

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(
          new ApiError(413, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'request entity too large',
            reason: 'RequestEntityTooLarge',
            code: 413,
          }),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      bodyBytes.set(req, bytes);
      resolve(bytes.toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Parses a request body; YAML only for server-side apply, JSON otherwise. */
export function parseBody(raw: string, contentType = 'application/json'): unknown {
  if (raw.trim() === '') throw badRequest('the body of the request was empty');
  try {
    if (contentType.includes('yaml')) return yaml.load(raw);
    return JSON.parse(raw);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function warningHeaders(ctx: Ctx): Record<string, string[]> {
  if (ctx.warnings.length === 0) return {};
  return { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

export function sendJson(
  ctx: Ctx,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (ctx.res.headersSent) return;
  const pretty = ctx.query.get('pretty') === 'true';
  const text = JSON.stringify(body, null, pretty ? 2 : undefined);
  ctx.record.status = code;
  ctx.res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    ...warningHeaders(ctx),
    ...headers,
  });
  ctx.res.end(`${text}\n`);
}

export function sendError(ctx: Ctx, err: ApiError): void {
  sendJson(ctx, err.code, err.body, err.headers);
}

export function sendText(ctx: Ctx, code: number, text: string): void {
  ctx.record.status = code;
  ctx.res.writeHead(code, { 'Content-Type': 'text/plain', ...warningHeaders(ctx) });
  ctx.res.end(text);
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: "${v}"`);
  return n;
}

/** The apiserver answers dryRun=All only; anything else is a 400. */
export function isDryRun(ctx: Ctx, body?: unknown): boolean {
  const values = ctx.query.getAll('dryRun');
  const fromBody = (body as { dryRun?: unknown } | undefined)?.dryRun;
  if (Array.isArray(fromBody)) values.push(...fromBody.map(String));
  for (const v of values)
    if (v !== 'All') throw badRequest(`Invalid dryRun value "${v}": supported values: "All"`);
  return values.length > 0;
}

/** Lists carry no kind/apiVersion on their items, as the API server's JSON lists. */
export function withoutTypeMeta(obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest as KubeObject;
}
