/**
 * The pipeline API under /api/v1: routing, Bearer authentication, per-token rate limits, JSON bodies
 * (at most 64 KiB) and the error shape `{error: {code, message, fields?}}`. What each endpoint does is
 * in handlers.ts. A JobbotError from a service becomes its HTTP status here; anything else is a bug
 * and answers 500 with no detail.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isJobbotError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import type { TokenService } from '../../services/tokens.js';
import type { TokenRecord } from '../../store/tokens.js';
import { sendJson } from '../server.js';
import { type ApiHandlers, type HandlerContext, HttpError } from './handlers.js';
import { RateLimiter } from './rate-limit.js';
import { openApiDocument } from './schemas.js';

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiOptions {
  /** Requests one token may send per minute (default 60). */
  perMinute?: number;
}

type Route = {
  method: 'GET' | 'POST' | 'PUT';
  pattern: RegExp;
  run: (ctx: HandlerContext, params: string[]) => Promise<void>;
};

const STATUS: Record<string, number> = {
  definition_not_found: 404,
  dispatch_not_found: 404,
  invalid_overrides: 422,
  dispatch_not_cancellable: 409,
  usage: 400,
  forbidden: 403,
  approval_not_found: 404,
  approval_closed: 409,
};

export function createApi(
  deps: { tokens: Pick<TokenService, 'authenticate'>; handlers: ApiHandlers; log: Logger },
  options: ApiOptions = {},
  /** Routes owned by other features (pipeline runs: pipelines.ts). */
  extraRoutes: Route[] = [],
): RequestListener {
  const limiter = new RateLimiter(options.perMinute ?? 60);
  const h = deps.handlers;
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/api\/v1\/jobs$/, run: (c) => h.listJobs(c) },
    { method: 'GET', pattern: /^\/api\/v1\/jobs\/([^/]+)$/, run: (c, [n]) => h.getJob(c, n!) },
    { method: 'PUT', pattern: /^\/api\/v1\/jobs\/([^/]+)$/, run: (c, [n]) => h.putJob(c, n!) },
    { method: 'POST', pattern: /^\/api\/v1\/jobs\/([^/]+)\/dispatches$/, run: (c, [n]) => h.dispatch(c, n!) },
    { method: 'GET', pattern: /^\/api\/v1\/dispatches\/(\d{1,15})$/, run: (c, [n]) => h.getDispatch(c, +n!) },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/dispatches\/(\d{1,15})\/cancel$/,
      run: (c, [n]) => h.cancel(c, +n!),
    },
    { method: 'GET', pattern: /^\/api\/v1\/dispatches\/(\d{1,15})\/logs$/, run: (c, [n]) => h.logs(c, +n!) },
  ];
  routes.push(...extraRoutes);

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/api/v1/openapi.json' && method === 'GET') {
      sendJson(res, 200, openApiDocument());
      return;
    }
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    const route = matching.find((r) => r.method === method);
    const token = deps.tokens.authenticate(bearer(req));
    // Authentication first: an unauthenticated caller learns nothing, not even which paths exist.
    if (!token) return fail(res, 401, 'unauthorized', 'A valid API token is required.');
    if (matching.length === 0) return fail(res, 404, 'not_found', 'There is no such API endpoint.');
    if (!route)
      return fail(res, 405, 'method_not_allowed', `Use ${matching[0]!.method}.`, {
        allow: matching[0]!.method,
      });
    const rate = limiter.take(String(token.id));
    if (!rate.ok)
      return fail(res, 429, 'rate_limited', 'Too many requests for this token; retry later.', {
        'retry-after': String(rate.retryAfter),
      });
    const params = route.pattern.exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const ctx: HandlerContext = { req, res, url, token, body: () => readJson(req) };
    route.run(ctx, params).catch((err: unknown) => failed(res, deps.log, token, err));
  };
}

function failed(res: ServerResponse, log: Logger, token: TokenRecord, err: unknown): void {
  if (res.headersSent) {
    log.error({ err, token: token.label }, 'api response failed midway');
    res.destroy();
  } else if (err instanceof HttpError) {
    fail(res, err.status, err.code, err.message, err.headers, err.fields);
  } else if (isJobbotError(err)) {
    const messages = err.details.messages;
    const fields = Array.isArray(messages) ? messages.map(String) : undefined;
    fail(res, STATUS[err.code] ?? 400, err.code, err.userMessage, {}, fields);
  } else {
    log.error({ err, token: token.label }, 'api request failed');
    fail(res, 500, 'internal_error', 'Something went wrong in Jobbot; the error was logged.');
  }
}

export function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  fields?: string[],
): void {
  sendJson(res, status, { error: { code, message, ...(fields ? { fields } : {}) } }, headers);
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}

/** The parsed JSON body; an empty body is `{}`. Stops reading at MAX_BODY_BYTES. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, 'body_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`, {
    connection: 'close',
  });
}
