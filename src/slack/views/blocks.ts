/**
 * Small Block Kit builders shared by every view. They clip text to Slack's limits so no message is
 * ever refused with `invalid_blocks` because a user typed a long name; the clip is visible (…).
 */
import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

export const LIMITS = {
  sectionText: 3000,
  headerText: 150,
  contextText: 3000,
  buttonText: 75,
  messageText: 40_000,
} as const;

/** Clips to `max` characters with a visible …, never between the two halves of an emoji. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, cut)}…`;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function section(mrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn, LIMITS.sectionText) } };
}

export function context(mrkdwn: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(mrkdwn, LIMITS.contextText) }] };
}

export function divider(): Block {
  return { type: 'divider' };
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A message body: `text` is the notification and screen-reader fallback; blocks are what is shown. */
export interface MessageBody {
  text: string;
  blocks: Block[];
}

export interface TextOptions {
  multiline?: boolean;
  optional?: boolean;
  max: number;
  placeholder?: string;
  hint?: string;
}

/** A plain-text input whose element has the action id `value`; the block id names the field. */
export function textInput(blockId: string, label: string, value: string, o: TextOptions): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional: o.optional ?? false,
    label: { type: 'plain_text', text: label },
    ...(o.hint ? { hint: { type: 'plain_text' as const, text: clip(o.hint, 2000) } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      multiline: o.multiline ?? false,
      max_length: o.max,
      ...(value ? { initial_value: value.slice(0, o.max) } : {}),
      ...(o.placeholder
        ? { placeholder: { type: 'plain_text' as const, text: clip(o.placeholder, 150) } }
        : {}),
    },
  };
}

export function option(name: string) {
  return { text: { type: 'plain_text' as const, text: clip(name, 75) }, value: clip(name, 75) };
}

/** The YAML / Form switch at the top of the definition and pipeline modals. */
export function modeRadio(actionId: string, mode: 'yaml' | 'form'): Block {
  const options = [
    { text: { type: 'plain_text' as const, text: 'YAML' }, value: 'yaml' },
    { text: { type: 'plain_text' as const, text: 'Form' }, value: 'form' },
  ];
  return {
    type: 'actions',
    block_id: 'mode',
    elements: [
      {
        type: 'radio_buttons',
        action_id: actionId,
        options,
        initial_option: mode === 'yaml' ? options[0] : options[1],
      },
    ],
  };
}
