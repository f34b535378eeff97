/**
 * One container's log in Slack: its tail as a code block beside the file with the whole stored log,
 * and, for a dispatch with several containers, the question of which one to show.
 */
import type { types } from '@slack/bolt';
import { slackLogSnippet } from '../../domain/dispatch/index.js';
import type { DispatchRecord, StoredLog } from '../../store/dispatches.js';
import { type Block, context, escapeMrkdwn, type MessageBody, section } from './blocks.js';
import { bytes } from './dispatch-details.js';
import { BUTTON_VALUE_MAX, button, clipChars, code, esc } from './history.js';

export const ACTION_DISPATCH_LOG_CONTAINER = 'dispatch_log_container';
/** The container value of the All button. */
export const ALL_CONTAINERS = '*';
/** Each button is a block of its own (one action id per block). */
export const MAX_CONTAINER_BUTTONS = 20;
const SNIPPET_LINES = 40;

export function logSnippetMessage(d: DispatchRecord, log: StoredLog): MessageBody {
  const which = `${code(log.container, 63)}${log.init ? ' (init container)' : ''} in ${code(log.pod, 253)}${log.previous ? ', previous run' : ''}`;
  const blocks: Block[] = [section(`Log of ${which} · *${esc(d.definitionName, 80)}* #${d.number}`)];
  if (log.error) blocks.push(section(`:warning: Could not read this log: ${esc(log.error, 2500)}`));
  const hasText = log.text.trim() !== '';
  if (hasText || !log.error)
    blocks.push(section(slackLogSnippet(log.text, { maxLines: SNIPPET_LINES }).text));
  const notes: string[] = [];
  if (log.truncated) {
    const kept = new TextEncoder().encode(log.text).length;
    notes.push(
      `The log was ${bytes(log.originalBytes)}; Jobbot kept ${bytes(kept)} of it, its start and end.`,
    );
  }
  if (hasText) notes.push('The whole stored log is in the file below.');
  if (notes.length > 0) blocks.push(context(notes.join(' ')));
  const text = `Log of ${clipChars(log.container, 63)} in ${clipChars(log.pod, 253)} (${clipChars(d.definitionName, 80)} #${d.number})`;
  return { text: escapeMrkdwn(text), blocks };
}

function choice(text: string, container: string, n: number, blockId: string): Block | undefined {
  const value = JSON.stringify({ n, container });
  if (value.length > BUTTON_VALUE_MAX) return undefined;
  const b: types.Button = button(text, ACTION_DISPATCH_LOG_CONTAINER, value);
  return { type: 'actions', block_id: blockId, elements: [b] };
}

export function chooseContainerMessage(
  d: DispatchRecord,
  containers: string[],
  command = '/job',
): MessageBody {
  const names = [...new Set(containers)];
  const job = `*${esc(d.definitionName, 80)}* #${d.number}`;
  if (names.length === 0) {
    const text = `${job} has no container logs.`;
    return {
      text: escapeMrkdwn(`${clipChars(d.definitionName, 80)} #${d.number} has no container logs.`),
      blocks: [section(text)],
    };
  }
  const blocks: Block[] = [section(`${job} ran ${names.length} containers. Which log?`)];
  names.slice(0, MAX_CONTAINER_BUTTONS).forEach((name, i) => {
    const block = choice(name || '(unnamed)', name, d.number, `log_container_${i}`);
    if (block) blocks.push(block);
  });
  const all = choice('All', ALL_CONTAINERS, d.number, 'log_container_all');
  if (all) blocks.push(all);
  if (names.length > MAX_CONTAINER_BUTTONS)
    blocks.push(
      context(
        `${names.length - MAX_CONTAINER_BUTTONS} more containers: \`${command} logs ${d.number} CONTAINER\` shows any one.`,
      ),
    );
  const text = `Which log of ${clipChars(d.definitionName, 80)} #${d.number}? ${names.map((n) => clipChars(n, 63)).join(', ')}`;
  return { text: escapeMrkdwn(clipChars(text, 2000)), blocks };
}
