/**
 * gatherPodLogs reading logs as streams, against the emulator: a log far bigger than the cap keeps
 * its head and its real end with the right byte count; multi-byte UTF-8 is cut on character
 * boundaries; a read that keeps going past its whole-read bound is given up, not retried, while a
 * connection broken mid-log is retried from the start; reads are still metered; and the lost-log
 * race, where the Job has finished but the pod status Jobbot holds still shows the container waiting
 * to be created, still reads the log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobbotSelector } from '../../src/domain/definition/index.js';
import { type GatherOptions, gatherPodLogs } from '../../src/kube/logs.js';
import { meterKubeConfig } from '../../src/kube/metering.js';
import { generatedLine, generateLog, LINE_BYTES } from '../support/kube/generated-log.js';
import { behaviours as b, type Pod } from '../support/kube/index.js';
import { dispatchJob, type Fixture, startFixture } from './helpers.js';

let f: Fixture;
const ns = 'jobbot';
const MiB = 1024 * 1024;
const opts: GatherOptions = { maxBytes: 64 * 1024, retries: 2, timeoutMs: 5_000, backoffMs: 10 };
const MARKER = /\[… ([\d,]+) bytes dropped …\]\n/;

beforeAll(async () => {
  f = await startFixture();
});

afterAll(async () => {
  await f.close();
});

/** Runs dispatch 1 of `definition` to its end; returns its pods as the client lists them. */
async function finished(definition: string): Promise<V1Pod[]> {
  expect((await f.jobs.createJob('alpha', dispatchJob(1, { definition }))).ok).toBe(true);
  await f.emu.waitFor(() => jobDone(`${definition}-1`), { what: `${definition}-1 to finish` });
  const pods = await f.jobs.listPods('alpha', ns, jobbotSelector({ definition, dispatch: 1 }));
  if (!pods.ok) throw new Error(pods.failure.message);
  return pods.value;
}

const jobDone = (name: string) =>
  f.emu.job(ns, name)?.status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
const logReads = (job: string) =>
  f.emu.requests.filter((r) => new RegExp(`/pods/${job}-[^/]+/log$`).test(r.path));

/** Head (with the newline before the marker), tail and dropped count of a capped text. */
function parts(text: string): { head: string; tail: string; dropped: number } {
  const m = MARKER.exec(text);
  if (!m) throw new Error('no marker');
  return {
    head: text.slice(0, m.index),
    tail: text.slice(m.index + m[0].length),
    dropped: Number(m[1]!.replaceAll(',', '')),
  };
}

describe('a log far bigger than the cap', () => {
  it('keeps its head and its real end, and counts every byte', async () => {
    // Over the 16 MiB Jobbot used to read at most, and not a whole number of lines.
    const size = 20 * MiB + 37;
    f.emu.behave({ job: 'huge-1' }, { steps: [generateLog(size), b.exit(0)] });
    const [log] = await gatherPodLogs(f.kubeConfig(), ns, await finished('huge'), opts);
    expect(log).toMatchObject({ truncated: true, originalBytes: size, error: null });
    const stored = Buffer.byteLength(log!.text);
    expect(stored).toBeLessThanOrEqual(opts.maxBytes);
    expect(stored).toBeGreaterThan(opts.maxBytes - 2 * LINE_BYTES - 64);
    const { head, tail, dropped } = parts(log!.text);
    expect(head.startsWith(`${generatedLine(0)}\n${generatedLine(1)}\n`)).toBe(true);
    const last = Math.ceil(size / LINE_BYTES) - 1;
    const lastLength = size - last * LINE_BYTES;
    expect(
      tail.endsWith(`${generatedLine(last - 1)}\n${generatedLine(last).slice(0, lastLength - 1)}\n`),
    ).toBe(true);
    // Both cut at line ends, and nothing counted twice or lost.
    expect(head.endsWith('\n')).toBe(true);
    expect(tail).toMatch(/^\d{12} /);
    expect(dropped + Buffer.byteLength(head) + Buffer.byteLength(tail)).toBe(size);
    // One read of the whole log, not a prefix of it.
    expect(logReads('huge-1').map((r) => r.query.limitBytes)).toEqual([undefined]);
  });

  it('gives up a read still going past its whole-read bound, without retrying it', async () => {
    // Parts keep coming, so the per-wait timeout never fires; 1 GiB takes seconds to stream.
    f.emu.behave({ job: 'endless-1' }, { steps: [generateLog(1024 * MiB), b.exit(0)] });
    const pods = await finished('endless');
    const [log] = await gatherPodLogs(f.kubeConfig(), ns, pods, { ...opts, readMs: 300 });
    expect(log).toMatchObject({ text: '', truncated: false, originalBytes: 0 });
    expect(log!.error).toMatch(
      /^Reading the log took longer than 300 ms \([\d,]+ bytes read by then\), so it was given up\.$/,
    );
    // The next attempt would take as long: none is made.
    expect(logReads('endless-1')).toHaveLength(1);
  });
});

describe('multi-byte UTF-8', () => {
  it('is cut on character boundaries, at both ends of what is dropped', async () => {
    // 2-, 3- and 4-byte characters on one line: no line end to cut at, every cut lands in a sequence.
    const line = 'é€🙂'.repeat(20_000);
    const whole = `${line}\n`;
    f.emu.behave({ job: 'wide-1' }, b.script(b.print(line), b.exit(0)));
    const pods = await finished('wide');
    for (const maxBytes of [64, 65, 66, 67, 1_000, 1_001, 1_002, 4_099]) {
      const [log] = await gatherPodLogs(f.kubeConfig(), ns, pods, { ...opts, maxBytes });
      expect(log).toMatchObject({ truncated: true, originalBytes: Buffer.byteLength(whole), error: null });
      expect(log!.text).not.toContain('\uFFFD');
      expect(Buffer.byteLength(log!.text)).toBeLessThanOrEqual(maxBytes);
      const cut = parts(log!.text);
      // The head ended mid-line, so the newline before the marker is Jobbot's, not the log's.
      const head = cut.head.slice(0, -1);
      const { tail, dropped } = cut;
      expect(head.length).toBeGreaterThan(0);
      expect(whole.startsWith(head)).toBe(true);
      expect(whole.endsWith(tail)).toBe(true);
      expect(dropped + Buffer.byteLength(head) + Buffer.byteLength(tail)).toBe(Buffer.byteLength(whole));
    }
  });
});

describe('the stream', () => {
  it('is read again from the start when the connection breaks mid-log', async () => {
    // The emulator cannot cut a body short: a bare server answers half a log, then a whole one.
    let answers = 0;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (++answers === 1) {
        res.write('first half\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end('first half\nsecond half\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name: 'bare',
            server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            skipTLSVerify: true,
          },
        ],
        users: [{ name: 'bare', token: 'x' }],
        contexts: [{ name: 'bare', cluster: 'bare', user: 'bare' }],
        currentContext: 'bare',
      });
      const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } };
      const [log] = await gatherPodLogs(kc, ns, [pod], opts);
      expect(log).toMatchObject({ text: 'first half\nsecond half\n', originalBytes: 23, error: null });
      expect(answers).toBe(2);
    } finally {
      server.close();
    }
  });

  it('is counted like any other API call when the cluster is metered', async () => {
    f.emu.behave({ job: 'counted-1' }, b.script(b.print('counted'), b.exit(0)));
    const pods = await finished('counted');
    const kc = new KubeConfig();
    kc.loadFromString(f.emu.kubeconfig());
    const seen: string[] = [];
    meterKubeConfig(kc, {
      request: (verb, resource) => seen.push(`${verb} ${resource}`),
      error: (verb, resource, status) => seen.push(`${verb} ${resource} failed ${status}`),
    });
    const [log] = await gatherPodLogs(kc, ns, pods, opts);
    expect(log).toMatchObject({ text: 'counted\n', error: null });
    expect(seen).toEqual(['get pods/log']);
  });
});

describe('the Job finished before the pod status Jobbot holds caught up', () => {
  it('reads the log of a container that status still shows ContainerCreating', async () => {
    f.emu.behave({ job: 'blink-1' }, b.script(b.print('done in a blink'), b.exit(0)));
    // The pod as a lagging pod watch would still show it: the kubelet's first status, written before
    // the container ran. The Job's completion comes on another watch, so it can arrive first.
    const lagging = firstPodState('blink-1', (p) =>
      p.status.containerStatuses?.some((s) => s.state.waiting?.reason === 'ContainerCreating'),
    );
    await finished('blink');
    const stale = lagging();
    expect(stale.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    const logs = await gatherPodLogs(f.kubeConfig(), ns, [stale], opts);
    expect(logs).toEqual([
      {
        pod: stale.metadata!.name,
        container: 'main',
        init: false,
        previous: false,
        text: 'done in a blink\n',
        originalBytes: 16,
        truncated: false,
        error: null,
      },
    ]);
  });
});

/** Records the first state of a pod of `job` that `match` accepts, as written to the cluster. */
function firstPodState(job: string, match: (pod: Pod) => boolean | undefined): () => V1Pod {
  let first: V1Pod | undefined;
  const stop = f.emu.primary.store.subscribe((e) => {
    const pod = e.object as Pod;
    if (first || e.resource !== 'pods' || pod.metadata.labels?.['batch.kubernetes.io/job-name'] !== job)
      return;
    if (match(pod)) first = structuredClone(pod) as unknown as V1Pod;
  });
  return () => {
    stop();
    if (!first) throw new Error(`no state of a pod of ${job} matched`);
    return first;
  };
}
