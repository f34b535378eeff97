/**
 * Prometheus metrics. One registry per running app (not prom-client's global one), so several
 * instances in one test process never share or double-register counters.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route'>;
  slackCommands: Counter<'subcommand' | 'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jobbot_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'jobbot_http_requests_total',
      help: 'HTTP requests served, by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'jobbot_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 10],
      registers: [registry],
    }),
    slackCommands: new Counter({
      name: 'jobbot_slack_commands_total',
      help: 'Slash commands received, by subcommand and outcome',
      labelNames: ['subcommand', 'outcome'],
      registers: [registry],
    }),
  };
}
