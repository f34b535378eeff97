/**
 * Helpers for the pipeline API tests: define a job straight in the database (as the dispatch e2e
 * tests do), create tokens through the real slash command, and call the API over real HTTP.
 */
import { openDatabase } from '../../src/store/db.js';
import type { DispatchRecord } from '../../src/store/dispatches.js';
import { E2E } from '../support/cluster.js';
import type { Harness } from '../support/harness.js';
import { defineJob, readDispatch } from '../support/seed.js';
import { waitFor } from '../support/wait.js';

export function define(h: Harness, yaml: string): void {
  defineJob(
    h.env.JOBBOT_DB!,
    yaml,
    { cluster: E2E.cluster, namespace: E2E.namespace },
    { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
  );
}

/** Creates a token with `/job token create` and returns the secret shown in the ephemeral reply. */
export async function createToken(h: Harness, label: string, pattern?: string): Promise<string> {
  const text = `token create ${label}${pattern ? ` --jobs ${pattern}` : ''}`;
  const res = await h.driver.slashCommand({ command: '/job', text });
  const reply = (await res.answer()).text;
  const m = /(jbt_[A-Za-z0-9_-]{43})/.exec(reply);
  if (!m) throw new Error(`no token in: ${reply}`);
  return m[1]!;
}

export async function api(
  h: Harness,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert on them
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(opts.raw !== undefined
      ? { body: opts.raw }
      : opts.body !== undefined
        ? { body: JSON.stringify(opts.body) }
        : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function dispatchRecord(h: Harness, n: number): DispatchRecord | undefined {
  return readDispatch(h.env.JOBBOT_DB!, n);
}

export function until<T>(probe: () => T | undefined | false, ms = 20_000, what = 'condition'): Promise<T> {
  return waitFor(probe, ms, what);
}

/** The outbox has delivered every message of a dispatch. */
export async function drained(h: Harness, n: number): Promise<void> {
  await until(
    () => {
      const db = openDatabase(h.env.JOBBOT_DB!);
      try {
        const row = db
          .prepare('select count(*) as n from outbox where dispatch_number = ? and delivered_at is null')
          .get(n) as { n: number };
        return row.n === 0;
      } finally {
        db.close();
      }
    },
    10_000,
    'the outbox to drain',
  );
}
