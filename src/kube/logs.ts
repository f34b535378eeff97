/**
 * Gathering the logs of a dispatch's pods, through pods/log of the real client. Every pod given is
 * read, failed and retried ones too, since the failed attempts are usually the interesting ones.
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
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';
import type { GatheredLog } from '../services/dispatches.js';
import { classifyKubeError } from './errors.js';
import { TimeoutError, withDeadline } from './timeout.js';

/** The shape the dispatch service asks for (its port); this module produces it. */
export type { GatheredLog } from '../services/dispatches.js';

export interface GatherOptions {
  /** Bytes kept of each log; the rest is cut off and `truncated` set. */
  maxBytes: number;
  /** Extra attempts after a transient failure of one read. */
  retries: number;
  /** Bound of each read attempt. */
  timeoutMs: number;
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
  /** Set when the status already says there is nothing to read. */
  skip?: string;
}

/** Entries in pod order; within a pod, init containers then containers, each previous run first. */
export async function gatherPodLogs(
  kc: KubeConfig,
  namespace: string,
  pods: readonly V1Pod[],
  opts: GatherOptions,
): Promise<GatheredLog[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const targets = pods.flatMap(targetsOf);
  const results: GatheredLog[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i]!;
      results[i] = t.skip === undefined ? await read(core, namespace, t, opts) : entry(t, '', t.skip);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 4, targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

function targetsOf(pod: V1Pod): Target[] {
  const name = pod.metadata?.name;
  if (!name) return [];
  const statuses = new Map<string, V1ContainerStatus>();
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])
    statuses.set(s.name, s);
  const containers = [
    ...(pod.spec?.initContainers ?? []).map((c) => ({ name: c.name, init: true })),
    ...(pod.spec?.containers ?? []).map((c) => ({ name: c.name, init: false })),
  ];
  return containers.flatMap(({ name: container, init }) => {
    const status = statuses.get(container);
    const base = { pod: name, container, init };
    const out: Target[] = [];
    if ((status?.restartCount ?? 0) > 0) out.push({ ...base, previous: true });
    const waiting = neverStarted(status);
    out.push(
      waiting === undefined
        ? { ...base, previous: false }
        : { ...base, previous: false, skip: `The container never started (${waiting}).` },
    );
    return out;
  });
}

/**
 * The waiting reason of a container that has not run yet. A missing status is not proof (the pod
 * object may be older than the container's start), so that case is left to the read.
 */
function neverStarted(status: V1ContainerStatus | undefined): string | undefined {
  if (!status?.state?.waiting || status.restartCount > 0 || status.lastState?.terminated) return undefined;
  return status.state.waiting.reason ?? 'waiting';
}

async function read(
  core: CoreV1Api,
  namespace: string,
  t: Target,
  opts: GatherOptions,
): Promise<GatheredLog> {
  const attempts = Math.max(0, opts.retries) + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const text = await withDeadline(opts.timeoutMs, (o) =>
        core.readNamespacedPodLog(
          {
            name: t.pod,
            namespace,
            container: t.container,
            previous: t.previous,
            // One byte more than kept tells a log of exactly maxBytes from a longer one.
            limitBytes: opts.maxBytes + 1,
          },
          o,
        ),
      );
      return withText(t, text, opts.maxBytes);
    } catch (err) {
      if (!transient(err) || attempt >= attempts) return entry(t, '', explain(err, t, attempt));
      const first = opts.backoffMs ?? 250;
      await sleep(Math.min(8 * first, first * 2 ** (attempt - 1)));
    }
  }
}

function withText(t: Target, text: string, maxBytes: number): GatheredLog {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { ...entry(t, text, null), originalBytes: bytes.length };
  let end = maxBytes;
  // Never cut inside a UTF-8 sequence: step back over continuation bytes.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return {
    ...entry(t, bytes.subarray(0, end).toString('utf8'), null),
    originalBytes: bytes.length,
    truncated: true,
  };
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
  if (err instanceof ApiException) return err.code === 429 || err.code >= 500;
  return true;
}

function explain(err: unknown, t: Target, attempts: number): string {
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
