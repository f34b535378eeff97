/** The `/job help` message and the reply to a subcommand that does not exist. */
import { type Block, context, escapeMrkdwn, header, type MessageBody, section } from './blocks.js';

export interface SubcommandHelp {
  usage: string;
  summary: string;
}

export function helpMessage(
  command: string,
  subcommands: readonly SubcommandHelp[],
  notes: readonly string[] = [],
): MessageBody {
  const blocks: Block[] = [header('Jobbot commands')];
  for (const s of subcommands) {
    blocks.push(section(`\`${escapeMrkdwn(`${command} ${s.usage}`)}\`\n${escapeMrkdwn(s.summary)}`));
  }
  for (const note of notes) blocks.push(context(escapeMrkdwn(note)));
  const text = [`Jobbot commands:`, ...subcommands.map((s) => `${command} ${s.usage}: ${s.summary}`)].join(
    '\n',
  );
  return { text, blocks };
}

export function unknownSubcommandMessage(
  command: string,
  typed: string,
  suggestion: string | undefined,
): MessageBody {
  const did = suggestion ? ` Did you mean \`${command} ${suggestion}\`?` : '';
  const text = `\`${command} ${escapeMrkdwn(typed)}\` is not a Jobbot command.${did} See \`${command} help\` for the list.`;
  return { text, blocks: [section(`:warning: ${text}`)] };
}

export function errorMessage(sentence: string): MessageBody {
  return { text: sentence, blocks: [section(`:warning: ${escapeMrkdwn(sentence)}`)] };
}
