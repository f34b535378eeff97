/**
 * The slash command router. `/job SUBCOMMAND ...` is split into words and handed to the matching
 * subcommand; every feature registers its subcommands here and they appear in `/job help` in the
 * order registered. The command is acknowledged before a subcommand runs (listeners/slash-command.ts);
 * a subcommand gives its answer with `ack(body)` (shown only to the caller unless in_channel) or says
 * it has none with `ack()`, e.g. after opening a modal. A trigger_id still expires 3 s after the
 * command, so views.open comes before slower work.
 */
import type { RespondFn, SlashCommand, webApi } from '@slack/bolt';
import type { Action } from '../domain/policy/index.js';
import type { Logger } from '../logger.js';

export type AckBody = { response_type?: 'ephemeral' | 'in_channel'; text: string; blocks?: unknown[] };

export interface CommandContext {
  command: string;
  /** The words after the subcommand name, quotes removed. */
  args: string[];
  body: SlashCommand;
  /** The answer, posted to the command's response_url; the first call wins. */
  ack: (reply?: AckBody) => Promise<void>;
  respond: RespondFn;
  client: webApi.WebClient;
  log: Logger;
}

export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  /** What the policy must allow before this subcommand runs at all (admin-only subcommands). */
  requires?: Action;
  /**
   * True when these words open a form: the form needs the command's trigger_id, which Slack lets
   * expire 3 s after the command, so such a command starts ahead of those waiting (receiver.ts).
   */
  opensForm?: (args: readonly string[]) => boolean;
  handle(ctx: CommandContext): Promise<void>;
}
