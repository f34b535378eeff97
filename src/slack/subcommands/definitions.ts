/** `/job new`, `edit`, `show`, `list`, `delete`: the definition subcommands. */
import { JobbotError } from '../../domain/errors.js';
import type { DefinitionService } from '../../services/definitions.js';
import type { CommandContext, Subcommand } from '../commands.js';
import { blankValues, buildModal, definitionYaml, valuesOf } from '../definition-flow.js';
import type { MessageBody } from '../views/blocks.js';
import {
  definitionListMessage,
  definitionShowMessage,
  deleteConfirmMessage,
  EVERYTHING,
  LIST_PAGE_SIZE,
  type Offers,
  revisionsMessage,
} from '../views/definitions.js';

function nameArg(ctx: CommandContext, usage: string): string {
  const name = ctx.args.find((a) => !a.startsWith('--'));
  if (!name)
    throw new JobbotError(
      'usage',
      `Name the job: \`${ctx.command} ${usage}\`. \`${ctx.command} list\` shows the names.`,
    );
  return name;
}

/** `/job show #N` shows a dispatch; the definition subcommands do not know dispatches. */
export type ShowDispatch = (number: number, command: string) => MessageBody;

export function definitionSubcommands(
  service: DefinitionService,
  showDispatch?: ShowDispatch,
  /** The buttons a person may use (the policy's view); all of them when left out. */
  offersFor: (userId: string) => Offers = () => EVERYTHING,
): Subcommand[] {
  return [
    {
      name: 'new',
      requires: { kind: 'definition.manage' },
      usage: 'new',
      summary: 'Create a job definition from pasted YAML or a form.',
      opensForm: () => true,
      handle: async (ctx) => {
        const view = await buildModal(
          service,
          { mode: 'yaml', containers: 1, channel: ctx.body.channel_id },
          blankValues(undefined),
          ctx.body.user_id,
        );
        await ctx.client.views.open({ trigger_id: ctx.body.trigger_id, view });
        await ctx.ack();
      },
    },
    {
      name: 'edit',
      requires: { kind: 'definition.manage' },
      usage: 'edit NAME',
      summary: 'Change a job definition; saving makes a new revision.',
      opensForm: () => true,
      handle: async (ctx) => {
        const def = service.get(nameArg(ctx, 'edit NAME'));
        const values = valuesOf(def);
        const meta = {
          mode: def.source,
          containers: values.form.containers.length,
          editing: { name: def.name, revision: def.revision },
          channel: ctx.body.channel_id,
        };
        await ctx.client.views.open({
          trigger_id: ctx.body.trigger_id,
          view: await buildModal(service, meta, values, ctx.body.user_id),
        });
        await ctx.ack();
      },
    },
    {
      name: 'show',
      usage: 'show NAME [--revisions] | show #N',
      summary: 'Show a job definition (--revisions: every change, by whom), or dispatch #N in detail.',
      handle: async (ctx) => {
        const first = ctx.args[0] ?? '';
        if (showDispatch && /^#?\d+$/.test(first)) {
          await ctx.ack(showDispatch(Number(first.replace('#', '')), ctx.command));
          return;
        }
        const name = nameArg(ctx, 'show NAME');
        if (ctx.args.includes('--revisions')) {
          const { definition, revisions } = service.revisions(name);
          await ctx.ack(revisionsMessage(definition, revisions));
          return;
        }
        const def = service.get(name);
        const offers = offersFor(ctx.body.user_id);
        await ctx.ack(definitionShowMessage(def, definitionYaml(def, offers.mask), ctx.command, offers));
      },
    },
    {
      name: 'list',
      usage: 'list',
      summary: 'List the job definitions.',
      handle: async (ctx) => {
        const page = service.list({ offset: 0, limit: LIST_PAGE_SIZE });
        await ctx.ack(
          definitionListMessage({ ...page, offset: 0 }, ctx.command, offersFor(ctx.body.user_id)),
        );
      },
    },
    {
      name: 'delete',
      requires: { kind: 'definition.manage' },
      usage: 'delete NAME',
      summary: 'Delete a job definition (after you confirm); its history stays.',
      handle: async (ctx) => {
        await ctx.ack(deleteConfirmMessage(service.get(nameArg(ctx, 'delete NAME'))));
      },
    },
  ];
}
