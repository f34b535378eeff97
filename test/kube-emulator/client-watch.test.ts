/**
 * Watches and informers with the real client-node Watch / makeInformer: event types, bookmarks,
 * the 410 Expired ERROR event inside a 200 stream, and the informer re-listing after it.
 */

import { ADD, CONNECT, ERROR, makeInformer, UPDATE, type V1Job, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviours } from '../support/kube/index.js';
import { type Harness, jobManifest, startHarness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

const ns = 'default';
const jobsPath = `/apis/batch/v1/namespaces/${ns}/jobs`;

interface Seen {
  type: string;
  object: {
    kind?: string;
    code?: number;
    reason?: string;
    metadata?: { name?: string; resourceVersion?: string };
  };
}

function collect(path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let doneErr: unknown = 'pending';
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const watchRequests = () =>
    h.emu.requests.filter((r) => r.query.watch === 'true' && r.status === 200).length;
  const opened = watchRequests();
  const controller = new Watch(h.kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => {
      doneErr = err;
      resolveDone();
    },
  );
  return {
    events,
    done,
    doneErr: () => doneErr,
    /** Resolves once the server holds this stream open. */
    open: () => until(() => watchRequests() > opened, 'the watch to open'),
    abort: async () => (await controller).abort(),
  };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Watch', () => {
  it('streams ADDED, MODIFIED and BOOKMARK events from a resourceVersion', async () => {
    h.emu.behave({ job: 'watched' }, behaviours.succeed(2));
    const list = await h.batch.listNamespacedJob({ namespace: ns });
    const w = collect(jobsPath, {
      resourceVersion: list.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    await w.open();
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('watched') });
    await until(
      () =>
        w.events.some((e) => e.type === 'MODIFIED' && JSON.stringify(e.object).includes('"type":"Complete"')),
      'the Complete condition',
    );
    h.emu.sendBookmarks();
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
    const types = w.events.map((e) => e.type);
    expect(types[0]).toBe('ADDED');
    expect(types).toContain('MODIFIED');
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.object.kind).toBe('Job');
    expect(Number(bookmark.object.metadata?.resourceVersion)).toBe(h.emu.resourceVersion);
    const rvs = w.events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    await w.abort();
  });

  it('sends periodic bookmarks on the emulated clock', async () => {
    h.emu.primary.bookmarkIntervalSeconds = 5;
    const w = collect(jobsPath, {
      allowWatchBookmarks: true,
      resourceVersion: String(h.emu.resourceVersion),
    });
    await until(() => w.events.filter((e) => e.type === 'BOOKMARK').length >= 2, 'two bookmarks');
    h.emu.primary.bookmarkIntervalSeconds = 60;
    await w.abort();
  });

  it('delivers a 410 Expired ERROR event inside the stream for a compacted resourceVersion', async () => {
    const old = h.emu.resourceVersion;
    await h.core.createNamespace({ body: { metadata: { name: 'bump-410' } } });
    h.emu.expireWatchesBefore(h.emu.resourceVersion);
    const w = collect(jobsPath, { resourceVersion: String(old) });
    await w.done;
    expect(w.doneErr()).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    const watchReq = h.emu.requests.filter((r) => r.query.watch === 'true').at(-1);
    expect(watchReq?.status).toBe(200);
  });

  it('turns selector changes into ADDED/DELETED for filtered watches', async () => {
    h.emu.behave({ job: 'relabel' }, behaviours.runForever());
    await h.batch.createNamespacedJob({
      namespace: ns,
      body: jobManifest('relabel', { labels: { stage: 'one' } }),
    });
    const w = collect(jobsPath, {
      labelSelector: 'stage=two',
      resourceVersion: String(h.emu.resourceVersion),
    });
    await w.open();
    // Read-modify-replace races the job controller's status updates: a 409 is retried, as kubectl does.
    const patch = async (stage: string) => {
      for (let attempt = 1; ; attempt++) {
        const job = await h.batch.readNamespacedJob({ name: 'relabel', namespace: ns });
        job.metadata!.labels = { ...job.metadata!.labels, stage };
        try {
          await h.batch.replaceNamespacedJob({ name: 'relabel', namespace: ns, body: job });
          return;
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
        }
      }
    };
    await patch('two');
    await until(() => w.events.length >= 1, 'ADDED');
    await patch('three');
    await until(() => w.events.some((e) => e.type === 'DELETED'), 'DELETED');
    // The controller may update the Job's status while it matches: MODIFIED events are fine between.
    expect(w.events.map((e) => e.type).filter((t) => t !== 'MODIFIED')).toEqual(['ADDED', 'DELETED']);
    await w.abort();
  });

  it('ends open watches on dropWatches()', async () => {
    const w = collect(jobsPath, { resourceVersion: String(h.emu.resourceVersion) });
    await w.open();
    expect(h.emu.dropWatches()).toBeGreaterThan(0);
    await w.done;
    expect(w.doneErr()).toBeNull();
  });
});

describe('informer', () => {
  it('re-lists after a 410 and keeps its cache', async () => {
    h.emu.behave({ job: /^inf-/ }, behaviours.runForever());
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('inf-1') });
    const informer = makeInformer(h.kc, jobsPath, () => h.batch.listNamespacedJob({ namespace: ns }));
    const added: string[] = [];
    let connects = 0;
    const errors: unknown[] = [];
    informer.on(ADD, (job: V1Job) => added.push(job.metadata?.name ?? ''));
    informer.on(UPDATE, () => {});
    informer.on(CONNECT, () => connects++);
    informer.on(ERROR, (err) => errors.push(err));
    await informer.start();
    await until(() => added.includes('inf-1'), 'the first list');
    const listsBefore = h.emu.requests.filter((r) => r.path === jobsPath && !r.query.watch).length;

    // Move the cluster revision past what the informer has seen, forget the history behind it,
    // and cut the watch: its resume from the old revision must come back as 410 in the stream.
    await h.core.createNamespace({ body: { metadata: { name: 'bump-informer' } } });
    h.emu.expireWatchesBefore(h.emu.resourceVersion);
    h.emu.dropWatches();
    await until(
      () => h.emu.requests.filter((r) => r.path === jobsPath && !r.query.watch).length > listsBefore,
      'the re-list',
    );
    await h.batch.createNamespacedJob({ namespace: ns, body: jobManifest('inf-2') });
    await until(() => added.includes('inf-2'), 'an event after the re-list');
    expect(informer.list(ns).map((j) => j.metadata?.name)).toEqual(
      expect.arrayContaining(['inf-1', 'inf-2']),
    );
    expect(errors).toEqual([]);
    expect(connects).toBeGreaterThanOrEqual(3);
    await informer.stop();
  });
});
