/**
 * Receives the slash command, routes it to a subcommand and turns failures into a sentence for the
 * user. Holds no business logic: parsing words and picking a handler is all it does.
 *
 * The command is acknowledged at once and empty, so Slack's 3-second deadline never waits for a
 * subcommand's work (over HTTP the receiver has answered already, see receiver.ts; in Socket Mode this
 * is the ack). What a subcommand answers goes to the command's response_url, which Slack allows 5
 * posts: a subcommand's answer and at most one apology use 2.
 */
import type { App, RespondFn } from '@slack/bolt';
import { splitWords, UnterminatedQuoteError } from '../../domain/args.js';
import { closest } from '../../domain/closest.js';
import { isJobbotError } from '../../domain/errors.js';
import type { Metrics } from '../../http/metrics.js';
import type { Logger } from '../../logger.js';
import type { AccessService } from '../../services/access.js';
import type { AckBody, Subcommand } from '../commands.js';
import { failureSentence } from '../interaction.js';
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
    await ack();
    const log = deps.log.child({ user: body.user_id, channel: body.channel_id, command: deps.command });
    const answer = firstAnswer(respond, log);
    let words: string[];
    try {
      words = splitWords(body.text ?? '');
    } catch (err) {
      if (!(err instanceof UnterminatedQuoteError)) throw err;
      deps.metrics.slackCommands.inc({ subcommand: 'parse', outcome: 'user_error' });
      return answer(
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
      return answer(unknownSubcommandMessage(deps.command, (first ?? '').slice(0, 100), suggestion));
    }
    try {
      if (sub.requires)
        deps.access.require(
          { kind: 'slack', id: body.user_id, name: body.user_name },
          sub.requires,
          body.channel_id,
        );
      await sub.handle({ command: deps.command, args, body, ack: answer, respond, client, log });
      deps.metrics.slackCommands.inc({ subcommand: sub.name, outcome: 'ok' });
    } catch (err) {
      deps.metrics.slackCommands.inc({
        subcommand: sub.name,
        outcome: isJobbotError(err) ? 'user_error' : 'failed',
      });
      if (isJobbotError(err)) log.info({ code: err.code }, err.userMessage);
      const sentence = failureSentence(
        err,
        log.child({ subcommand: sub.name }),
        'subcommand',
        `Something went wrong on Jobbot's side running \`${deps.command} ${sub.name}\`; it is in Jobbot's log. Try again, and tell your Jobbot admins if it keeps happening.`,
      );
      await post(respond, errorMessage(sentence), log);
    }
  });
}

/**
 * Whether the command's words open a form (Subcommand.opensForm): the receiver starts such commands
 * ahead of the others waiting, before their trigger_id expires. Words that do not parse are not urgent:
 * their answer is a sentence.
 */
export function opensForm(
  subcommands: readonly Subcommand[],
  fallback: string,
  text: string | undefined,
): boolean {
  let words: string[];
  try {
    words = splitWords(text ?? '');
  } catch {
    return false;
  }
  const [first, ...args] = words;
  const name = (first ?? fallback).toLowerCase();
  return subcommands.find((s) => s.name === name)?.opensForm?.(args) ?? false;
}

/**
 * What a subcommand passes to `ctx.ack(reply)`: the first call wins, as with an ack, so `ack()` after
 * opening a modal means "no answer" and a later reply is dropped.
 */
function firstAnswer(respond: RespondFn, log: Logger): (reply?: AckBody) => Promise<void> {
  let answered = false;
  return async (reply) => {
    if (answered) return;
    answered = true;
    if (reply) await post(respond, reply, log);
  };
}

/**
 * Shown only to the caller unless the reply says in_channel. A failed post is logged, not thrown: the
 * subcommand's work is done, and an apology would go the same failing way.
 */
async function post(respond: RespondFn, reply: AckBody, log: Logger): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', ...reply });
  } catch (err) {
    log.warn(
      { err, code: 'slack_reply_failed' },
      'could not post a slash command answer to its response_url',
    );
  }
}
