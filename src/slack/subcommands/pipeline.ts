/**
 * `/job pipeline new|edit NAME|list|show NAME|show #R|history [NAME]|run NAME|cancel R`: one
 * subcommand routing on its first word, plus the buttons of its answers. The create/edit modal
 * lives in listeners/pipeline-modal.ts.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { JobbotError } from '../../domain/errors.js';
import type { Subcommand } from '../commands.js';
import { replyFailure } from '../interaction.js';
import { openingView, type PipelineModalDeps, registerPipelineModal } from '../listeners/pipeline-modal.js';
import {
  ACTION_PIPELINE_CANCEL,
  ACTION_PIPELINE_HISTORY_PAGE,
  PIPELINE_HISTORY_PAGE_SIZE,
  pipelineListMessage,
  pipelineShowMessage,
  runHistoryMessage,
  runStartedMessage,
  runStatusMessage,
} from '../views/pipeline.js';

const USAGE = 'pipeline new | edit NAME | list | show NAME | show #R | history [NAME] | run NAME | cancel R';

function runNumber(arg: string | undefined, example: string): number {
  const id = Number.parseInt((arg ?? '').replace(/^#/, ''), 10);
  if (!arg || !/^#?\d+$/.test(arg) || !Number.isSafeInteger(id))
    throw new JobbotError('usage', `Name the run by its number: \`${example}\`.`);
  return id;
}

export function pipelineSubcommand(deps: PipelineModalDeps): Subcommand {
  const { service, users } = deps;
  return {
    name: 'pipeline',
    usage: USAGE,
    summary: 'Define and run pipelines: stages of jobs, each stage running in parallel after the one before.',
    opensForm: ([verb]) => verb === 'new' || verb === 'edit',
    handle: async (ctx) => {
      const [verb, arg] = ctx.args;
      const needName = (what: string) => {
        if (!arg)
          throw new JobbotError('usage', `Name the pipeline: \`${ctx.command} pipeline ${what} NAME\`.`);
        return arg;
      };
      switch (verb) {
        case 'new':
        case 'edit': {
          const view = openingView(
            deps,
            ctx.body.user_id,
            verb === 'edit' ? needName('edit') : undefined,
            ctx.body.channel_id,
          );
          await ctx.client.views.open({ trigger_id: ctx.body.trigger_id, view });
          await ctx.ack();
          return;
        }
        case 'list':
          await ctx.ack(pipelineListMessage(service.list(), ctx.command));
          return;
        case 'show':
          if (arg?.startsWith('#')) {
            const run = service.getRun(runNumber(arg, `${ctx.command} pipeline show #7`));
            await ctx.ack(runStatusMessage(service.view(run), ctx.command));
          } else await ctx.ack(pipelineShowMessage(service.get(needName('show')), ctx.command));
          return;
        case 'history': {
          const page = service.runs({
            ...(arg ? { pipeline: arg } : {}),
            offset: 0,
            limit: PIPELINE_HISTORY_PAGE_SIZE,
          });
          await ctx.ack(
            runHistoryMessage({ ...page, offset: 0, ...(arg ? { pipeline: arg } : {}) }, ctx.command),
          );
          return;
        }
        case 'run': {
          const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
          const run = service.run(needName('run'), actor, ctx.body.channel_id);
          await ctx.ack(runStartedMessage(run.id, run.pipelineName, run.channel));
          return;
        }
        case 'cancel': {
          const id = runNumber(arg, `${ctx.command} pipeline cancel 7`);
          const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
          const run = service.cancel(id, actor);
          await ctx.ack({ text: `Cancelled pipeline ${run.pipelineName} run #${run.id}.` });
          return;
        }
        default:
          throw new JobbotError('usage', `Use \`${ctx.command} ${USAGE}\`.`);
      }
    },
  };
}

const pageValue = z.object({ pipeline: z.string().optional(), offset: z.number().int().nonnegative() });

export function registerPipelineListeners(app: App, deps: PipelineModalDeps & { command: string }): void {
  registerPipelineModal(app, deps);

  app.action<BlockAction<ButtonAction>>(ACTION_PIPELINE_CANCEL, async ({ ack, action, body, respond }) => {
    await ack();
    try {
      const actor = await deps.users.actor(body.user.id, body.user.name);
      deps.service.cancel(Number.parseInt(action.value ?? '', 10), actor);
    } catch (err) {
      await replyFailure(respond, err, deps.log, 'cancelling a pipeline run');
    }
  });

  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ACTION_PIPELINE_HISTORY_PAGE}_(newer|older)$`),
    async ({ ack, action, respond }) => {
      await ack();
      try {
        const { pipeline, offset } = pageValue.parse(JSON.parse(action.value ?? '{}'));
        const page = deps.service.runs({
          ...(pipeline ? { pipeline } : {}),
          offset,
          limit: PIPELINE_HISTORY_PAGE_SIZE,
        });
        await respond({
          replace_original: true,
          ...runHistoryMessage({ ...page, offset, ...(pipeline ? { pipeline } : {}) }, deps.command),
        });
      } catch (err) {
        await replyFailure(respond, err, deps.log, 'paging pipeline runs');
      }
    },
  );
}
