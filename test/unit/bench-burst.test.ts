/**
 * The ack bench's load generator (bench/lib/burst.ts) reads HTTP answers by hand, so it is checked
 * here against Node's own server: sized and chunked bodies, kept-alive and new connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BurstClient, serialize } from '../../bench/lib/burst.js';

let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      if (req.url === '/empty') {
        // What Bolt's buildContentResponse does for an empty ack: chunked on a kept-alive connection.
        res.writeHead(200);
        res.end();
      } else if (req.url === '/chunks') {
        res.writeHead(201);
        res.write('first ');
        setImmediate(() => res.end('second'));
      } else res.end(JSON.stringify({ method: req.method, body, signature: req.headers['x-signature'] }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('BurstClient', () => {
  it('reads sized, empty chunked and multi-chunk answers, in order, on kept-alive connections', async () => {
    const client = new BurstClient(port);
    const before = connections;
    const requests = [
      serialize({ method: 'POST', path: '/echo', headers: { 'x-signature': 'v0=abc' }, body: 'a=1&b=é' }),
      serialize({ method: 'POST', path: '/empty', body: 'x' }),
      serialize({ method: 'GET', path: '/chunks' }),
    ];
    const first = await client.send(requests, { fresh: true });
    expect(first.map((r) => [r.status, r.body])).toEqual([
      [200, JSON.stringify({ method: 'POST', body: 'a=1&b=é', signature: 'v0=abc' })],
      [200, ''],
      [201, 'first second'],
    ]);
    expect(first.every((r) => r.ms > 0)).toBe(true);
    // The same three connections answer the next burst: nothing of the last answers is left over.
    const again = await client.send([...requests].reverse(), { fresh: false });
    expect(again.map((r) => r.status)).toEqual([201, 200, 200]);
    expect(again[2]!.body).toContain('a=1&b=é');
    expect(connections - before).toBe(3);
    client.close();
  });

  it('opens new connections for a fresh burst, without failing on the old ones closing', async () => {
    const client = new BurstClient(port);
    const before = connections;
    const bytes = Array.from({ length: 20 }, () => serialize({ method: 'GET', path: '/empty' }));
    await client.send(bytes, { fresh: true });
    const second = await client.send(bytes, { fresh: true });
    expect(second.every((r) => r.status === 200)).toBe(true);
    expect(connections - before).toBe(40);
    client.close();
  });
});
