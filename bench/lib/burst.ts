/**
 * The acknowledgement bench's load generator: bursts of HTTP/1.1 requests written straight to TCP
 * sockets, one request per connection at a time, as Slack would send them from its own machines.
 *
 * Why not node:http or fetch: the generator shares this 2-core machine with Jobbot, and whatever CPU
 * it spends building, signing and parsing requests in the middle of a burst is time Jobbot's answers
 * wait for a core, charged to Jobbot. Here every request is signed and serialized before the burst
 * starts, the burst is 200 socket writes in one loop turn, and an answer is read only as far as its
 * status line and Content-Length. Each request's time runs from its own write (connecting first, on a
 * new connection) to the last byte of its answer.
 */
import net from 'node:net';

export interface BurstRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface BurstResult {
  ms: number;
  status: number;
  body: string;
}

/** The bytes of one request, made before the burst so that no request waits for another's signing. */
export function serialize(req: BurstRequest): Buffer {
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: keep-alive'];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');

/** One kept-alive connection: sends a request once the previous answer is in. */
class Connection {
  #socket: net.Socket | undefined;
  #pending: Buffer = Buffer.alloc(0);
  #answer: { started: number; resolve: (r: BurstResult) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly port: number) {}

  send(bytes: Buffer): Promise<BurstResult> {
    if (this.#answer) return Promise.reject(new Error('a request is in flight on this connection'));
    this.#socket ??= this.#connect();
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      this.#answer = { started: performance.now(), resolve, reject };
      socket.write(bytes);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#pending = Buffer.alloc(0);
  }

  #connect(): net.Socket {
    const socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    const fail = (err?: Error) => {
      // A socket closed on purpose (a burst on new connections) reports it later: not this request's.
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      const answer = this.#answer;
      this.#answer = undefined;
      answer?.reject(err ?? new Error('Jobbot closed the connection before answering'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    return socket;
  }

  #read(chunk: Buffer): void {
    this.#pending = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const headEnd = this.#pending.indexOf(CRLF2);
    if (headEnd < 0) return;
    const head = this.#pending.subarray(0, headEnd).toString('latin1');
    const body = /\r\ntransfer-encoding: *chunked/i.test(head)
      ? dechunk(this.#pending, headEnd + CRLF2.length)
      : sized(
          this.#pending,
          headEnd + CRLF2.length,
          Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0),
        );
    if (!body) return;
    this.#pending = this.#pending.subarray(body.end);
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.resolve({
      ms: performance.now() - answer.started,
      status: Number(head.slice(9, 12)),
      body: body.text,
    });
  }
}

interface Body {
  text: string;
  /** Where the answer ends in the buffer (the next one starts there). */
  end: number;
}

function sized(buf: Buffer, start: number, length: number): Body | undefined {
  if (buf.length < start + length) return undefined;
  return { text: buf.subarray(start, start + length).toString('utf8'), end: start + length };
}

/** A chunked body (Node's answer to writeHead() then end() on a kept-alive connection). */
function dechunk(buf: Buffer, start: number): Body | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    const dataEnd = lineEnd + CRLF.length + size;
    if (buf.length < dataEnd + CRLF.length) return undefined;
    if (size === 0) return { text: Buffer.concat(parts).toString('utf8'), end: dataEnd + CRLF.length };
    parts.push(buf.subarray(lineEnd + CRLF.length, dataEnd));
    at = dataEnd + CRLF.length;
  }
}

export class BurstClient {
  readonly #connections: Connection[] = [];

  constructor(private readonly port: number) {}

  /**
   * Sends every request at once, each on its own connection: new ones when `fresh` (the TCP handshake
   * is then part of each request's time), else the connections of the previous burst, kept alive.
   */
  send(requests: readonly Buffer[], opts: { fresh: boolean }): Promise<BurstResult[]> {
    if (opts.fresh) this.close();
    while (this.#connections.length < requests.length) this.#connections.push(new Connection(this.port));
    return Promise.all(requests.map((bytes, i) => this.#connections[i]!.send(bytes)));
  }

  close(): void {
    for (const c of this.#connections) c.close();
  }
}
