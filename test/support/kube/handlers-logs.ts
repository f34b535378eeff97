/**
 * GET pods/{name}/log: container, follow, previous, tailLines, limitBytes, timestamps,
 * sinceSeconds, sinceTime, with the kubelet's 400 messages for the usual mistakes (several
 * containers and none named, a container still waiting, no previous run).
 */

import { serveGenerated } from './generated-log.js';
import { gr, PODS } from './handlers-read.js';
import { boolParam, type Ctx, intParam } from './http.js';
import { formatLine, type LogQuery, renderLines } from './logs.js';
import { badRequest, invalid, notFound } from './status.js';
import type { Pod } from './types.js';
import { fieldErr } from './validation.js';

const WAITING_TEXT: Record<string, string> = {
  ErrImagePull: 'trying and failing to pull image',
  ImagePullBackOff: 'trying and failing to pull image',
  InvalidImageName: "image can't be pulled",
};

function pickContainer(ctx: Ctx, pod: Pod): string {
  const name = pod.metadata.name ?? '';
  const main = pod.spec.containers.map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  const requested = ctx.query.get('container');
  if (!requested) {
    if (main.length === 1) return main[0]!;
    const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : '';
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]${initPart}`,
    );
  }
  if (!main.includes(requested) && !init.includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

function readQuery(ctx: Ctx): LogQuery & { limitBytes?: number } {
  const q = ctx.query;
  const tailLines = intParam(q, 'tailLines');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime');
  const causes = [];
  if (tailLines !== undefined && tailLines < 0)
    causes.push(fieldErr.invalid('tailLines', tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1)
    causes.push(fieldErr.invalid('limitBytes', limitBytes, 'must be greater than 0'));
  if (sinceSeconds !== undefined && sinceSeconds < 1)
    causes.push(fieldErr.invalid('sinceSeconds', sinceSeconds, 'must be greater than 0'));
  if (sinceSeconds !== undefined && sinceTime)
    causes.push(fieldErr.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  if (causes.length > 0) throw invalid('PodLogOptions', '', '', causes);
  const out: LogQuery & { limitBytes?: number } = { timestamps: boolParam(q, 'timestamps') };
  if (tailLines !== undefined) out.tailLines = tailLines;
  if (limitBytes !== undefined) out.limitBytes = limitBytes;
  if (sinceSeconds !== undefined) out.sinceMs = ctx.cluster.clock.now() - sinceSeconds * 1000;
  else if (sinceTime) out.sinceMs = Date.parse(sinceTime);
  return out;
}

export function handlePodLog(ctx: Ctx, namespace: string, name: string): void {
  const pod = ctx.cluster.store.get('pods', namespace, name) as Pod | undefined;
  if (!pod) throw notFound(gr(PODS), name);
  const container = pickContainer(ctx, pod);
  const query = readQuery(ctx);
  const previous = boolParam(ctx.query, 'previous');
  const uid = pod.metadata.uid ?? '';
  const run = previous ? ctx.cluster.logs.previous(uid, container) : ctx.cluster.logs.current(uid, container);
  if (!run) {
    if (previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const statuses = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
    const reason = statuses.find((s) => s.name === container)?.state.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ${WAITING_TEXT[reason] ?? reason}`,
    );
  }
  if (serveGenerated(ctx, run, query)) return;
  let budget = query.limitBytes ?? Number.POSITIVE_INFINITY;
  const res = ctx.res;
  ctx.record.status = 200;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  /** Writes within limitBytes; false once the budget is spent. */
  const write = (text: string): boolean => {
    const buf = Buffer.from(text, 'utf8');
    if (buf.length >= budget) {
      res.write(buf.subarray(0, budget));
      budget = 0;
      return false;
    }
    budget -= buf.length;
    res.write(buf);
    return true;
  };
  const initial = renderLines(run.lines, query);
  const follow = boolParam(ctx.query, 'follow');
  if (!write(initial) || !follow || run.finished) {
    res.end();
    return;
  }
  let sent = run.lines.length;
  const stop = run.onChange(() => {
    let open = true;
    while (open && sent < run.lines.length) open = write(formatLine(run.lines[sent++]!, query.timestamps));
    if (!open || run.finished) {
      stop();
      res.end();
    }
  });
  ctx.req.on('close', stop);
}
