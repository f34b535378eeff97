/**
 * Gathering the logs of a dispatch's pods, through pods/log of the real client. Every pod given is
 * read, failed and retried ones too, since the failed attempts are usually the interesting ones.
 *
 * Every container is read, even one the pod's status still shows waiting: logs are gathered once the
 * Job has finished, and the pod status Jobbot holds may be older than the Job's (the two come on
 * separate watches), so a container that ran in a blink can still look "ContainerCreating". One that
 * truly never started answers 400 "waiting to start", which is recorded as the reason.
 *
 * Each log is read as a stream into a LogWindow: its head and real tail within `maxBytes`, so the
 * memory a read takes is bounded by the cap whatever the log's size.
 *
 * Glossary:
 * - entry: one GatheredLog, the log of one run of one container.
 * - previous: the run before the last in-place restart (restartPolicy OnFailure). The kubelet keeps
 *   only that one, so earlier runs are gone.
 * - transient: a failure worth retrying: HTTP 429 or 5xx, a timeout, a broken connection. Anything
 *   else (the pod is gone, reading is forbidden) would fail the same way again.
 *
 * Gathering never fails as a whole: a log that cannot be read becomes an entry with empty text and an
 * `error` sentence, so a person still sees every other log and why this one is missing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { LogWindow, MIN_LOG_CAP } from '../domain/dispatch/index.js';
import type { GatheredLog } from '../services/dispatches.js';
import { classifyKubeError } from './errors.js';
import { streamPodLog } from './log-stream.js';
import { TimeoutError } from './timeout.js';

/** The shape the dispatch service asks for (its port); this module produces it. */
export type { GatheredLog } from '../services/dispatches.js';

export interface GatherOptions {
  /** Bytes kept of each log: its head and its real end around a marker line (LogWindow). */
  maxBytes: number;
  /** Extra attempts after a transient failure of one read. */
  retries: number;
  /** Bound of each wait of a read: for the API server's answer, then for each next part of the log. */
  timeoutMs: number;
  /** Bound of one whole read, however steadily the log arrives; default 10 times `timeoutMs`. */
  readMs?: number;
  /** Wait before the first retry, doubled for each next one (capped at 8 times it); default 250. */
  backoffMs?: number;
  /** Reads in flight at once; default 4. */
  concurrency?: number;
}

interface Target {
  pod: string;
  container: string;
  init: boolean;
  previous: boolean;
}

/** A read still going after `readMs`: the log is too long for the link, and would be again. */
class ReadTooLong extends Error {
  readonly code = 'ELOGTOOLONG';
  constructor(
    readonly ms: number,
    readonly bytes: number,
  ) {
    super(`still reading after ${ms} ms`);
  }
}

/** Entries in pod order; within a pod, init containers then containers, each previous run first. */
export async function gatherPodLogs(
  kc: KubeConfig,
  namespace: string,
  pods: readonly V1Pod[],
  opts: GatherOptions,
): Promise<GatheredLog[]> {
  // A cap too small is the caller's mistake: said at once, not recorded as every log's error.
  if (!Number.isInteger(opts.maxBytes) || opts.maxBytes < MIN_LOG_CAP)
    throw new RangeError(`maxBytes must be at least ${MIN_LOG_CAP}`);
  const targets = pods.flatMap(targetsOf);
  const results: GatheredLog[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await read(kc, namespace, targets[i]!, opts);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 4, targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

function targetsOf(pod: V1Pod): Target[] {
  const name = pod.metadata?.name;
  if (!name) return [];
  const restarts = new Map<string, number>();
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])
    restarts.set(s.name, s.restartCount);
  const containers = [
    ...(pod.spec?.initContainers ?? []).map((c) => ({ name: c.name, init: true })),
    ...(pod.spec?.containers ?? []).map((c) => ({ name: c.name, init: false })),
  ];
  return containers.flatMap(({ name: container, init }) => {
    const base = { pod: name, container, init };
    const current: Target = { ...base, previous: false };
    return (restarts.get(container) ?? 0) > 0 ? [{ ...base, previous: true }, current] : [current];
  });
}

async function read(kc: KubeConfig, namespace: string, t: Target, opts: GatherOptions): Promise<GatheredLog> {
  const attempts = Math.max(0, opts.retries) + 1;
  const readMs = opts.readMs ?? 10 * opts.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    // Each attempt starts the log afresh: what a broken read got is not the whole of anything.
    const kept = new LogWindow(opts.maxBytes);
    const whole = new AbortController();
    const timer = setTimeout(() => whole.abort(new ReadTooLong(readMs, kept.bytes)), readMs);
    try {
      await streamPodLog(
        kc,
        { namespace, pod: t.pod, container: t.container, previous: t.previous },
        (chunk) => kept.push(chunk),
        opts.timeoutMs,
        whole.signal,
      );
      return { ...entry(t, '', null), ...kept.result() };
    } catch (err) {
      if (!transient(err) || attempt >= attempts) return entry(t, '', explain(err, t, attempt));
    } finally {
      clearTimeout(timer);
    }
    const first = opts.backoffMs ?? 250;
    await sleep(Math.min(8 * first, first * 2 ** (attempt - 1)));
  }
}

function entry(t: Target, text: string, error: string | null): GatheredLog {
  return {
    pod: t.pod,
    container: t.container,
    init: t.init,
    previous: t.previous,
    text,
    originalBytes: 0,
    truncated: false,
    error,
  };
}

function transient(err: unknown): boolean {
  if (err instanceof ReadTooLong) return false;
  if (err instanceof ApiException) return err.code === 429 || err.code >= 500;
  return true;
}

function explain(err: unknown, t: Target, attempts: number): string {
  if (err instanceof ReadTooLong)
    return `Reading the log took longer than ${err.ms} ms (${err.bytes.toLocaleString('en-US')} bytes read by then), so it was given up.`;
  if (err instanceof TimeoutError)
    return `No answer from the API server within ${err.ms} ms (${attempts} attempts).`;
  const failure = classifyKubeError(err);
  const detail = failure.message.replace(/\.$/, '');
  const waiting = /is waiting to start: (.*)$/.exec(detail);
  if (waiting) return `The container never started (${waiting[1]}).`;
  switch (failure.kind) {
    case 'not_found':
      return `The pod ${t.pod} no longer exists, so its logs are gone.`;
    case 'forbidden':
      return `Jobbot may not read this log: ${detail}.`;
    case 'invalid':
      return t.previous
        ? `The run before the restart is no longer kept: ${detail}.`
        : `The API server refused to give this log: ${detail}.`;
    default:
      return `Could not read the log after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail}.`;
  }
}
