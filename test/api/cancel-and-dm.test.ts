/**
 * The pipeline API's cancel endpoint, and where a pipeline's status message goes when it names no
 * channel: a DM to the token's creator (the DM's id is kept so later updates reach the message).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { api, createToken, define, dispatchRecord, drained, until } from './helpers.js';

const SLEEPER = `apiVersion: batch/v1
kind: Job
metadata:
  name: sleeper
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", "sleep 600"]
      restartPolicy: Never
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  define(h, PI_YAML);
  define(h, SLEEPER);
});
afterAll(async () => {
  await h?.stop();
});

describe('cancelling through the API', () => {
  it('cancels a running dispatch and refuses a second cancel once it is over', async () => {
    const token = await createToken(h, 'ci-cancel');
    const created = await api(h, 'POST', '/api/v1/jobs/sleeper/dispatches', {
      token,
      body: { channel: 'C0JOBS0001' },
    });
    expect(created.status).toBe(201);
    const n = created.json.number as number;
    await until(() => dispatchRecord(h, n)?.state === 'running', 20_000, 'the dispatch to run');
    const cancelled = await api(h, 'POST', created.json.links.cancel, { token });
    expect(cancelled.status).toBe(202);
    await until(() => dispatchRecord(h, n)?.state === 'cancelled', 20_000, 'the dispatch to be cancelled');
    const again = await api(h, 'POST', created.json.links.cancel, { token });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('dispatch_not_cancellable');
  });

  it('is refused for a dispatch of a job outside the token pattern', async () => {
    const all = await createToken(h, 'ci-all');
    const narrow = await createToken(h, 'ci-narrow', 'deploy-*');
    const created = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', { token: all, body: {} });
    expect((await api(h, 'GET', created.json.links.self, { token: narrow })).status).toBe(403);
    expect((await api(h, 'POST', created.json.links.cancel, { token: narrow })).status).toBe(403);
    expect((await api(h, 'GET', created.json.links.logs, { token: narrow })).status).toBe(403);
  });
});

describe('a dispatch that names no channel', () => {
  it("posts its status to the token creator's DM and keeps updating it there", async () => {
    const token = await createToken(h, 'ci-dm');
    const res = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', { token, body: { wait: 60 } });
    expect(res.json.status).toBe('succeeded');
    await drained(h, res.json.number);
    const d = dispatchRecord(h, res.json.number)!;
    expect(d.channel).toMatch(/^D/);
    const [status] = h.slack.thread(d.channel!, d.messageTs!);
    expect(status!.text).toMatch(/Succeeded/);
  });

  it('refuses an onBehalfOf that Slack does not know', async () => {
    const token = await createToken(h, 'ci-nobody');
    const res = await api(h, 'POST', '/api/v1/jobs/pi/dispatches', {
      token,
      body: { onBehalfOf: 'nobody@example.com' },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('unknown_user');
  });
});
