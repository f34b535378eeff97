/** `/job history [NAME] [@user] [status]`, `/job logs N [CONTAINER]`, and dispatch details for `/job show #N`. */
import { JobbotError } from '../../domain/errors.js';
import type { DispatchService } from '../../services/dispatches.js';
import type { CommandContext, Subcommand } from '../commands.js';
import type { LogDelivery } from '../log-delivery.js';
import { dispatchDetailsMessage } from '../views/dispatch-details.js';
import { HISTORY_PAGE_SIZE, type HistoryFilters, historyMessage } from '../views/history.js';
import { dispatchNumber } from './dispatches.js';

/** Status words people type, and the states each one covers. */
export const STATUS_WORDS: Record<string, readonly string[]> = {
  pending: ['pending', 'creating'],
  running: ['creating', 'running', 'finishing', 'cleaning'],
  succeeded: ['succeeded'],
  failed: ['failed', 'failed_to_start'],
  cancelled: ['cancelled'],
};

/** Reads `[NAME] [@user] [status]` in any order; a mention arrives as `<@U123|name>`. */
export function parseHistoryFilters(words: readonly string[], command: string): HistoryFilters {
  const filters: HistoryFilters = {};
  for (const word of words) {
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word);
    if (mention) filters.user = mention[1]!;
    else if (word.startsWith('@')) {
      throw new JobbotError(
        'usage',
        `Mention the person (pick them from Slack's list as you type ${word}) so Slack sends who they are: \`${command} history @someone\`.`,
      );
    } else if (STATUS_WORDS[word.toLowerCase()]) filters.status = word.toLowerCase();
    else if (filters.name === undefined) filters.name = word;
    else
      throw new JobbotError(
        'usage',
        `\`${command} history\` takes one job name, one @person and one status (${Object.keys(STATUS_WORDS).join(', ')}); "${word}" is one too many.`,
      );
  }
  return filters;
}

export function historyPage(service: DispatchService, filters: HistoryFilters, offset: number) {
  const page = service.history({
    ...(filters.name ? { definition: filters.name } : {}),
    ...(filters.user ? { actorId: filters.user } : {}),
    ...(filters.status ? { states: STATUS_WORDS[filters.status] ?? [filters.status] } : {}),
    offset,
    limit: HISTORY_PAGE_SIZE,
  });
  return { ...page, offset, filters };
}

export function detailsOf(service: DispatchService, number: number, command: string) {
  const d = service.get(number);
  return dispatchDetailsMessage(d, service.events(number), service.logs(number), { command });
}

export function historySubcommands(service: DispatchService, delivery: LogDelivery): Subcommand[] {
  return [
    {
      name: 'history',
      usage: 'history [NAME] [@user] [status]',
      summary: 'The latest dispatches, newest first, with who, when, how long and what was overridden.',
      handle: async (ctx: CommandContext) => {
        const filters = parseHistoryFilters(ctx.args, ctx.command);
        await ctx.ack(historyMessage(historyPage(service, filters, 0), ctx.command));
      },
    },
    {
      name: 'logs',
      usage: 'logs N [CONTAINER]',
      summary: 'The end of a dispatch’s log now, and the full log as a file in a direct message.',
      handle: async (ctx: CommandContext) => {
        const number = dispatchNumber(ctx, 'logs N');
        const reply = await delivery.logs(number, ctx.args[1], ctx.body.user_id);
        await ctx.ack(reply);
      },
    },
  ];
}
