import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close(100);
});

function serve(slackEvents?: Parameters<typeof createHttpServer>[0]['slackEvents'], ready = true) {
  server = createHttpServer({
    log: createLogger('silent'),
    metrics: createMetrics(),
    readiness: () => ({ ready, detail: 'x' }),
    slackEvents,
  });
  return server;
}

describe('HTTP server', () => {
  it('finishes a request in flight before closing, and takes no new ones', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((r) => {
      started = r;
    });
    const s = serve((_req, res) => {
      started();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('done');
      }, 200);
    });
    const port = await s.listen(0);
    const response = fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' });
    await inFlight;
    const closed = s.close(5_000);
    const res = await response;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('done');
    await closed;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('answers 503 with the report when not ready', async () => {
    const port = await serve(undefined, false).listen(0);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, detail: 'x' });
  });

  it('explains that Socket Mode takes no HTTP events', async () => {
    const port = await serve(undefined).listen(0);
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'socket_mode' });
  });

  it('labels metrics by known route only, whatever path a client sends', async () => {
    const s = serve(undefined);
    const port = await s.listen(0);
    await fetch(`http://127.0.0.1:${port}/random/${'x'.repeat(50)}`);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('jobbot_http_requests_total{route="unknown",method="GET",status="404"} 1');
    expect(text).not.toContain('xxxxx');
  });
});
