/**
 * `npm run bench`: every benchmark of BENCHMARKS.md in turn (issue 10), one table at the end, and the
 * full figures in bench/results/<date>.json. `BENCH_ONLY=ack,logs npm run bench` runs some sections
 * (their JSON goes to <date>-ack-logs.json); JOBBOT_BENCH_PROFILE=DIR also profiles Jobbot and prints
 * where its CPU time went after each section. Sections run one after another, never side by side, so
 * they do not share the two CPUs of the reference machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { machineInfo } from './lib/machine.js';
import { newProfiles } from './lib/profile.js';
import { type SectionResult, table, toJson } from './lib/report.js';
import { ackSection } from './sections/ack.js';
import { dispatchSection } from './sections/dispatch.js';
import { historySection } from './sections/history.js';
import { logsSection } from './sections/logs.js';
import { scaleSection } from './sections/scale.js';

const SECTIONS: [string, () => Promise<SectionResult>][] = [
  ['history', historySection],
  ['ack', ackSection],
  ['dispatch', dispatchSection],
  ['logs', logsSection],
  ['scale', scaleSection],
];

it('measures Jobbot', async () => {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const started = Date.now();
  const results: SectionResult[] = [];
  const seen = new Set<string>();
  for (const [name, section] of SECTIONS) {
    if (only && !only.includes(name)) continue;
    const t0 = Date.now();
    // The reference machine is shared: the load around each section says how quiet it was.
    const loadBefore = os.loadavg()[0];
    const result = await section();
    result.seconds = Math.round((Date.now() - t0) / 100) / 10;
    result.data.loadAverage1m = { before: loadBefore, after: os.loadavg()[0] };
    results.push(result);
    console.log(`\n${name} (${result.seconds} s)\n${table(result.rows)}`);
    const profiles = process.env.JOBBOT_BENCH_PROFILE;
    if (profiles)
      for (const summary of newProfiles(profiles, seen)) console.log(`\nJobbot CPU profile, ${summary}`);
  }
  const rows = results.flatMap((r) => r.rows);
  console.log(`\nJobbot benchmarks (${Math.round((Date.now() - started) / 1000)} s)\n${table(rows)}\n`);

  const date = new Date().toISOString().slice(0, 10);
  const dir = path.resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${date}${only ? `-${only.join('-')}` : ''}.json`);
  writeFileSync(
    file,
    `${toJson({
      date: new Date().toISOString(),
      machine: machineInfo(),
      seconds: Math.round((Date.now() - started) / 1000),
      sections: Object.fromEntries(
        results.map((r) => [r.name, { seconds: r.seconds, rows: r.rows, ...r.data }]),
      ),
    })}\n`,
  );
  console.log(`written ${path.relative(process.cwd(), file)}`);
  expect(results.length).toBeGreaterThan(0);
});
