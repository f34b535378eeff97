/**
 * Prometheus metrics. One registry per running app (not prom-client's global one), so several
 * instances in one test process never share or double-register counters. Gauges that describe the
 * database (outbox depth and age, log bytes) are read when /metrics is scraped, never kept in step.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route'>;
  slackCommands: Counter<'subcommand' | 'outcome'>;
  dispatches: Counter<'job' | 'outcome'>;
  dispatchDuration: Histogram<'job'>;
  slackCalls: Counter<'method'>;
  slackErrors: Counter<'method' | 'error'>;
  kubeRequests: Counter<'verb' | 'resource'>;
  kubeErrors: Counter<'verb' | 'resource' | 'status'>;
  watchRestarts: Counter<'cluster' | 'namespace' | 'reason'>;
}

/** What the scrape-time gauges read from the database. */
export interface StoreGauges {
  outbox(): { depth: number; oldestAgeSeconds: number };
  logBytes(): number;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jobbot_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'jobbot_http_requests_total',
      help: 'HTTP requests served, by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'jobbot_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 10],
      registers,
    }),
    slackCommands: new Counter({
      name: 'jobbot_slack_commands_total',
      help: 'Slash commands received, by subcommand and outcome',
      labelNames: ['subcommand', 'outcome'],
      registers,
    }),
    dispatches: new Counter({
      name: 'jobbot_dispatches_total',
      help: 'Dispatches that ended, by job and outcome (succeeded, failed, cancelled, failed_to_start)',
      labelNames: ['job', 'outcome'],
      registers,
    }),
    dispatchDuration: new Histogram({
      name: 'jobbot_dispatch_duration_seconds',
      help: 'Time from a dispatch being recorded to its end, logs gathered and Job deleted, by job',
      labelNames: ['job'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
      registers,
    }),
    slackCalls: new Counter({
      name: 'jobbot_slack_api_calls_total',
      help: 'Slack Web API calls made, by method (each retry counts)',
      labelNames: ['method'],
      registers,
    }),
    slackErrors: new Counter({
      name: 'jobbot_slack_api_errors_total',
      help: "Slack Web API calls that failed, by method and Slack's error code (or http_NNN, network)",
      labelNames: ['method', 'error'],
      registers,
    }),
    kubeRequests: new Counter({
      name: 'jobbot_kube_requests_total',
      help: 'Kubernetes API requests made, by verb and resource',
      labelNames: ['verb', 'resource'],
      registers,
    }),
    kubeErrors: new Counter({
      name: 'jobbot_kube_errors_total',
      help: 'Kubernetes API requests that failed, by verb, resource and status (or network)',
      labelNames: ['verb', 'resource', 'status'],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'jobbot_watch_restarts_total',
      help: 'Times a shared watch was opened again, by cluster, namespace and reason',
      labelNames: ['cluster', 'namespace', 'reason'],
      registers,
    }),
  };
}

/** Registers the gauges read from the database at scrape time. */
export function registerStoreGauges(m: Metrics, store: StoreGauges): void {
  new Gauge({
    name: 'jobbot_outbox_depth',
    help: 'Slack messages waiting in the outbox',
    registers: [m.registry],
    collect() {
      this.set(store.outbox().depth);
    },
  });
  new Gauge({
    name: 'jobbot_outbox_oldest_age_seconds',
    help: 'Age of the oldest Slack message still waiting in the outbox (0 when empty)',
    registers: [m.registry],
    collect() {
      this.set(store.outbox().oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'jobbot_log_bytes_stored',
    help: 'Compressed bytes of container logs kept in the database',
    registers: [m.registry],
    collect() {
      this.set(store.logBytes());
    },
  });
}

type FetchLike = (url: string | URL, init?: never) => Promise<Response>;

/**
 * A fetch for the Slack Web API client that counts each call by method and each failure by Slack's
 * error code, whichever client (Bolt's, the notifier's) made it.
 */
export function meteredSlackFetch(m: Metrics, inner: FetchLike = fetch as FetchLike): FetchLike {
  return async (url, init) => {
    const path = new URL(String(url)).pathname;
    // Besides Web API methods: file upload URLs, and the response_urls answers to commands go to.
    const method =
      /\/api\/([a-zA-Z.]+)$/.exec(path)?.[1] ?? (path.includes('/upload/') ? 'file_upload' : 'response_url');
    m.slackCalls.inc({ method });
    let res: Response;
    try {
      res = await inner(url, init);
    } catch (err) {
      m.slackErrors.inc({ method, error: 'network' });
      throw err;
    }
    if (!res.ok) m.slackErrors.inc({ method, error: `http_${res.status}` });
    // A response_url says nothing more in its body; reading a copy of it costs every answer.
    else if (method !== 'file_upload' && method !== 'response_url') {
      const body = (await res
        .clone()
        .json()
        .catch(() => undefined)) as { ok?: boolean; error?: string } | undefined;
      if (body?.ok === false) m.slackErrors.inc({ method, error: String(body.error ?? 'unknown') });
    }
    return res;
  };
}

/** A finished dispatch, for the dispatch counters. */
export function observeDispatch(
  m: Metrics,
  d: { definitionName: string; state: string; createdAt: string; finishedAt: string | null },
): void {
  m.dispatches.inc({ job: d.definitionName, outcome: d.state });
  if (d.finishedAt) {
    const seconds = (Date.parse(d.finishedAt) - Date.parse(d.createdAt)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0)
      m.dispatchDuration.observe({ job: d.definitionName }, seconds);
  }
}
