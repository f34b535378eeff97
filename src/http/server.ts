/**
 * The one HTTP server on PORT. It owns the routes that are not Slack's (health, readiness, metrics,
 * and the pipeline API under /api/v1/) and hands POST /slack/events to the Slack receiver in HTTP mode
 * (slack/receiver.ts: Bolt's signature check and ack handling). Shutdown stops accepting, lets
 * in-flight requests finish, then cuts what is left after a grace period.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  [part: string]: unknown;
}

export interface HttpServerDeps {
  log: Logger;
  metrics: Metrics;
  readiness: () => Readiness;
  /** The Slack receiver's request listener in HTTP mode; undefined in Socket Mode. */
  slackEvents: RequestListener | undefined;
  /** The pipeline API, for every path under /api/v1/ (it answers its own errors). */
  api?: RequestListener;
}

export interface HttpServer {
  server: Server;
  listen(port: number): Promise<number>;
  close(graceMs?: number): Promise<void>;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const server = createServer((req, res) => handle(deps, req, res));
  // Slack keeps connections alive; idle ones must not hold shutdown open.
  server.keepAliveTimeout = 5_000;
  return {
    server,
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: (graceMs = 10_000) =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function handle(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const route = routeOf(pathname);
  // Made only when something is logged: a pino child (with its redaction) costs a good part of a
  // short request, and a burst of 200 Slack commands is acknowledged one request after another.
  let child: Logger | undefined;
  const log = () =>
    (child ??= deps.log.child({ reqId: headerValue(req, 'x-request-id') ?? randomUUID(), route }));
  res.on('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.httpRequests.inc({ route, method, status: String(res.statusCode) });
    deps.metrics.httpDuration.observe({ route }, seconds);
    if (deps.log.isLevelEnabled('debug'))
      log().debug(
        { method, path: pathname, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
  });

  if (route === '/slack/events') slackEvents(deps, req, res, method);
  else if (route === 'api' && deps.api) deps.api(req, res);
  else ownRoute(deps, res, route, method, pathname, log);
}

function slackEvents(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse, method: string): void {
  if (method !== 'POST') {
    sendJson(res, 405, { error: 'method_not_allowed', message: 'Use POST.' }, { allow: 'POST' });
  } else if (!deps.slackEvents) {
    sendJson(res, 404, {
      error: 'socket_mode',
      message:
        'Jobbot runs in Socket Mode (SLACK_APP_TOKEN is set); Slack events arrive over the socket, not here.',
    });
  } else {
    deps.slackEvents(req, res);
  }
}

function ownRoute(
  deps: HttpServerDeps,
  res: ServerResponse,
  route: string,
  method: string,
  pathname: string,
  log: () => Logger,
): void {
  if (route === 'unknown') {
    sendJson(res, 404, { error: 'not_found', message: `No route for ${pathname}.` });
  } else if (method !== 'GET' && method !== 'HEAD') {
    sendJson(res, 405, { error: 'method_not_allowed', message: 'Use GET.' }, { allow: 'GET, HEAD' });
  } else if (route === '/healthz') {
    sendJson(res, 200, { ok: true });
  } else if (route === '/readyz') {
    const report = deps.readiness();
    sendJson(res, report.ready ? 200 : 503, report);
  } else {
    deps.metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        log().error({ err }, 'metrics collection failed');
        sendJson(res, 500, { error: 'metrics_failed' });
      },
    );
  }
}

const ROUTES = new Set(['/slack/events', '/healthz', '/readyz', '/metrics']);

/** A bounded label set for metrics: never the raw path, which a client controls. */
function routeOf(pathname: string): string {
  if (pathname.startsWith('/api/v1/')) return 'api';
  return ROUTES.has(pathname) ? pathname : 'unknown';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
