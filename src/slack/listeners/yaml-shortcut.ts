/**
 * The message shortcut "Create job from YAML": for Job specs longer than a modal input allows. The
 * YAML comes from the message's .yaml/.yml file (read through the Web API) or its text; it is checked,
 * kept as a draft, and the Create job modal asks only for cluster, namespace and description.
 */
import type { App, MessageShortcut } from '@slack/bolt';
import { DEFAULT_MAX_YAML_BYTES } from '../../domain/definition/index.js';
import { JobbotError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import type { DefinitionService } from '../../services/definitions.js';
import { blankValues, buildModal } from '../definition-flow.js';
import { readSlackFile } from '../files.js';
import { replyFailure } from '../interaction.js';
import { yamlFileOf, yamlFromMessageText } from '../message-yaml.js';
import { yamlProblemsMessage } from '../views/definitions.js';

export const SHORTCUT_CREATE_FROM_YAML = 'create_job_from_yaml';

export function registerYamlShortcut(
  app: App,
  deps: {
    service: DefinitionService;
    log: Logger;
    /** Throws `forbidden` unless this person may create definitions. */
    requireManage?: (userId: string) => void;
  },
): void {
  app.shortcut<MessageShortcut>(
    SHORTCUT_CREATE_FROM_YAML,
    async ({ ack, shortcut, client, context, respond }) => {
      await ack();
      try {
        deps.requireManage?.(shortcut.user.id);
        const message = shortcut.message as {
          text?: string;
          files?: { id: string; name?: string; size?: number }[];
        };
        const file = yamlFileOf(message.files);
        const yaml = file
          ? await readSlackFile(client, context.botToken ?? '', file.id, DEFAULT_MAX_YAML_BYTES)
          : yamlFromMessageText(message.text ?? '');
        if (yaml === undefined) {
          throw new JobbotError(
            'no_yaml',
            'This message holds no Kubernetes Job YAML: use it on a message whose text is the YAML (a ``` code block is fine) or that carries a .yaml or .yml file.',
          );
        }
        const draft = deps.service.startDraft(shortcut.user.id, yaml);
        if (!draft.ok) {
          await respond({ response_type: 'ephemeral', ...yamlProblemsMessage(draft.errors) });
          return;
        }
        const meta = {
          mode: 'yaml' as const,
          containers: 1,
          channel: shortcut.channel.id,
          draftId: draft.id,
        };
        const view = await buildModal(deps.service, meta, blankValues(undefined), shortcut.user.id);
        await client.views.open({ trigger_id: shortcut.trigger_id, view });
      } catch (err) {
        await replyFailure(respond, err, deps.log, 'Create job from YAML');
      }
    },
  );
}
