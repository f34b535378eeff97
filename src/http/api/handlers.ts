/**
 * What each /api/v1 endpoint does, once router.ts has authenticated the token and rate-limited it.
 * A token sees only jobs matching its pattern, and only dispatches of those jobs (403 otherwise).
 * Glossary: onBehalfOf — the Slack user a pipeline runs for (named in the status message); it is the
 * token owner's claim, resolved to a user id through Slack, not a second authentication.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { DispatchStateName } from '../../domain/dispatch/index.js';
import { isTerminal } from '../../domain/dispatch/index.js';
import type { ApprovalService } from '../../services/approvals.js';
import type { DispatchService } from '../../services/dispatches.js';
import { type TokenService, tokenActor } from '../../services/tokens.js';
import type { DefinitionRecord } from '../../store/definitions.js';
import type { DispatchRecord } from '../../store/dispatches.js';
import type { TokenRecord } from '../../store/tokens.js';
import { sendJson } from '../server.js';
import { type JobsPutDeps, putJob } from './jobs-put.js';
import { type ApprovalHeldOut, DispatchBody, type DispatchOut, type JobOut } from './schemas.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly fields?: string[],
  ) {
    super(message);
  }
}

/** A request body checked against its schema; a mismatch names each bad field. */
export function validBody<T>(schema: z.ZodType<T>, value: unknown, status = 400): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new HttpError(
    status,
    'invalid_request',
    'The request body does not match the schema (see /api/v1/openapi.json).',
    {},
    parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
  );
}

export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  token: TokenRecord;
  body(): Promise<unknown>;
}

export interface ApiHandlerDeps {
  tokens: Pick<TokenService, 'allows'>;
  dispatches: Pick<DispatchService, 'plan' | 'dispatch' | 'get' | 'cancel' | 'logFiles' | 'ended'>;
  definitions: {
    list(page: { offset: number; limit: number }): { items: DefinitionRecord[] };
  } & JobsPutDeps['definitions'];
  approvals: Pick<ApprovalService, 'submit'>;
  access: { prepare(userId: string): Promise<void> };
  /** A Slack user id for a user id or e-mail address; undefined when Slack knows no such user. */
  resolveUser(ref: string): Promise<string | undefined>;
}

export type ApiHandlers = ReturnType<typeof apiHandlers>;

export function apiHandlers(deps: ApiHandlerDeps) {
  const allowed = (token: TokenRecord, name: string) => {
    if (!deps.tokens.allows(token, name))
      throw new HttpError(403, 'forbidden', `This token may not use the job \`${name}\`.`);
  };
  const visibleDispatch = (token: TokenRecord, n: number) => {
    const d = deps.dispatches.get(n);
    allowed(token, d.definitionName);
    return d;
  };

  return {
    async listJobs({ res, token }: HandlerContext): Promise<void> {
      const { items } = deps.definitions.list({ offset: 0, limit: 1000 });
      const jobs = items.filter((d) => deps.tokens.allows(token, d.name)).map(jobOut);
      sendJson(res, 200, { jobs });
    },

    async getJob({ res, token }: HandlerContext, name: string): Promise<void> {
      allowed(token, name);
      sendJson(res, 200, jobOut(deps.dispatches.plan({ name }).definition));
    },

    async dispatch(ctx: HandlerContext, name: string): Promise<void> {
      allowed(ctx.token, name);
      const body = validBody(DispatchBody, await ctx.body());
      const words = Object.entries(body.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
      // Checked before anything else happens, so a bad override never resolves users or records anything.
      deps.dispatches.plan({ name, words });
      let onBehalfOf: string | undefined;
      if (body.onBehalfOf) {
        onBehalfOf = await deps.resolveUser(body.onBehalfOf);
        if (!onBehalfOf)
          throw new HttpError(
            422,
            'unknown_user',
            `Slack knows no user ${JSON.stringify(body.onBehalfOf)}.`,
            {},
            ['onBehalfOf: no such Slack user'],
          );
      }
      const channel = body.channel ?? onBehalfOf ?? ctx.token.createdBy.id;
      const actor = tokenActor(ctx.token, onBehalfOf);
      // The policy judges the person the pipeline acts for (or the token's creator), as in Slack.
      await deps.access.prepare(onBehalfOf ?? ctx.token.createdBy.id);
      const submitted = deps.approvals.submit(
        { name, words, channel, sourceChannel: body.channel ?? null },
        actor,
      );
      if (submitted.kind === 'requested') {
        const a = submitted.approval;
        const held: z.infer<typeof ApprovalHeldOut> = {
          status: 'awaiting_approval',
          approval: { id: a.id, approvals: a.rule.approvals, rule: a.rule.rule, expiresAt: a.expiresAt },
        };
        sendJson(ctx.res, 202, held);
        return;
      }
      let d = submitted.dispatch;
      if (body.wait) d = await waitFor(deps, ctx, d.number, body.wait * 1000);
      sendJson(ctx.res, 201, dispatchOut(d), { location: `/api/v1/dispatches/${d.number}` });
    },

    async getDispatch({ res, token }: HandlerContext, n: number): Promise<void> {
      sendJson(res, 200, dispatchOut(visibleDispatch(token, n)));
    },

    async cancel({ res, token }: HandlerContext, n: number): Promise<void> {
      visibleDispatch(token, n);
      sendJson(res, 202, dispatchOut(await deps.dispatches.cancel(n, tokenActor(token))));
    },

    putJob: putJob(deps),

    async logs({ res, token, url }: HandlerContext, n: number): Promise<void> {
      const d = visibleDispatch(token, n);
      const container = url.searchParams.get('container');
      const logs = deps.dispatches.logFiles(n).filter((l) => !container || l.container === container);
      if (container && logs.length === 0)
        throw new HttpError(
          404,
          'container_not_found',
          `Dispatch #${n} has no logs for container ${container}.`,
        );
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-jobbot-status': d.state,
      });
      const several = new Set(logs.map((l) => `${l.pod}/${l.container}`)).size > 1;
      for (const log of logs) {
        if (several)
          await write(res, `==> ${log.pod}/${log.container}${log.previous ? ' (previous)' : ''} <==\n`);
        // Inflated as the client reads: a large log is never whole in memory.
        let last = -1;
        for await (const chunk of log.open() as AsyncIterable<Buffer>) {
          if (chunk.length > 0) last = chunk[chunk.length - 1]!;
          await write(res, chunk);
          if (res.destroyed) break;
        }
        if (several && last !== 10) await write(res, '\n');
      }
      res.end();
    },
  };
}

/** Resolves once the dispatch finished, the wait ran out, or the client went away. */
/** Answers when the dispatch has ended, the wait ran out, or the client went away. */
async function waitFor(
  deps: ApiHandlerDeps,
  ctx: HandlerContext,
  n: number,
  ms: number,
): Promise<DispatchRecord> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  const gone = () => stop.abort();
  ctx.res.once('close', gone);
  try {
    await deps.dispatches.ended(n, stop.signal);
  } finally {
    clearTimeout(timer);
    ctx.res.off('close', gone);
  }
  return deps.dispatches.get(n);
}

/** Respects back-pressure, so a large log never sits in memory twice. */
function write(res: ServerResponse, text: string | Buffer): Promise<void> {
  if (res.write(text)) return Promise.resolve();
  return new Promise((r) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      r();
    };
    res.once('drain', done).once('close', done);
  });
}

function jobOut(d: DefinitionRecord): JobOut {
  return {
    name: d.name,
    description: d.description,
    cluster: d.cluster,
    namespace: d.namespace,
    revision: d.revision,
    links: { dispatches: `/api/v1/jobs/${encodeURIComponent(d.name)}/dispatches` },
  };
}

export function dispatchOut(d: DispatchRecord): DispatchOut {
  const self = `/api/v1/dispatches/${d.number}`;
  return {
    number: d.number,
    status: d.state,
    finished: isTerminal(d.state as DispatchStateName),
    definition: d.definitionName,
    job: d.jobName,
    cluster: d.cluster,
    namespace: d.namespace,
    verdict: d.verdict,
    error: d.error,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    links: { self, logs: `${self}/logs`, cancel: `${self}/cancel` },
  };
}
