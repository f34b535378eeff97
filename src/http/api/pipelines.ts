/**
 * The pipeline-run endpoints of /api/v1 (routes added to router.ts): start a run, read it, cancel it.
 * A token may touch a pipeline only when its job pattern allows every job of every stage, so a
 * pipeline cannot be used to reach jobs the token could not dispatch itself.
 */
import { isJobbotError } from '../../domain/errors.js';
import { type PipelineStage, parseStages } from '../../domain/pipeline.js';
import type { PipelineService, RunView } from '../../services/pipelines.js';
import { type TokenService, tokenActor } from '../../services/tokens.js';
import type { TokenRecord } from '../../store/tokens.js';
import { sendJson } from '../server.js';
import { type HandlerContext, HttpError, validBody } from './handlers.js';
import { PipelinePutBody, PipelineRunBody } from './schemas.js';

const STATUS: Record<string, number> = {
  pipeline_not_found: 404,
  pipeline_run_not_found: 404,
  pipeline_not_cancellable: 409,
  forbidden: 403,
  definition_not_found: 404,
};

export interface PipelineApiDeps {
  tokens: Pick<TokenService, 'allows'>;
  pipelines: Pick<PipelineService, 'get' | 'run' | 'getRun' | 'cancel' | 'view' | 'save' | 'getOrUndefined'>;
  resolveUser(ref: string): Promise<string | undefined>;
  /** Reads a person's groups before the policy judges them (see services/access.ts). */
  prepare?(userId: string): Promise<void>;
  pollMs?: number;
}

export function pipelineRoutes(deps: PipelineApiDeps) {
  const allowed = (token: TokenRecord, name: string, stages: PipelineStage[]) => {
    const denied = stages.flatMap((s) => s.jobs.map((j) => j.job)).find((j) => !deps.tokens.allows(token, j));
    if (denied)
      throw new HttpError(
        403,
        'forbidden',
        `This token may not use the job \`${denied}\` of pipeline ${name}.`,
      );
  };
  const mapped =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    (...args: A) =>
      fn(...args).catch((err: unknown) => {
        const status = isJobbotError(err) ? STATUS[err.code] : undefined;
        throw status && isJobbotError(err) ? new HttpError(status, err.code, err.userMessage) : err;
      });

  const startRun = mapped(async (ctx: HandlerContext, name: string) => {
    const p = deps.pipelines.get(name);
    allowed(ctx.token, name, p.stages);
    const body = validBody(PipelineRunBody, await ctx.body());
    let onBehalfOf: string | undefined;
    if (body.onBehalfOf) {
      onBehalfOf = await deps.resolveUser(body.onBehalfOf);
      if (!onBehalfOf)
        throw new HttpError(422, 'unknown_user', `Slack knows no user ${JSON.stringify(body.onBehalfOf)}.`);
    }
    const channel = body.channel ?? onBehalfOf ?? ctx.token.createdBy.id;
    await deps.prepare?.(onBehalfOf ?? ctx.token.createdBy.id);
    let run = deps.pipelines.run(name, tokenActor(ctx.token, onBehalfOf), channel);
    if (body.wait) {
      const deadline = Date.now() + body.wait * 1000;
      let gone = false;
      ctx.res.once('close', () => {
        gone = true;
      });
      while (run.state === 'running' && !gone && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, deps.pollMs ?? 250));
        run = deps.pipelines.getRun(run.id);
      }
    }
    sendJson(ctx.res, 201, runOut(deps.pipelines.view(run)), { location: `/api/v1/pipeline-runs/${run.id}` });
  });

  /** Body `{yaml}`: the same YAML as the Slack modal; 201 when created, 200 when updated. */
  const putPipeline = mapped(async (ctx: HandlerContext, name: string) => {
    const parsed = PipelinePutBody.safeParse(await ctx.body());
    if (!parsed.success)
      throw new HttpError(400, 'invalid_request', 'Send {"yaml": "stages: [...]"}.', {}, ['yaml: required']);
    const stages = parseStages(parsed.data.yaml);
    if (stages.ok) allowed(ctx.token, name, stages.stages);
    const existing = deps.pipelines.getOrUndefined(name);
    if (existing) allowed(ctx.token, name, existing.stages);
    const saved = deps.pipelines.save(name, parsed.data.yaml, tokenActor(ctx.token));
    if (!saved.ok && saved.forbidden)
      throw new HttpError(403, 'forbidden', saved.errors[0]?.message ?? 'Refused by the policy.');
    if (!saved.ok)
      throw new HttpError(
        422,
        'invalid_pipeline',
        'The pipeline was not saved.',
        {},
        saved.errors.map((e) => `${e.field}: ${e.message}`),
      );
    const p = saved.pipeline;
    sendJson(ctx.res, saved.created ? 201 : 200, { name: p.name, revision: p.revision, stages: p.stages });
  });

  const visibleRun = (token: TokenRecord, id: number) => {
    const run = deps.pipelines.getRun(id);
    allowed(token, run.pipelineName, run.stages);
    return run;
  };

  const getRun = mapped(async (ctx: HandlerContext, id: number) => {
    sendJson(ctx.res, 200, runOut(deps.pipelines.view(visibleRun(ctx.token, id))));
  });

  const cancelRun = mapped(async (ctx: HandlerContext, id: number) => {
    visibleRun(ctx.token, id);
    const run = deps.pipelines.cancel(id, tokenActor(ctx.token));
    sendJson(ctx.res, 202, runOut(deps.pipelines.view(run)));
  });

  return [
    {
      method: 'PUT' as const,
      pattern: /^\/api\/v1\/pipelines\/([^/]+)$/,
      run: (c: HandlerContext, [n]: string[]) => putPipeline(c, n!),
    },
    {
      method: 'POST' as const,
      pattern: /^\/api\/v1\/pipelines\/([^/]+)\/runs$/,
      run: (c: HandlerContext, [n]: string[]) => startRun(c, n!),
    },
    {
      method: 'GET' as const,
      pattern: /^\/api\/v1\/pipeline-runs\/(\d{1,15})$/,
      run: (c: HandlerContext, [n]: string[]) => getRun(c, +n!),
    },
    {
      method: 'POST' as const,
      pattern: /^\/api\/v1\/pipeline-runs\/(\d{1,15})\/cancel$/,
      run: (c: HandlerContext, [n]: string[]) => cancelRun(c, +n!),
    },
  ];
}

export function runOut(v: RunView) {
  const { run } = v;
  return {
    id: run.id,
    pipeline: run.pipelineName,
    revision: run.revision,
    status: run.state,
    finished: run.state !== 'running',
    stage: run.stage + 1,
    verdict: run.verdict,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    stages: v.stages.map((s) => ({
      status: s.state,
      jobs: s.jobs.map((j) => ({
        job: j.job,
        dispatch: j.dispatch?.number ?? null,
        status: j.dispatch?.state ?? null,
        verdict: j.dispatch?.verdict ?? null,
      })),
    })),
    links: { self: `/api/v1/pipeline-runs/${run.id}`, cancel: `/api/v1/pipeline-runs/${run.id}/cancel` },
  };
}
