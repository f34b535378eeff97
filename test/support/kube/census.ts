/**
 * What a client costs the emulated API servers, for benchmarks: every request counted by kind (the
 * request log keeps only the last 5000 entries, too few for a run of a thousand dispatches), and the
 * watch streams open right now, by cluster, namespace and resource.
 *
 *   const census = new RequestCensus(kube, (r) => r.userAgent?.includes('kubectl') !== true);
 *   … run …
 *   census.total; census.byKind();   // { 'POST jobs': 1000, 'GET pods/log': 1000, 'WATCH pods': 8, … }
 *   openWatches(kube);                // [{ cluster: 'alpha', namespace: 'team-1', resource: 'jobs', … }]
 *   census.stop();
 */

import type { KubeEmulator } from './emulator.js';
import type { RecordedRequest } from './faults.js';

export interface OpenWatch {
  cluster: string;
  namespace: string | undefined;
  resource: string;
}

/** The watch streams open now on every cluster of the emulator. */
export function openWatches(kube: KubeEmulator): OpenWatch[] {
  return kube.clusters.flatMap((c) =>
    c.watches.openRequests().map((w) => ({ cluster: c.name, namespace: w.namespace, resource: w.resource })),
  );
}

/** Open watches grouped as `cluster/namespace/resource` → how many streams. */
export function watchesByTarget(kube: KubeEmulator): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of openWatches(kube)) {
    const key = `${w.cluster}/${w.namespace ?? '*'}/${w.resource}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/**
 * `GET /api/v1/namespaces/x/pods/p/log` → `GET pods/log`; `?watch=true` reads as `WATCH`, a GET of a
 * collection as `LIST`, so a report tells informer traffic from point reads.
 */
export function requestKind(r: RecordedRequest): string {
  const parts = r.path.split('/').filter(Boolean);
  // Resources live under /api/v1/… and /apis/GROUP/VERSION/…; anything else (/version, discovery)
  // is named by its path.
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : [];
  if (rest.length === 0) return `${r.method} ${r.path}`;
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [resource, name, sub] = namespaced ? rest.slice(2) : rest;
  const watch = r.query.watch === 'true' || r.query.watch === '1';
  const verb = watch ? 'WATCH' : r.method === 'GET' && name === undefined ? 'LIST' : r.method;
  return `${verb} ${resource}${sub ? `/${sub}` : ''}`;
}

export class RequestCensus {
  total = 0;
  private readonly counts = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(kube: KubeEmulator, filter: (r: RecordedRequest) => boolean = () => true) {
    this.unsubscribe = kube.onRequest((r) => {
      if (!filter(r)) return;
      this.total++;
      const kind = requestKind(r);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    });
  }

  byKind(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
  }

  reset(): void {
    this.total = 0;
    this.counts.clear();
  }

  stop(): void {
    this.unsubscribe();
  }
}
