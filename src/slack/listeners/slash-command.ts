/**
 * Receives the slash command, routes it to a subcommand and turns failures into a sentence for the
 * user. Holds no business logic: parsing words and picking a handler is all it does.
 */
import type { App } from '@slack/bolt';
import { splitWords, UnterminatedQuoteError } from '../../domain/args.js';
import { closest } from '../../domain/closest.js';
import { isJobbotError } from '../../domain/errors.js';
import type { Metrics } from '../../http/metrics.js';
import type { Logger } from '../../logger.js';
import type { AccessService } from '../../services/access.js';
import type { AckBody, Subcommand } from '../commands.js';
import { errorMessage, unknownSubcommandMessage } from '../views/help.js';

export interface SlashCommandDeps {
  command: string;
  subcommands: () => readonly Subcommand[];
  /** Run when the command has no subcommand at all. */
  fallback: string;
  log: Logger;
  metrics: Metrics;
  access: Pick<AccessService, 'require'>;
}

export function registerSlashCommand(app: App, deps: SlashCommandDeps): void {
  app.command(deps.command, async ({ command: body, ack, respond, client }) => {
    let acked = false;
    const ackOnce = async (reply?: AckBody) => {
      if (acked) return;
      acked = true;
      await ack(reply ? { response_type: 'ephemeral', ...reply } : undefined);
    };
    const log = deps.log.child({ user: body.user_id, channel: body.channel_id, command: deps.command });
    let words: string[];
    try {
      words = splitWords(body.text ?? '');
    } catch (err) {
      if (!(err instanceof UnterminatedQuoteError)) throw err;
      deps.metrics.slackCommands.inc({ subcommand: 'parse', outcome: 'user_error' });
      return ackOnce(
        errorMessage(
          `Your command has an opening ${err.quote} quote without its closing one; add it and try again.`,
        ),
      );
    }
    const [first, ...args] = words;
    const name = (first ?? deps.fallback).toLowerCase();
    const all = deps.subcommands();
    const sub = all.find((s) => s.name === name);
    if (!sub) {
      deps.metrics.slackCommands.inc({ subcommand: 'unknown', outcome: 'user_error' });
      const suggestion = closest(
        name,
        all.map((s) => s.name),
      );
      return ackOnce(unknownSubcommandMessage(deps.command, (first ?? '').slice(0, 100), suggestion));
    }
    try {
      if (sub.requires)
        deps.access.require(
          { kind: 'slack', id: body.user_id, name: body.user_name },
          sub.requires,
          body.channel_id,
        );
      await sub.handle({ command: deps.command, args, body, ack: ackOnce, respond, client, log });
      await ackOnce();
      deps.metrics.slackCommands.inc({ subcommand: sub.name, outcome: 'ok' });
    } catch (err) {
      const reply = isJobbotError(err)
        ? errorMessage(err.userMessage)
        : errorMessage(
            `Something went wrong on Jobbot's side running \`${deps.command} ${sub.name}\`; it is in Jobbot's log. Try again, and tell your Jobbot admins if it keeps happening.`,
          );
      deps.metrics.slackCommands.inc({
        subcommand: sub.name,
        outcome: isJobbotError(err) ? 'user_error' : 'failed',
      });
      if (isJobbotError(err)) log.info({ code: err.code }, err.userMessage);
      else log.error({ err, subcommand: sub.name }, 'subcommand failed');
      if (!acked) await ackOnce(reply);
      else await respond({ response_type: 'ephemeral', ...reply });
    }
  });
}
