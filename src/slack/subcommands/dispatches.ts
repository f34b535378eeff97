/** `/job run NAME [key=value …] [--yes]` and `/job cancel N`. */
import { JobbotError } from '../../domain/errors.js';
import type { DispatchService } from '../../services/dispatches.js';
import type { CommandContext, Subcommand } from '../commands.js';
import { buildDispatchModal } from '../dispatch-flow.js';
import type { UserDirectory } from '../users.js';
import { cancelConfirmMessage, dispatchedMessage } from '../views/dispatch.js';

/** `42` and `#42` both name dispatch 42. */
export function dispatchNumber(ctx: CommandContext, usage: string): number {
  const word = ctx.args[0];
  const n = word ? Number.parseInt(word.replace(/^#/, ''), 10) : Number.NaN;
  if (!word || !Number.isSafeInteger(n) || n <= 0 || !/^#?\d+$/.test(word)) {
    throw new JobbotError(
      'usage',
      `Name the dispatch by its number: \`${ctx.command} ${usage}\` (e.g. \`${ctx.command} ${usage.split(' ')[0]} 42\` or \`#42\`).`,
    );
  }
  return n;
}

export function dispatchSubcommands(service: DispatchService, users: UserDirectory): Subcommand[] {
  return [
    {
      name: 'run',
      usage: 'run NAME [key=value …] [--yes]',
      summary:
        'Dispatch a job; values such as image=perl:5.36 or env.FOO=bar change this run only. --yes skips the form.',
      handle: async (ctx) => {
        const [name, ...words] = ctx.args;
        if (!name)
          throw new JobbotError(
            'usage',
            `Name the job: \`${ctx.command} run NAME\`. \`${ctx.command} list\` shows the names.`,
          );
        const plan = service.plan({ name, words });
        if (plan.yes) {
          const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
          const d = service.dispatch(
            { name, words, channel: ctx.body.channel_id, sourceChannel: ctx.body.channel_id },
            actor,
          );
          await ctx.ack(dispatchedMessage(d.number, d.definitionName, d.channel));
          return;
        }
        const meta = {
          name,
          words: words.filter((w) => !/^(--yes|-y)$/i.test(w)),
          channel: ctx.body.channel_id,
        };
        await ctx.client.views.open({
          trigger_id: ctx.body.trigger_id,
          view: buildDispatchModal(service, meta),
        });
        await ctx.ack();
      },
    },
    {
      name: 'cancel',
      usage: 'cancel N',
      summary: 'Cancel a running dispatch (after you confirm); its logs so far are kept.',
      handle: async (ctx) => {
        const d = service.get(dispatchNumber(ctx, 'cancel N'));
        await ctx.ack(cancelConfirmMessage(d.number, d.definitionName));
      },
    },
  ];
}
