/**
 * JobWatcher.close() ends everything it started, even mid-way: a list the API server never answers,
 * an open watch, a restart waiting out its backoff. Checked on the process's own handles.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobWatcher } from '../../src/kube/watcher.js';
import { type Fixture, startFixture, until } from './helpers.js';

let f: Fixture;

beforeAll(async () => {
  f = await startFixture({ namespaces: ['hang', 'open'] });
});

afterAll(async () => {
  await f.close();
});

const handles = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

it('leaves no socket or timer behind', async () => {
  const timers = handles('Timeout');
  expect(handles('TCPSocketWrap')).toBe(0);
  const w = new JobWatcher(f.registry, f.log, { initialBackoffMs: 60_000, listTimeoutMs: 60_000 });
  f.emu.failNext(1, { method: 'GET', path: /\/namespaces\/hang\/jobs$/, hang: true });
  w.watch('alpha', 'hang');
  w.watch('alpha', 'open');
  await f.emu.cluster('beta').setUnreachable();
  w.watch('beta', 'open');
  await until(
    () => w.isSynced('alpha', 'open') && f.emu.requests.some((r) => r.fault === 'hang'),
    'a hanging list and an open watch',
  );
  await until(
    () => f.logLines.some((l) => l.msg.startsWith('watch failed') && l.cluster === 'beta'),
    'a pending restart',
  );
  expect(handles('TCPSocketWrap')).toBeGreaterThan(0);

  w.close();
  // The lists' kept-alive connections are the cluster registry's, not the watcher's.
  f.registry.stop();
  await until(() => handles('TCPSocketWrap') === 0, 'every connection to end');
  expect(handles('Timeout')).toBeLessThanOrEqual(timers);
  expect(f.emu.cluster('alpha').watches.openCount).toBe(0);
  await f.emu.cluster('beta').setReachable();
});
