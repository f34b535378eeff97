/**
 * The request path of one emulated API server: record the request, apply injected faults,
 * authenticate, route, and turn thrown ApiErrors into Status replies.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from './access.js';
import type { FaultInjector, RequestLog } from './faults.js';
import { type ClusterState, type Ctx, readBody, sendError } from './http.js';
import { dispatch, PUBLIC_PATHS } from './routes.js';
import { ApiError, injectedFailure, unauthorized } from './status.js';

export interface ServeHost {
  readonly state: ClusterState;
  readonly token: string;
  readonly requestLog: RequestLog;
  readonly faults: FaultInjector;
  /** True while the cluster plays a black hole: requests get no answer at all. */
  hanging(): boolean;
  /** Keeps an unanswered response so it can be cut when the cluster comes back or stops. */
  hold(res: ServerResponse): void;
}

export async function serveRequest(
  host: ServeHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const name = host.state.name;
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = (req.method ?? 'GET').toUpperCase();
  const record = host.requestLog.record({
    cluster: name,
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    contentType: req.headers['content-type'],
    accept: req.headers.accept,
    userAgent: req.headers['user-agent'],
    receivedAt: Date.now(),
  });
  if (host.hanging()) {
    host.hold(res);
    return;
  }
  const ctx: Ctx = {
    req,
    res,
    method,
    path: url.pathname,
    query: url.searchParams,
    cluster: host.state,
    record,
    rawBody: '',
    warnings: [],
  };
  try {
    const rawBody = await readBody(req);
    (ctx as { rawBody: string }).rawBody = rawBody;
    if (rawBody && !(req.headers['content-type'] ?? '').includes('yaml')) {
      try {
        record.body = JSON.parse(rawBody);
      } catch {
        record.body = rawBody;
      }
    }
    const fault = host.faults.take(method, url.pathname);
    if (fault) {
      record.fault = fault.hang ? 'hang' : fault.delayOnly ? 'delay' : String(fault.status ?? 500);
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.hang) {
        host.hold(res);
        return;
      }
      if (!fault.delayOnly) {
        const err = injectedFailure(fault.status ?? 500, fault.message ?? 'injected fault');
        throw fault.status === 429 ? new ApiError(429, err.body, { 'Retry-After': '1' }) : err;
      }
    }
    // kubectl sends no bearer token over plain http, so requests without credentials are served
    // as an anonymous admin; a wrong token is still a 401, as with the real authenticator chain.
    const auth = req.headers.authorization;
    if (auth !== undefined && auth !== `Bearer ${host.token}` && !PUBLIC_PATHS.has(url.pathname)) {
      throw unauthorized();
    }
    authorize(ctx);
    await dispatch(ctx);
  } catch (err) {
    if (err instanceof ApiError) sendError(ctx, err);
    else {
      console.error(`kube emulator (${name}) ${method} ${url.pathname} failed`, err);
      sendError(ctx, injectedFailure(500, `Internal error occurred: ${(err as Error).message}`));
    }
  }
}
