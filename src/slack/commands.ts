/**
 * The slash command router. `/job SUBCOMMAND ...` is split into words and handed to the matching
 * subcommand; every feature registers its subcommands here and they appear in `/job help` in the
 * order registered. A subcommand must ack within Slack's 3 seconds: either with the reply itself
 * (`ack(body)`, shown only to the caller) or with an empty ack before slower work.
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
  handle(ctx: CommandContext): Promise<void>;
}
