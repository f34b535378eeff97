/**
 * 4. Logs: one container printing 10 MiB, then 100 MiB, then 1 GiB (the emulator generates them
 * line by line as they are read, see test/support/kube/generated-log.ts). For Jobbot: how long it takes
 * from the first pods/log read to the Job's deletion (Jobbot deletes only after the log is stored),
 * how many bytes it read, and its peak resident memory (VmHWM, reset before each run) above its idle
 * RSS. The target is memory bounded, independent of the log's size. For the baseline:
 * `kubectl logs job/NAME > file` of the 100 MiB log, timed with /usr/bin/time (wall time and max RSS).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { generatedLine, generateLog, LINE_BYTES } from '../../test/support/kube/generated-log.js';
import { KubeTimeline } from '../lib/kube-events.js';
import { mib, ms, type Row, type SectionResult } from '../lib/report.js';
import { MiB } from '../lib/stats.js';
import { echoJob, sleep, startWorld, until } from '../lib/world.js';
import { KUBECTL } from './dispatch.js';

const run = promisify(execFile);
const SIZES = [10 * MiB, 100 * MiB, 1024 * MiB];
/** The baseline reads this one through kubectl (1 GiB would only say the same, slower). */
const KUBECTL_SIZE = 100 * MiB;
const name = (bytes: number) => `log${bytes / MiB}m`;
const size = (bytes: number) => (bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`);

interface StoredLog {
  original_bytes: number;
  truncated: number;
  content: Buffer;
}

export async function logsSection(): Promise<SectionResult> {
  const world = await startWorld({
    jobs: [
      { yaml: echoJob('hello'), cluster: 'alpha', namespace: 'jobs' },
      ...SIZES.map((b) => ({ yaml: echoJob(name(b)), cluster: 'alpha', namespace: 'jobs' })),
    ],
  });
  for (const b of SIZES) {
    world.kube.behave(
      { job: new RegExp(`^${name(b)}`) },
      { steps: [generateLog(b), { kind: 'exit', code: 0 }] },
    );
  }
  const timeline = new KubeTimeline(world.kube);
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    const token = await world.token('bench-logs');
    // Warm-up, then the idle footprint the peaks are compared with.
    await world.api('POST', '/api/v1/jobs/hello/dispatches', token, { wait: 60, channel: 'C0JOBS0001' });
    await sleep(1000);
    const idle = world.jobbot.memory().rssBytes;
    data.idleRssBytes = idle;

    for (const bytes of SIZES) {
      const job = name(bytes);
      world.jobbot.resetPeak();
      const t = performance.now();
      const res = await world.api('POST', `/api/v1/jobs/${job}/dispatches`, token, {
        wait: 300,
        channel: 'C0JOBS0001',
      });
      const wall = performance.now() - t;
      const out = JSON.parse(res.text) as { number: number; status: string };
      const peak = world.jobbot.memory().peakRssBytes;
      const k = KubeTimeline.key('alpha', 'jobs', `${job}-${out.number}`);
      const read = timeline.logRead.get(k);
      const deleted = timeline.jobDeleteRequested.get(k);
      const db = new Database(world.jobbot.dbPath, { readonly: true });
      const stored = db
        .prepare('select original_bytes, truncated, content from dispatch_logs where dispatch_number = ?')
        .get(out.number) as StoredLog | undefined;
      db.close();
      const text = stored ? gunzipSync(stored.content).toString('utf8') : '';
      const lastLine = generatedLine(Math.ceil(bytes / LINE_BYTES) - 1).slice(0, 12);
      const captureMs = read !== undefined && deleted !== undefined ? deleted - read : Number.NaN;
      const readBytes = stored?.original_bytes ?? 0;
      const result = {
        status: out.status,
        logBytes: bytes,
        bytesReadFromApiServer: readBytes,
        storedBytesUncompressed: Buffer.byteLength(text),
        storedBytesCompressed: stored?.content.length ?? 0,
        truncated: stored?.truncated === 1,
        storedKeepsLastLine: text.includes(lastLine),
        captureMs,
        dispatchWithWaitMs: wall,
        readThroughputMiBps: readBytes / MiB / (captureMs / 1000),
        peakRssBytes: peak,
        peakAboveIdleBytes: peak - idle,
      };
      data[job] = result;
      rows.push({
        section: '4 logs',
        measure: `Jobbot, ${size(bytes)} log: capture, peak RSS`,
        result: `read ${mib(readBytes)} in ${ms(captureMs)} (${result.readThroughputMiBps.toFixed(0)} MiB/s) · peak ${mib(peak)} (+${mib(peak - idle)}) · kept ${(result.storedBytesCompressed / 1024).toFixed(0)} KiB gz${result.storedKeepsLastLine ? '' : ' · real end of log lost'}`,
      });
    }
    const above = SIZES.map((b) => (data[name(b)] as { peakAboveIdleBytes: number }).peakAboveIdleBytes);
    // Independent of size: the largest log costs no more than 1.5× the smallest (noise allowance).
    rows.push({
      section: '4 logs',
      measure: `Jobbot peak RSS above idle, ${SIZES.map(size).join(' / ')}`,
      result: above.map((b) => `+${mib(b)}`).join(' / '),
      target: 'bounded, independent of size',
      met: above.at(-1)! <= above[0]! * 1.5,
    });

    // Baseline: the same 100 MiB log through kubectl into a file.
    const big = KUBECTL_SIZE;
    const kname = `${name(big)}-kubectl`;
    const manifest = path.join(world.dir, `${kname}.yaml`);
    writeFileSync(manifest, echoJob(kname));
    const args = [
      '--kubeconfig',
      world.kubeconfig,
      '--context',
      'alpha',
      '-n',
      'jobs',
      '--cache-dir',
      path.join(world.dir, 'kube-cache'),
    ];
    const env = { PATH: process.env.PATH ?? '', HOME: world.dir };
    await run(KUBECTL, [...args, 'create', '-f', manifest], { env });
    await until(() => world.kube.job('jobs', kname)?.status.succeeded === 1, 30_000, `${kname} to complete`);
    const file = path.join(world.dir, 'kubectl.log');
    const timeFile = path.join(world.dir, 'time.txt');
    const cmd = `/usr/bin/time -f '%e %M' -o '${timeFile}' '${KUBECTL}' ${args.map((a) => `'${a}'`).join(' ')} logs job/${kname} > '${file}'`;
    await run('sh', ['-c', cmd], { env, maxBuffer: 1024 * 1024 });
    const [seconds, maxKb] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
    const kubectlResult = {
      bytes: statSync(file).size,
      ms: seconds! * 1000,
      throughputMiBps: statSync(file).size / MiB / seconds!,
      maxRssBytes: maxKb! * 1024,
    };
    data.kubectl = kubectlResult;
    rows.push({
      section: '4 logs',
      measure: `kubectl logs > file, ${size(big)}`,
      result: `${ms(kubectlResult.ms)} · ${kubectlResult.throughputMiBps.toFixed(0)} MiB/s · max RSS ${mib(kubectlResult.maxRssBytes)} · wrote ${mib(kubectlResult.bytes)}`,
    });
    return { name: 'logs', rows, data };
  } finally {
    timeline.stop();
    await world.close();
  }
}
