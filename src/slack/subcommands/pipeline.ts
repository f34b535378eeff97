/**
 * `/job pipeline new|edit NAME|list|show NAME|run NAME|cancel R`: one subcommand routing on its first
 * word, plus the create/edit modal's submission. Pipelines are written as YAML only (see
 * domain/pipeline.ts); the service checks every job and override before saving.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { JobbotError } from '../../domain/errors.js';
import { stagesYaml } from '../../domain/pipeline.js';
import type { Logger } from '../../logger.js';
import type { PipelineService } from '../../services/pipelines.js';
import type { Subcommand } from '../commands.js';
import { replyFailure } from '../interaction.js';
import type { UserDirectory } from '../users.js';
import {
  ACTION_PIPELINE_CANCEL,
  PIPELINE_CALLBACK,
  pipelineListMessage,
  pipelineModal,
  pipelineSavedMessage,
  pipelineShowMessage,
  runStartedMessage,
} from '../views/pipeline.js';

const USAGE = 'pipeline new | edit NAME | list | show NAME | run NAME | cancel R';

export function pipelineSubcommand(service: PipelineService, users: UserDirectory): Subcommand {
  return {
    name: 'pipeline',
    usage: USAGE,
    summary: 'Define and run pipelines: stages of jobs, each stage running in parallel after the one before.',
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
          const existing = verb === 'edit' ? service.get(needName('edit')) : undefined;
          await ctx.client.views.open({
            trigger_id: ctx.body.trigger_id,
            view: pipelineModal(
              { ...(existing ? { editing: existing.name } : {}), channel: ctx.body.channel_id },
              { name: '', yaml: existing ? existing.yaml || stagesYaml(existing.stages) : '' },
            ),
          });
          await ctx.ack();
          return;
        }
        case 'list':
          await ctx.ack(pipelineListMessage(service.list(), ctx.command));
          return;
        case 'show':
          await ctx.ack(pipelineShowMessage(service.get(needName('show')), ctx.command));
          return;
        case 'run': {
          const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
          const run = service.run(needName('run'), actor, ctx.body.channel_id);
          await ctx.ack(runStartedMessage(run.id, run.pipelineName, run.channel));
          return;
        }
        case 'cancel': {
          const id = Number.parseInt((arg ?? '').replace(/^#/, ''), 10);
          if (!arg || !/^#?\d+$/.test(arg) || !Number.isSafeInteger(id))
            throw new JobbotError(
              'usage',
              `Name the run by its number: \`${ctx.command} pipeline cancel 7\`.`,
            );
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

const metaSchema = z.object({ editing: z.string().optional(), channel: z.string().nullable() });

export function registerPipelineListeners(
  app: App,
  deps: { service: PipelineService; users: UserDirectory; log: Logger },
): void {
  app.action<BlockAction<ButtonAction>>(ACTION_PIPELINE_CANCEL, async ({ ack, action, body, respond }) => {
    await ack();
    try {
      const actor = await deps.users.actor(body.user.id, body.user.name);
      deps.service.cancel(Number.parseInt(action.value ?? '', 10), actor);
    } catch (err) {
      await replyFailure(respond, err, deps.log, 'cancelling a pipeline run');
    }
  });

  app.view(PIPELINE_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = metaSchema.parse(JSON.parse(view.private_metadata || '{}'));
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const name = meta.editing ?? (values.name?.value?.value ?? '').trim();
    const yaml = values.yaml?.value?.value ?? '';
    const actor = await deps.users.actor(body.user.id, body.user.name);
    const result = deps.service.save(name, yaml, actor);
    if (!result.ok) {
      const errors: Record<string, string> = {};
      for (const e of result.errors) {
        const block = e.field === 'name' && !meta.editing ? 'name' : 'yaml';
        errors[block] = errors[block] ? `${errors[block]} ${e.message}` : e.message;
      }
      for (const k of Object.keys(errors)) errors[k] = errors[k]!.slice(0, 1900);
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    deps.log.info({ pipeline: name, user: actor.id }, 'pipeline saved');
    const message = pipelineSavedMessage(result.pipeline, result.created);
    await client.chat
      .postEphemeral({ channel: meta.channel ?? body.user.id, user: body.user.id, ...message })
      .catch(() => client.chat.postMessage({ channel: body.user.id, ...message }))
      .catch((err: unknown) => deps.log.warn({ err }, 'could not confirm a saved pipeline'));
  });
}
