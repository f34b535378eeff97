/**
 * AgentPool with the agents client-node itself puts on a request: one keep-alive agent per set of TLS
 * options, a rotated client certificate getting its own; proxy agents left alone; and a bounded pool
 * that destroys what it drops.
 */
import https from 'node:https';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { AgentPool } from '../../src/kube/agents.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A KubeConfig for an https cluster whose user has client certificate `cert`. */
function config(cert: string, proxyUrl?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: 'https://kube.invalid:6443',
        caData: b64('the CA'),
        ...(proxyUrl && { proxyUrl }),
      },
    ],
    users: [{ name: 'u', certData: b64(cert), keyData: b64(`key of ${cert}`) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

/** The agent client-node makes for one request: a new one every time. */
async function agentOf(kc: KubeConfig) {
  const request = new RequestContext('https://kube.invalid:6443/api/v1/namespaces', HttpMethod.GET);
  await kc.applySecurityAuthentication(request);
  return request.getAgent();
}

describe('AgentPool', () => {
  it('gives the same keep-alive agent, with the same TLS options, for every request', async () => {
    const pool = new AgentPool();
    const kc = config('cert A');
    const [first, second] = [await agentOf(kc), await agentOf(kc)];
    expect(first).not.toBe(second);

    const pooled = pool.for(first) as https.Agent;
    expect(pool.for(second)).toBe(pooled);
    expect(pooled).not.toBe(first);
    expect(pooled.constructor).toBe(https.Agent);
    expect((pooled as https.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
    expect(pooled.options).toMatchObject({
      ca: Buffer.from('the CA'),
      cert: Buffer.from('cert A'),
      key: Buffer.from('key of cert A'),
    });
    expect(pooled.options.timeout).toBeUndefined();
    pool.destroy();
  });

  it('gives a rotated client certificate its own agent', async () => {
    const pool = new AgentPool();
    const a = pool.for(await agentOf(config('cert A')));
    const b = pool.for(await agentOf(config('cert B')));
    expect(b).not.toBe(a);
    expect((b as https.Agent).options.cert).toEqual(Buffer.from('cert B'));
    expect(pool.size).toBe(2);
    pool.destroy();
  });

  it('takes a string and a Buffer of the same bytes for the same credential', () => {
    const pool = new AgentPool();
    const text = pool.for(new https.Agent({ cert: 'cert', key: 'key' }));
    expect(pool.for(new https.Agent({ cert: Buffer.from('cert'), key: 'key' }))).toBe(text);
    expect(pool.for(new https.Agent({ cert: 'cer', key: 'tkey' }))).not.toBe(text);
    pool.destroy();
  });

  it('passes proxy agents and no agent through untouched', async () => {
    const pool = new AgentPool();
    const proxied = await agentOf(config('cert A', 'http://proxy.invalid:3128'));
    expect(proxied).toBeInstanceOf(https.Agent);
    expect(pool.for(proxied)).toBe(proxied);
    expect(pool.for(undefined)).toBeUndefined();
    expect(pool.size).toBe(0);
  });

  it('keeps at most `max` agents, destroying the oldest it drops', async () => {
    const pool = new AgentPool(2);
    const [a, b] = [pool.for(await agentOf(config('A'))), pool.for(await agentOf(config('B')))];
    const destroyA = vi.spyOn(a!, 'destroy');
    const destroyB = vi.spyOn(b!, 'destroy');
    const c = pool.for(await agentOf(config('C')));
    expect(pool.size).toBe(2);
    expect(destroyA).toHaveBeenCalledOnce();
    expect(destroyB).not.toHaveBeenCalled();
    expect(pool.for(await agentOf(config('B')))).toBe(b);
    expect(pool.for(await agentOf(config('C')))).toBe(c);
    // A's options again: a new agent, and B, now the oldest, goes.
    expect(pool.for(await agentOf(config('A')))).not.toBe(a);
    expect(destroyB).toHaveBeenCalledOnce();
    pool.destroy();
  });
});
