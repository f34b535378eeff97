/**
 * A dispatch's logs on request (`/job logs`, **Show log**): the end of the log at once, and the full
 * log as a file in the person's direct messages. Uploads run after the reply, so the reply is never
 * late for Slack's 3 seconds however large the log.
 */
import type { webApi } from '@slack/bolt';
import { JobbotError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { DispatchService } from '../services/dispatches.js';
import type { StoredLog } from '../store/dispatches.js';
import type { MessageBody } from './views/blocks.js';
import { notice } from './views/definitions.js';
import { logsMessage } from './views/dispatch.js';
import { ALL_CONTAINERS, chooseContainerMessage, logSnippetMessage } from './views/logs.js';

export class LogDelivery {
  constructor(
    private readonly service: DispatchService,
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
  ) {}

  async logs(number: number, container: string | undefined, userId: string): Promise<MessageBody> {
    const d = this.service.get(number);
    if (d.logsPrunedAt) {
      return notice(
        `The logs of ${d.definitionName} #${number} were removed on ${d.logsPrunedAt.slice(0, 10)} by log retention; its record and timeline stay (\`/job show #${number}\`).`,
      );
    }
    const logs = this.service.logs(number);
    if (logs.length === 0) return logsMessage(d.number, d.definitionName, d.finishedAt !== null, []);
    const names = [...new Set(logs.map((l) => l.container))];
    if (container === undefined && names.length > 1) return chooseContainerMessage(d, names);
    const chosen =
      container === undefined || container === ALL_CONTAINERS
        ? logs
        : logs.filter((l) => l.container === container);
    if (chosen.length === 0) {
      throw new JobbotError(
        'usage',
        `#${number} has no container named \`${container}\`; it ran ${names.map((n) => `\`${n}\``).join(', ')}.`,
      );
    }
    void this.sendFiles(d.definitionName, number, chosen, userId);
    const first = chosen.find((l) => !l.error) ?? chosen[0]!;
    return logSnippetMessage(d, first);
  }

  private async sendFiles(name: string, number: number, logs: StoredLog[], userId: string): Promise<void> {
    try {
      const dm = await this.client.conversations.open({ users: userId });
      const channel = dm.channel?.id ?? userId;
      for (const log of logs) {
        if (log.error && log.text === '') continue;
        await this.client.filesUploadV2({
          channel_id: channel,
          file: Buffer.from(log.text, 'utf8'),
          filename: `${log.pod}.${log.container}${log.previous ? '.previous' : ''}.log`,
          title: `${name} #${number} ${log.container} (${log.pod})${log.truncated ? ', capped' : ''}`,
        } as never);
      }
    } catch (err) {
      this.log.warn({ err, dispatch: number, user: userId }, 'could not send the log files');
    }
  }
}
