// HTTP plumbing for the emulator: reading request bodies in the three encodings Slack accepts
// (form-urlencoded, JSON, multipart) and writing Slack-shaped JSON responses.
// WebClient sends form-urlencoded with nested values (blocks, view, files) JSON-stringified; those
// are parsed back so handlers and recorded calls see objects.

import type { IncomingMessage, ServerResponse } from 'node:http';

export type Args = Record<string, unknown>;

/** Arguments Slack documents as "JSON-encoded string" when sent form-encoded. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'file_ids']);

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ParsedRequest {
  args: Args;
  /** Binary parts of a multipart body, by field name. */
  binaries: Record<string, Buffer>;
  /** Set when a JSON-encoded argument could not be parsed (Slack answers invalid_*_format). */
  malformed: string[];
}

export async function parseRequest(req: IncomingMessage, raw: Buffer, url: URL): Promise<ParsedRequest> {
  const args: Args = Object.fromEntries(url.searchParams.entries());
  const binaries: Record<string, Buffer> = {};
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/json')) {
    const text = raw.toString('utf8');
    if (text.trim() !== '') {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(args, parsed);
    }
  } else if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://emulator.local/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') args[key] = value;
      else binaries[key] = Buffer.from(await value.arrayBuffer());
    }
  } else if (raw.length > 0) {
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) args[key] = value;
  }
  const malformed: string[] = [];
  for (const key of Object.keys(args)) {
    const value = args[key];
    if (!JSON_ARGS.has(key) || typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // file_ids may legitimately be a comma-separated list.
      if (key === 'file_ids') args[key] = value.split(',');
      else malformed.push(key);
    }
  }
  return { args, binaries, malformed };
}

export function tokenFrom(req: IncomingMessage, args: Args): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  return typeof args.token === 'string' ? args.token : undefined;
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
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType = 'text/plain',
): void {
  res.writeHead(status, {
    'content-type': `${contentType}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function asBool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
