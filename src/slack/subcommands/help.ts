/** `/job help`: the list of subcommands, shown only to the person who asked. */
import type { Subcommand } from '../commands.js';
import { helpMessage } from '../views/help.js';

export function helpSubcommand(all: () => readonly Subcommand[], notes: () => readonly string[]): Subcommand {
  return {
    name: 'help',
    usage: 'help',
    summary: 'Show the Jobbot commands you can use.',
    handle: async (ctx) => {
      await ctx.ack(helpMessage(ctx.command, all(), notes()));
    },
  };
}
