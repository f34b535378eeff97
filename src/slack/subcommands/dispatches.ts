/** `/job run NAME [key=value …] [--yes]` and `/job cancel N`. */
import { JobbotError } from '../../domain/errors.js';
import type { ApprovalService } from '../../services/approvals.js';
import type { DispatchService } from '../../services/dispatches.js';
import type { CommandContext, Subcommand } from '../commands.js';
import { buildDispatchModal } from '../dispatch-flow.js';
import type { UserDirectory } from '../users.js';
import { submittedMessage } from '../views/approvals.js';
import { cancelConfirmMessage } from '../views/dispatch.js';

const YES = /^(--yes|-y)$/i;

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

export function dispatchSubcommands(
  service: DispatchService,
  approvals: Pick<ApprovalService, 'submit'>,
  users: UserDirectory,
): Subcommand[] {
  return [
    {
      name: 'run',
      usage: 'run NAME [key=value …] [--yes]',
      summary:
        'Dispatch a job; values such as image=perl:5.36 or env.FOO=bar change this run only. --yes skips the form.',
      opensForm: (args) => !args.some((w) => YES.test(w)),
      handle: async (ctx) => {
        const [name, ...words] = ctx.args;
        if (!name)
          throw new JobbotError(
            'usage',
            `Name the job: \`${ctx.command} run NAME\`. \`${ctx.command} list\` shows the names.`,
          );
        const plan = service.plan({ name, words });
        const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
        // Refused before a modal is filled in for nothing.
        service.authorize(name, actor, ctx.body.channel_id);
        if (plan.yes) {
          const submitted = approvals.submit(
            { name, words, channel: ctx.body.channel_id, sourceChannel: ctx.body.channel_id },
            actor,
          );
          await ctx.ack(submittedMessage(submitted));
          return;
        }
        const meta = {
          name,
          words: words.filter((w) => !YES.test(w)),
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
