/**
 * Counting Kubernetes API requests by verb and resource, and failures by status, for /metrics. Each
 * cluster's API clients send through one HTTP library (http-api.ts) that reports every request of a
 * metered cluster, so every call through `makeApiClient` (jobs, pods, logs, namespaces, the
 * informers' lists) is counted without touching the callers. Watches stream outside the generated
 * clients; the watcher counts their restarts itself.
 */
import {
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  wrapHttpLibrary,
} from '@kubernetes/client-node';

export interface KubeMeter {
  request(verb: string, resource: string): void;
  error(verb: string, resource: string, status: string): void;
}

/** The RBAC verb and resource of a REST call, e.g. GET …/namespaces/jobs/pods?watch=1 → watch pods. */
export function classify(method: string, url: string): { verb: string; resource: string } {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter(Boolean);
  // /api/v1/…, /apis/GROUP/VERSION/…: what follows is [namespaces, NS,] RESOURCE [, NAME [, SUB]].
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource = 'unknown', name, sub] = rest;
  const full = sub ? `${resource}/${sub}` : resource;
  const m = method.toUpperCase();
  const verb =
    m === 'GET'
      ? u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1'
        ? 'watch'
        : name
          ? 'get'
          : 'list'
      : m === 'POST'
        ? 'create'
        : m === 'PUT'
          ? 'update'
          : m.toLowerCase();
  return { verb, resource: full };
}

const meters = new WeakMap<KubeConfig, KubeMeter>();

/**
 * Counts the calls of `kc` made from now on through `httpApiFor(kc)`: every API client of a cluster
 * (clustersFrom installs it), and streamed log reads.
 */
export function meterKubeConfig(kc: KubeConfig, meter: KubeMeter): void {
  meters.set(kc, meter);
}

/** `library` counted like every other call of `kc` when `kc` is metered. */
export function meteredFor(kc: KubeConfig, library: HttpLibrary): HttpLibrary {
  const meter = meters.get(kc);
  return meter ? metered(library, meter) : library;
}

function metered(base: HttpLibrary, meter: KubeMeter): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext) {
      const { verb, resource } = classify(request.getHttpMethod(), request.getUrl());
      meter.request(verb, resource);
      try {
        const response = await base.send(request).toPromise();
        if (response.httpStatusCode >= 400) meter.error(verb, resource, String(response.httpStatusCode));
        return response;
      } catch (err) {
        meter.error(verb, resource, 'network');
        throw err;
      }
    },
  });
}
