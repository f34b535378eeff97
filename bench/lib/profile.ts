/**
 * With JOBBOT_BENCH_PROFILE=DIR, every Jobbot process of the run writes a V8 CPU profile to DIR when it
 * stops (see jobbot.ts); this reads one and says where the time went: the functions with the most
 * self time, and the same summed per package or file. The profiles also open in Chrome DevTools.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    .replace(/.*\/(dist|src)\//, '$1/');
}

export function summarizeProfile(file: string, top = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const t = p.timeDeltas[i] ?? 0;
    const cf = byId.get(id)!.callFrame;
    total += t;
    const place = where(cf.url) || '(vm)';
    const f = `${cf.functionName || '(anonymous)'} ${place}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fn.set(f, (fn.get(f) ?? 0) + t);
    pkg.set(place, (pkg.get(place) ?? 0) + t);
  });
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, v]) =>
          `  ${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  return `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled\n${list(fn)}\n by place:\n${list(pkg)}`;
}

/** Summaries of the profiles in `dir` not reported before. */
export function newProfiles(dir: string, seen: Set<string>): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    if (seen.has(f)) continue;
    seen.add(f);
    out.push(summarizeProfile(path.join(dir, f)));
  }
  return out;
}
