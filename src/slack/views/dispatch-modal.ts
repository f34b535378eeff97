/**
 * The Dispatch job modal: the definition's values (or a re-run's), each changeable for this one
 * dispatch: per container image, command, args and environment; deadline, completions, parallelism,
 * restart policy; and the channel for updates. Block ids follow the definition modal's (`c0.image`),
 * so submissions are read the same way.
 */
import type { types } from '@slack/bolt';
import type { DefinitionForm } from '../../domain/definition/index.js';
import { type Block, context, escapeMrkdwn, option, section, textInput } from './blocks.js';
import { containerInputs } from './container-inputs.js';

/** What a dispatch may change in each container. */
const DISPATCHED_FIELDS = ['image', 'command', 'args', 'env'] as const;

export const DISPATCH_CALLBACK = 'dispatch_submit';

export interface DispatchModalMeta {
  name: string;
  revision: number;
  /** `/job run` values the modal was prefilled with. */
  words?: string[];
  /** Re-running this dispatch: its values are the starting point. */
  rerunOf?: number;
  channel: string | null;
}

export interface DispatchModalInput {
  meta: DispatchModalMeta;
  cluster: string;
  namespace: string;
  containers: string[];
  form: DefinitionForm;
}

export function dispatchModal(input: DispatchModalInput): types.ModalView {
  const { meta, form } = input;
  const origin = meta.rerunOf !== undefined ? ` with the values of #${meta.rerunOf}` : '';
  const blocks: Block[] = [
    context(
      `Dispatching *${escapeMrkdwn(meta.name)}* (revision ${meta.revision}) on \`${escapeMrkdwn(input.cluster)}\` / \`${escapeMrkdwn(input.namespace)}\`${origin}. Changes here apply to this dispatch only.`,
    ),
  ];
  form.containers.forEach((c, i) => {
    blocks.push(
      section(`*Container ${escapeMrkdwn(input.containers[i] ?? c.name)}*`),
      ...containerInputs(c, i, DISPATCHED_FIELDS),
    );
  });
  blocks.push(
    section('*Configuration*'),
    textInput('activeDeadlineSeconds', 'Active deadline seconds', form.activeDeadlineSeconds, {
      optional: true,
      max: 10,
    }),
    textInput('completions', 'Completions', form.completions, { optional: true, max: 10 }),
    textInput('parallelism', 'Parallelism', form.parallelism, { optional: true, max: 10 }),
    restartPolicy(form.restartPolicy),
    {
      type: 'input',
      block_id: 'channel',
      label: { type: 'plain_text', text: 'Post updates in' },
      element: {
        type: 'conversations_select',
        action_id: 'value',
        ...(meta.channel
          ? { initial_conversation: meta.channel }
          : { default_to_current_conversation: true }),
        filter: { include: ['public', 'private', 'im'], exclude_bot_users: true },
      },
    },
  );
  return {
    type: 'modal',
    callback_id: DISPATCH_CALLBACK,
    title: { type: 'plain_text', text: 'Dispatch job' },
    submit: { type: 'plain_text', text: 'Dispatch job' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

function restartPolicy(value: string): Block {
  const options = [option('Never'), option('OnFailure')];
  return {
    type: 'input',
    block_id: 'restartPolicy',
    label: { type: 'plain_text', text: 'Restart policy' },
    element: {
      type: 'static_select',
      action_id: 'value',
      options,
      initial_option: options.find((o) => o.value === value) ?? options[0]!,
    },
  };
}
