// Local Slack emulator: one node:http server on 127.0.0.1 serving the Web API (/api/<method>), file
// upload URLs (/upload/v1/<file id>), private file URLs (/files-pri/..., with the sign-in page at /),
// response URLs (/response/...) and Socket Mode (ws upgrade on /link/). Give Bolt
// `clientOptions: {slackApiUrl: emulator.apiUrl}`. Answers use Slack's shapes and
// `content-type: application/json; charset=utf-8`; every call is recorded in `calls`, every file
// download in `downloads`.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fail, type MethodHandler, type SlackResponse, type TokenKind } from './api-types.js';
import { type FailOptions, FaultPlan, type RateLimitOptions, SERVER_ERROR_PAGE } from './faults.js';
import { answerDownload, FILES_PATH, redirectBody, signInPage } from './files-store.js';
import { type Args, parseRequest, readBody, sendJson, sendText, tokenFrom } from './http-util.js';
import { SlackInspector } from './inspector.js';
import { chatMethods } from './methods-chat.js';
import { directoryMethods } from './methods-directory.js';
import { fileMethods, receiveUpload } from './methods-files.js';
import { historyMethods } from './methods-history.js';
import { viewMethods } from './methods-views.js';
import { type RateLimitPolicy, SLACK_RATE_LIMITS, SlackRateLimiter } from './rate-limits.js';
import { handleResponseUrl, issueResponseUrl, type ResponseUrlContext } from './response-url.js';
import { SocketModeServer } from './socket-mode.js';
import {
  type SlackChannel,
  SlackState,
  type SlackUser,
  type SlackUsergroup,
  type WorkspaceConfig,
} from './state.js';
import { DEFAULT_WORKSPACE } from './workspace-defaults.js';

export interface SlackEmulatorOptions {
  workspace?: Partial<WorkspaceConfig>;
  /** Clock for trigger expiry, response_url expiry and message ts (default Date.now). */
  now?: () => number;
  /** Seed a workspace with a few users, channels and user groups (default true). */
  defaults?: boolean;
  users?: SlackUser[];
  channels?: SlackChannel[];
  usergroups?: SlackUsergroup[];
}

export interface RecordedCall {
  method: string;
  /** Arguments with JSON-encoded ones (blocks, view, files...) parsed back; token left out. */
  args: Args;
  token?: string;
  status: number;
  response: unknown;
  time: number;
}

export interface RecordedDownload {
  /** Path and query requested, e.g. /files-pri/T0JOBBOT01-F…/download/job.yaml */
  path: string;
  fileId?: string;
  /** The bearer token sent, if any. */
  token?: string;
  /** 200 with the bytes; 302 to the sign-in page without a valid token; 404 for an unknown file. */
  status: number;
  /** True when the file's bytes were served (what the app really got). */
  served: boolean;
  time: number;
}

const METHODS: Record<string, MethodHandler> = {
  ...chatMethods,
  ...historyMethods,
  ...viewMethods,
  ...fileMethods,
  ...directoryMethods,
};

const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

interface CallWaiter {
  method: string;
  predicate: (call: RecordedCall) => boolean;
  resolve: (call: RecordedCall) => void;
}

export class SlackEmulator extends SlackInspector {
  readonly calls: RecordedCall[] = [];
  /** Every GET of a url_private / url_private_download, in order. */
  readonly downloads: RecordedDownload[] = [];
  readonly socket: SocketModeServer;
  private readonly faults = new FaultPlan();
  private limits: SlackRateLimiter | undefined;
  private readonly callWaiters: CallWaiter[] = [];
  private readonly arrived = new Map<string, number>();
  private port = 0;

  constructor(
    state: SlackState,
    private readonly server: Server,
  ) {
    super(state);
    this.socket = new SocketModeServer(state.config.appId, () => `ws://127.0.0.1:${this.port}`);
    this.socket.attach(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
      });
    });
  }

  /** Base URL for WebClient/Bolt `slackApiUrl`, e.g. http://127.0.0.1:PORT/api/ */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.state.baseUrl = this.baseUrl;
  }

  /** Next `times` calls of `method` ('*' = any) answer HTTP 429 with Retry-After. */
  rateLimit(method: string, opts?: RateLimitOptions): void {
    this.faults.rateLimit(method, opts);
  }

  /** From now on, calls over Slack's published rate limits get 429 (see rate-limits.ts); off by default. */
  enforceRateLimits(policy: RateLimitPolicy = SLACK_RATE_LIMITS): SlackRateLimiter {
    this.limits = new SlackRateLimiter(policy, () => this.state.now());
    return this.limits;
  }

  /** Next `times` calls of `method` fail: 5xx page, `{ok:false, error}` and/or a delay. */
  fail(method: string, opts?: FailOptions): void {
    this.faults.fail(method, opts);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Calls of `method` that arrived and have not been answered yet (e.g. held by a delay fault). */
  inFlight(method: string): number {
    return this.arrived.get(method) ?? 0;
  }

  /** A trigger_id as Slack puts in slash commands and interactions: single use, valid 3 s. */
  issueTriggerId(ctx: { user?: string; viewId?: string } = {}): string {
    return this.state.issueTrigger(ctx.user ?? this.defaultUser, ctx.viewId);
  }

  issueResponseUrl(ctx: ResponseUrlContext): string {
    return issueResponseUrl(this.state, this.baseUrl, ctx);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** First recorded call (past or future) of `method` matching `predicate`. */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedCall> {
    const found = this.calls.find((c) => c.method === method && predicate(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: CallWaiter = { method, predicate, resolve: () => undefined };
      const timer = setTimeout(() => {
        this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
        const seen = this.calls.map((c) => c.method).join(', ') || 'none';
        reject(new Error(`no ${method} call within ${timeoutMs} ms (calls so far: ${seen})`));
      }, timeoutMs);
      waiter.resolve = (call) => {
        clearTimeout(timer);
        resolve(call);
      };
      this.callWaiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      this.arrived.set(method, this.inFlight(method) + 1);
      try {
        return await this.handleApi(req, res, url, raw);
      } finally {
        this.arrived.set(method, this.inFlight(method) - 1);
      }
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && path.startsWith(FILES_PATH)) {
      return this.handleDownload(req, res, url);
    }
    // Where a download without a valid token is redirected: Slack's sign-in page, with status 200.
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/') {
      return sendText(res, 200, signInPage(this.state), 'text/html');
    }
    if (req.method === 'POST' && path.startsWith('/upload/v1/')) {
      const parsed = await parseRequest(req, raw, url).catch(() => undefined);
      const part = parsed ? Object.values(parsed.binaries)[0] : undefined;
      const result = receiveUpload(this.state, path.slice('/upload/v1/'.length), part ?? raw);
      return sendText(res, result.status, result.text);
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const id = path.split('/').pop() ?? '';
      let body: unknown;
      try {
        const text = raw.toString('utf8');
        body = (req.headers['content-type'] ?? '').includes('json')
          ? JSON.parse(text)
          : JSON.parse(new URLSearchParams(text).get('payload') ?? 'null');
      } catch {
        body = undefined;
      }
      const result = handleResponseUrl(this.state, id, body);
      return sendJson(res, result.status, result.body);
    }
    sendText(res, 404, 'not found');
  }

  private handleDownload(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    const answer = answerDownload(this.state, url.pathname, token);
    const status = answer.kind === 'file' ? 200 : answer.kind === 'login' ? 302 : 404;
    this.downloads.push({
      path: `${url.pathname}${url.search}`,
      ...(answer.fileId ? { fileId: answer.fileId } : {}),
      ...(token !== undefined ? { token } : {}),
      status,
      served: answer.kind === 'file',
      time: this.state.now(),
    });
    if (answer.kind === 'file') {
      res.writeHead(200, answer.headers);
      res.end(answer.body);
      return;
    }
    if (answer.kind === 'login') {
      const body = redirectBody(answer.location);
      res.writeHead(302, {
        location: answer.location,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    sendText(res, 404, '<!DOCTYPE html><html><body><h1>File not found</h1></body></html>', 'text/html');
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    let parsed: Awaited<ReturnType<typeof parseRequest>>;
    try {
      parsed = await parseRequest(req, raw, url);
    } catch {
      return this.respond(res, method, {}, undefined, 200, fail('invalid_json'));
    }
    const { args } = parsed;
    const token = tokenFrom(req, args);
    delete args.token;
    const fault = this.faults.take(method);
    if (fault?.kind === 'ratelimit') {
      const headers = { 'retry-after': String(fault.retryAfterSeconds) };
      return this.respond(res, method, args, token, 429, { ok: false, error: 'ratelimited' }, headers);
    }
    if (fault?.kind === 'fail') {
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.status) {
        this.record(method, args, token, fault.status, SERVER_ERROR_PAGE);
        if (!res.destroyed) sendText(res, fault.status, SERVER_ERROR_PAGE, 'text/html');
        return;
      }
      if (fault.error) return this.respond(res, method, args, token, 200, fail(fault.error));
    }
    const handler = METHODS[method];
    if (!handler)
      return this.respond(res, method, args, token, 200, fail('unknown_method', [], { req_method: method }));
    const authError = this.checkToken(token, APP_TOKEN_METHODS.has(method) ? 'app' : 'bot');
    if (authError) return this.respond(res, method, args, token, 200, authError);
    const retryAfter = this.limits?.take(method, args);
    if (retryAfter !== undefined) {
      const headers = { 'retry-after': String(retryAfter) };
      return this.respond(res, method, args, token, 429, { ok: false, error: 'ratelimited' }, headers);
    }
    const response = handler({
      state: this.state,
      args,
      binaries: parsed.binaries,
      malformed: parsed.malformed,
      baseUrl: this.baseUrl,
      socketUrl: () => this.socket.issueUrl(),
    });
    this.respond(res, method, args, token, 200, response);
  }

  private checkToken(token: string | undefined, kind: TokenKind): SlackResponse | undefined {
    const { botToken, appToken } = this.state.config;
    if (!token) return fail('not_authed');
    if (token !== botToken && token !== appToken) return fail('invalid_auth');
    if ((kind === 'app') !== (token === appToken)) return fail('not_allowed_token_type');
    return undefined;
  }

  private respond(
    res: ServerResponse,
    method: string,
    args: Args,
    token: string | undefined,
    status: number,
    body: SlackResponse,
    headers: Record<string, string> = {},
  ): void {
    this.record(method, args, token, status, body);
    if (!res.destroyed) sendJson(res, status, body, headers);
  }

  private record(
    method: string,
    args: Args,
    token: string | undefined,
    status: number,
    response: unknown,
  ): void {
    const call: RecordedCall = { method, args, status, response, time: this.state.now() };
    if (token !== undefined) call.token = token;
    this.calls.push(call);
    for (const waiter of [...this.callWaiters]) {
      if (waiter.method === method && waiter.predicate(call)) {
        this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
  }
}

export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const config = { ...DEFAULT_WORKSPACE, ...opts.workspace };
  const state = new SlackState(config, opts.now ?? Date.now, opts.defaults ?? true);
  for (const u of opts.users ?? []) state.users.set(u.id, u);
  for (const c of opts.channels ?? []) state.channels.set(c.id, c);
  for (const g of opts.usergroups ?? []) state.usergroups.set(g.id, g);
  const emulator = new SlackEmulator(state, createServer());
  await emulator.listen();
  return emulator;
}
