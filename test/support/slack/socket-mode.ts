// Socket Mode server (ws) that apps.connections.open points to. Glossary: ticket = one-use token in
// the wss URL; envelope = {envelope_id, type, payload, accepts_response_payload} pushed to the app;
// ack = {envelope_id, payload} sent back by the app (SocketModeClient always includes `payload`).
// On connect the server says hello the way Slack does; disconnect() asks the app to reconnect.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: unknown;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface DeliverOptions {
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
  /** Slack gives the app 3 s to ack. */
  ackTimeoutMs?: number;
}

interface PendingAck {
  resolve: (payload: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export const SOCKET_PATH = '/link/';

export class SocketModeServer {
  readonly envelopes: Envelope[] = [];
  /** Every message the app sent over the socket (acks included), parsed. */
  readonly received: unknown[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, PendingAck>();
  private readonly waiters: Array<() => boolean> = [];
  private opened = 0;

  constructor(
    private readonly appId: string,
    private readonly wsBase: () => string,
  ) {}

  /** Handles WebSocket upgrades on the emulator's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== SOCKET_PATH || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  /** A fresh single-use URL, as apps.connections.open returns. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.wsBase()}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  get openConnections(): number {
    return this.sockets.length;
  }

  /** Total connections accepted so far (a reconnect makes it grow). */
  get connectionsOpened(): number {
    return this.opened;
  }

  /** Resolves once `count` connections have been accepted in total and one is open. */
  waitForConnection(opts: { count?: number; timeoutMs?: number } = {}): Promise<void> {
    const count = opts.count ?? 1;
    const ready = () => this.opened >= count && this.sockets.length > 0;
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no Socket Mode connection #${count} within ${opts.timeoutMs ?? 5000} ms`));
      }, opts.timeoutMs ?? 5000);
      const check = () => {
        if (!ready()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.waiters.push(check);
    });
  }

  /** Sends an envelope to the newest connection; resolves with the ack's payload. */
  deliver(type: EnvelopeType, payload: unknown, opts: DeliverOptions = {}): Promise<Record<string, unknown>> {
    const ws = this.sockets.filter((s) => s.readyState === s.OPEN).at(-1);
    if (!ws) return Promise.reject(new Error(`no Socket Mode connection to deliver a ${type} envelope`));
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: opts.acceptsResponsePayload ?? type !== 'events_api',
    };
    if (type === 'events_api') {
      envelope.retry_attempt = opts.retryAttempt ?? 0;
      envelope.retry_reason = opts.retryReason ?? '';
    }
    this.envelopes.push(envelope);
    const timeoutMs = opts.ackTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        reject(
          new Error(`the app did not ack ${type} envelope ${envelope.envelope_id} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(envelope.envelope_id, { resolve, reject, timer });
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Slack's "please reconnect" message; SocketModeClient then opens a new connection. */
  disconnect(reason = 'refresh_requested'): void {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } });
    for (const ws of this.sockets) ws.send(message);
  }

  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`Socket Mode server closed before envelope ${id} was acked`));
    }
    this.pending.clear();
    for (const ws of [...this.sockets]) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.push(ws);
    this.opened++;
    ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    ws.on('close', () => {
      const i = this.sockets.indexOf(ws);
      if (i >= 0) this.sockets.splice(i, 1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    for (const check of this.waiters.splice(0)) if (!check()) this.waiters.push(check);
  }

  private onMessage(text: string, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.received.push(text);
      return;
    }
    this.received.push(message);
    const id = (message as { envelope_id?: unknown }).envelope_id;
    const pending = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!pending) return;
    this.pending.delete(id as string);
    clearTimeout(pending.timer);
    const payload = (message as { payload?: unknown }).payload;
    pending.resolve(
      typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
    );
  }
}
