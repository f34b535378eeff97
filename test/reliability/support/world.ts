/**
 * What the fault tests share: reading Jobbot's database from outside (states, audit, outbox, requests
 * to the emulated cluster) and the one check every test ends with: each dispatch's Slack thread shows
 * every update once, in the order Jobbot queued them, and no Job of it is left in the cluster.
 */
import { expect } from 'vitest';
import { isTerminal } from '../../../src/domain/dispatch/index.js';
import { openDatabase } from '../../../src/store/db.js';
import { type DispatchRecord, DispatchRepository } from '../../../src/store/dispatches.js';
import type { KubeEmulator } from '../../support/kube/index.js';
import type { SlackDriver, SlackEmulator } from '../../support/slack/index.js';
import { waitFor } from '../../support/wait.js';

export const NAMESPACE = 'jobs';

/** A batch/v1 Job running `sh -c SCRIPT` (the emulator follows echo, sleep and exit). */
export function jobYaml(name: string, script: string, spec = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", ${JSON.stringify(script)}]
`;
}

function withDb<T>(file: string, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function readDispatches(file: string, numbers: number[]): DispatchRecord[] {
  return withDb(file, (db) => {
    const repo = new DispatchRepository(db);
    return numbers.map((n) => repo.get(n)!);
  });
}

export function allDispatches(file: string): DispatchRecord[] {
  return withDb(file, (db) => {
    const rows = db.prepare('select number from dispatches order by number').all() as { number: number }[];
    const repo = new DispatchRepository(db);
    return rows.map((r) => repo.get(r.number)!);
  });
}

export function logsOf(file: string, n: number) {
  return withDb(file, (db) => new DispatchRepository(db).logs(n));
}

export function pendingOutbox(file: string): number {
  return withDb(
    file,
    (db) =>
      (db.prepare('select count(*) as n from outbox where delivered_at is null').get() as { n: number }).n,
  );
}

interface OutboxRow {
  id: number;
  kind: string;
  payload: string;
  delivered_at: string | null;
  last_error: string | null;
}

function outboxOf(file: string, n: number): OutboxRow[] {
  return withDb(
    file,
    (db) =>
      db
        .prepare(
          'select id, kind, payload, delivered_at, last_error from outbox where dispatch_number = ? order by id',
        )
        .all(n) as OutboxRow[],
  );
}

/** How many `action` audit entries each dispatch has. */
export function auditCounts(file: string, action: string): Map<number, number> {
  return withDb(file, (db) => {
    const rows = db
      .prepare('select target, count(*) as n from audit_log where action = ? group by target')
      .all(action) as { target: string; n: number }[];
    return new Map(rows.map((r) => [Number(r.target.replace('dispatch:', '')), r.n]));
  });
}

export async function untilFinished(file: string, numbers: number[], ms = 30_000): Promise<DispatchRecord[]> {
  return waitFor(
    () => {
      const ds = readDispatches(file, numbers);
      return ds.every((d) => isTerminal(d.state as never)) ? ds : undefined;
    },
    ms,
    `dispatches ${numbers.join(', ')} to finish`,
  );
}

export async function untilDelivered(file: string, ms = 30_000): Promise<void> {
  await waitFor(() => pendingOutbox(file) === 0, ms, 'the outbox to drain');
}

/** `/job TEXT` through the driver; the dispatch number it answered with. */
export async function run(driver: SlackDriver, text: string): Promise<number> {
  const res = await driver.slashCommand({ command: '/job', text });
  const answer = (await res.answer()).text;
  const m = /#(\d+)/.exec(answer);
  if (!m) throw new Error(`not dispatched: ${answer}`);
  return Number(m[1]);
}

/** Jobs the emulated cluster answered 201 for, by name (dry runs aside). */
export function createdJobs(kube: KubeEmulator, name: string): number {
  return kube.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path.endsWith('/jobs') &&
      r.query.dryRun !== 'All' &&
      r.status === 201 &&
      (r.body as { metadata?: { name?: string } } | undefined)?.metadata?.name === name,
  ).length;
}

/**
 * The dispatch's status message exists once, its thread holds exactly the replies Jobbot queued for
 * it (in queue order, none twice, none missing) and each log file once, and its verdict is there.
 */
export function expectCleanThread(slack: SlackEmulator, file: string, stale: DispatchRecord): void {
  // Read now: the status message may have been posted after the caller's copy was read.
  const d = readDispatches(file, [stale.number])[0]!;
  const label = `${d.definitionName} #${d.number}`;
  expect(d.channel, `${label} has a channel`).toBeTruthy();
  expect(d.messageTs, `${label} has a status message`).toBeTruthy();
  const statusMessages = slack
    .messages(d.channel!)
    .filter((m) => m.text.startsWith(`${label}:`) || m.text === `${label}`);
  expect(statusMessages, `${label}: one status message`).toHaveLength(1);
  expect(statusMessages[0]!.ts).toBe(d.messageTs);
  const [status, ...replies] = slack.thread(d.channel!, d.messageTs!);
  expect(status!.text.startsWith(`${label}: ${d.verdict?.split(' — ')[0] ?? ''}`), `${label} status`).toBe(
    true,
  );
  const rows = outboxOf(file, d.number);
  const queued = rows
    .filter((r) => r.kind === 'reply' && !r.last_error?.startsWith('not delivered'))
    .map((r) => (JSON.parse(r.payload) as { text: string }).text);
  const texts = replies.filter((m) => !m.files?.length).map((m) => m.text);
  expect(texts, `${label}: the thread reads as queued`).toEqual(queued);
  expect(texts.filter((t) => t === d.verdict).length, `${label}: verdict once`).toBe(1);
  const uploads = rows.filter((r) => r.kind === 'upload' && r.last_error === null).length;
  const files = slack.files().filter((f) => f.threadTs === d.messageTs && f.channel === d.channel);
  expect(files, `${label}: each log file once`).toHaveLength(uploads);
  expect(new Set(files.map((f) => f.filename)).size).toBe(files.length);
}

/** No Job of these dispatches in the cluster, and (eventually) none of their pods. */
export async function expectNothingLeft(kube: KubeEmulator, ds: DispatchRecord[], cluster = 'alpha') {
  const c = kube.cluster(cluster);
  for (const d of ds) expect(c.job(NAMESPACE, d.jobName), `${d.jobName} left behind`).toBeUndefined();
  await waitFor(
    () => ds.every((d) => c.pods(NAMESPACE, d.jobName).length === 0),
    10_000,
    'the pods to be gone',
  );
}
