/** `/job help`: the list of subcommands, shown only to the person who asked. */
import type { Subcommand } from '../commands.js';
import { helpMessage } from '../views/help.js';

export function helpSubcommand(
  all: () => readonly Subcommand[],
  notes: () => readonly string[],
  /** Whether the policy lets this person use a subcommand: help offers only those. */
  offers: (userId: string, sub: Subcommand) => boolean = () => true,
): Subcommand {
  return {
    name: 'help',
    usage: 'help',
    summary: 'Show the Jobbot commands you can use.',
    handle: async (ctx) => {
      const mine = all().filter((s) => offers(ctx.body.user_id, s));
      await ctx.ack(helpMessage(ctx.command, mine, notes()));
    },
  };
}
