/**
 * Reading one container log as a stream. The call still goes through the generated client's
 * readNamespacedPodLog, so its request building, authentication, per-call middleware (the abort
 * signal of the deadline, timeout.ts) and error handling (ApiException carrying the API server's
 * Status) apply as to any other call. Only the HTTP library is this module's, for this one request:
 * a 2xx body goes to `sink` part by part as it arrives, and the call resolves with an empty body
 * once the log has ended. Any other answer is a short Status and goes to the client as usual.
 *
 * Why not readNamespacedPodLog as it is: its response processor reads the whole body into one
 * string. Why not client-node's `Log` class (1.4.0): it fetches on its own, so no per-call middleware
 * runs and the deadline could not end its request; and it drops the Status of a 4xx (so "waiting to
 * start" could not be told apart) and reports every network error as HTTP 500.
 */
import http from 'node:http';
import https from 'node:https';
import {
  CoreV1Api,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { httpApiFor } from './http-api.js';
import { withDeadline } from './timeout.js';

/** An error answer is a Status object, never a log; past this it is cut. */
const ERROR_BODY_MAX = 64 * 1024;

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

/**
 * Streams one log into `sink`. `timeoutMs` bounds the wait for the answer and each wait for the next
 * part; `outer` (when given) ends the read whatever its progress.
 */
export async function streamPodLog(
  kc: KubeConfig,
  r: LogRequest,
  sink: (chunk: Uint8Array) => void,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await withDeadline(
    timeoutMs,
    (options, progress) =>
      core.readNamespacedPodLog(
        { name: r.pod, namespace: r.namespace, container: r.container, previous: r.previous },
        { ...options, httpApi: httpApiFor(kc, streamingHttpApi(sink, progress)) },
      ),
    outer,
  );
}

function streamingHttpApi(sink: (chunk: Uint8Array) => void, progress: () => void): HttpLibrary {
  return wrapHttpLibrary({ send: (request) => send(request, sink, progress) });
}

async function send(
  request: RequestContext,
  sink: (chunk: Uint8Array) => void,
  progress: () => void,
): Promise<ResponseContext> {
  const res = await open(request);
  const status = res.statusCode ?? 0;
  const headers = flat(res.headers);
  if (status < 200 || status > 299) {
    const body = await readCapped(res, ERROR_BODY_MAX);
    return new ResponseContext(status, headers, {
      text: async () => body.toString('utf8'),
      binary: async () => body,
    });
  }
  // Throws when the connection breaks or the deadline aborts the request mid-log.
  for await (const chunk of res) {
    sink(chunk as Buffer);
    progress();
  }
  // The log went to the sink: the client's processor gets an empty text instead.
  return new ResponseContext(
    status,
    { ...headers, 'content-type': 'text/plain' },
    { text: async () => '', binary: async () => Buffer.alloc(0) },
  );
}

function open(request: RequestContext): Promise<http.IncomingMessage> {
  const url = new URL(request.getUrl());
  const agent = request.getAgent();
  const signal = request.getSignal();
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: request.getHttpMethod(),
        headers: request.getHeaders(),
        ...(agent ? { agent } : {}),
        ...(signal ? { signal } : {}),
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

async function readCapped(res: http.IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const c = chunk as Buffer;
    if (size < max) parts.push(c.subarray(0, max - size));
    size += c.length;
  }
  return Buffer.concat(parts);
}

function flat(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
