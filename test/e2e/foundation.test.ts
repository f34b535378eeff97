import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { validateMessageBlocks } from '../support/slack/index.js';

describe.each(['http', 'socket'] as const)('Jobbot over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ transport });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('answers /job help with the subcommands, only to the caller', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'help' });
    expect(res.status).toBe(200);
    // Acknowledged empty at once; the answer comes through the response_url.
    expect(res.ack).toBeUndefined();
    const answer = await res.answer();
    expect(answer.via).toBe('response_url');
    const ack = answer.body as { response_type: string; text: string; blocks: unknown[] };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('/job help');
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
    expect(JSON.stringify(ack.blocks)).toContain('No access policy is configured');
  });

  it('treats a bare /job as help', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: '' });
    expect((await res.answer()).text).toMatch(/^Jobbot commands/);
  });

  it('names the closest subcommand for a typo', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'hlep me' });
    const ack = (await res.answer()).body as { response_type: string; text: string; blocks: unknown[] };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toBe(
      '`/job hlep` is not a Jobbot command. Did you mean `/job help`? See `/job help` for the list.',
    );
    expect(validateMessageBlocks(ack.blocks)).toEqual([]);
  });

  it('explains an unclosed quote instead of guessing', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'run pi args="oops' });
    expect((await res.answer()).text).toMatch(/opening " quote without its closing one/);
  });

  it('serves health, readiness with each cluster, and metrics on the same port', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    const body = (await ready.json()) as {
      ready: boolean;
      slack: { ok: boolean; mode: string };
      clusters: { cluster: string }[];
    };
    expect(ready.status).toBe(200);
    expect(body.slack).toMatchObject({ ok: true, mode: transport });
    if (h.kube) expect(body.clusters.map((c) => c.cluster).sort()).toEqual(['alpha', 'beta']);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('jobbot_slack_commands_total{subcommand="help",outcome="ok"}');
    expect(metrics).toContain('jobbot_http_requests_total');
  });
});

describe('Slack request signing (HTTP mode)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('refuses a badly signed request with 401', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'help' }, { badSignature: true });
    expect(res.status).toBe(401);
    expect(res.ack).toBeUndefined();
  });

  it('refuses a stale timestamp with 401', async () => {
    const res = await h.driver.slashCommand({ command: '/job', text: 'help' }, { staleTimestamp: true });
    expect(res.status).toBe(401);
  });

  it('answers Slack URL verification', async () => {
    const res = await h.driver.urlVerification('challenge-123');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('challenge-123');
  });

  it('says where Slack events go and refuses other methods', async () => {
    expect((await fetch(`${h.url}/slack/events`)).status).toBe(405);
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
  });
});
