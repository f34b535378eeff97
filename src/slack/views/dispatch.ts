/**
 * Messages about one dispatch: the top-level status message (updated in place), thread replies for
 * its timeline, and the verdict with each container's log tail. Buttons carry only the dispatch
 * number; the server re-reads everything when one is pressed.
 */
import type { types } from '@slack/bolt';
import type { DispatchObservation } from '../../domain/dispatch/index.js';
import { slackLogSnippet } from '../../domain/dispatch/index.js';
import { type Block, clip, context, escapeMrkdwn, type MessageBody, section } from './blocks.js';
import { stateIcon } from './history.js';

export const ACTION_CANCEL = 'dispatch_cancel';
export const ACTION_SHOW_LOG = 'dispatch_show_log';
export const ACTION_RERUN = 'dispatch_rerun';
/** Room left for log snippets in the verdict message (50 blocks per message). */
const MAX_SNIPPETS = 20;

export interface DispatchView {
  number: number;
  definitionName: string;
  cluster: string;
  namespace: string;
  jobName: string;
  /** `<@U…>` or a pipeline's description. */
  dispatchedBy: string;
  /** Human lines of what differs from the definition. */
  overrides: string[];
  state: string;
  /** The status line: "Running: 1 active", "Succeeded in 12s", … */
  status: string;
  finished: boolean;
}

function button(text: string, actionId: string, value: string, style?: 'danger' | 'primary'): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** "Running: 2 active, 1 succeeded, 0 failed" for parallel jobs; shorter for a single pod. */
export function statusLine(
  state: string,
  o: DispatchObservation | undefined,
  verdict: string | null,
): string {
  if (verdict) return verdict;
  if (state === 'pending' || state === 'creating') return 'Pending: creating the Job';
  if (state === 'finishing') return 'Finishing: gathering logs';
  if (state === 'cleaning') return 'Finishing: removing the Job and its pods';
  if (!o || o.phase === 'pending') return 'Pending: waiting for pods';
  const { active, succeeded, failed } = o.counts;
  const parallel = (o.spec.completions ?? 1) > 1 || (o.spec.parallelism ?? 1) > 1;
  if (!parallel && failed === 0) return 'Running';
  const goal = o.spec.completions !== undefined ? ` of ${o.spec.completions}` : '';
  return `Running: ${active} active, ${succeeded}${goal} succeeded, ${failed} failed`;
}

export function dispatchStatusMessage(d: DispatchView): MessageBody {
  const icon = stateIcon(d.state);
  const title = `*${escapeMrkdwn(d.definitionName)}* #${d.number} · dispatched by ${d.dispatchedBy} · \`${escapeMrkdwn(d.cluster)}\` / \`${escapeMrkdwn(d.namespace)}\``;
  const overrides =
    d.overrides.length > 0
      ? `Overrides: ${d.overrides.map(escapeMrkdwn).join('; ')}`
      : 'No overrides: the saved definition as it is.';
  const blocks: Block[] = [
    section(`${title}\n${icon} ${escapeMrkdwn(d.status)}`),
    context(`${clip(overrides, 2000)} · Job \`${escapeMrkdwn(d.jobName)}\``),
  ];
  const value = String(d.number);
  const buttons: types.Button[] = [];
  if (!d.finished) {
    const cancel = button('Cancel', ACTION_CANCEL, value, 'danger');
    cancel.confirm = {
      title: { type: 'plain_text', text: 'Cancel this dispatch?' },
      text: {
        type: 'mrkdwn',
        text: `Stop ${escapeMrkdwn(d.definitionName)} #${d.number}: its logs so far are kept, the Job and its pods are deleted.`,
      },
      confirm: { type: 'plain_text', text: 'Cancel it' },
      deny: { type: 'plain_text', text: 'Keep running' },
      style: 'danger',
    };
    buttons.push(cancel);
  }
  buttons.push(button('Show log', ACTION_SHOW_LOG, value), button('Re-run', ACTION_RERUN, value));
  blocks.push({ type: 'actions', block_id: `dispatch_${d.number}`, elements: buttons });
  return { text: `${d.definitionName} #${d.number}: ${d.status}`, blocks };
}

/**
 * Timeline events told in one reply at most. Slack takes about one message a second per channel, so
 * a reply still waiting takes in the events that follow it (joinTimelineReply) instead of each event
 * waiting its own second: a Job that ends fast gets its verdict sooner.
 */
export const TIMELINE_EVENTS_PER_REPLY = 10;

/** Timeline events (pods created, running, …) as one reply; `events` lets a later one join it. */
export function timelineReply(events: readonly string[]): MessageBody & { events: string[] } {
  const text = events.join('\n');
  return { text, blocks: [section(events.map(escapeMrkdwn).join('\n'))], events: [...events] };
}

/** The waiting reply `pending` with `event` added, or undefined when it cannot take more. */
export function joinTimelineReply(
  pending: Record<string, unknown>,
  event: string,
): (MessageBody & { events: string[] }) | undefined {
  const events = pending.events;
  if (!Array.isArray(events) || events.length >= TIMELINE_EVENTS_PER_REPLY) return undefined;
  return timelineReply([...events.map(String), event]);
}

/**
 * The verdict told in the reply that was still waiting with timeline events (`pending`), those events
 * first: a Job that ended before Slack took them gets one message for both, not one more second.
 */
export function joinVerdictReply(
  pending: Record<string, unknown>,
  verdict: MessageBody,
): MessageBody | undefined {
  const events = pending.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  return {
    text: verdict.text,
    blocks: [context(events.map((e) => escapeMrkdwn(String(e))).join('\n')), ...verdict.blocks],
  };
}

export interface LogSnippet {
  pod: string;
  container: string;
  text: string;
  truncated: boolean;
  error: string | null;
}

/** The verdict, mentioning the dispatcher, then the tail of each container's log. */
export function verdictReply(verdict: string, logs: readonly LogSnippet[]): MessageBody {
  const blocks: Block[] = [section(`*${escapeMrkdwn(verdict).replace(/&lt;(@[A-Z0-9]+)&gt;/g, '<$1>')}*`)];
  for (const log of logs.slice(0, MAX_SNIPPETS)) {
    const label = `*${escapeMrkdwn(log.container)}* in \`${escapeMrkdwn(log.pod)}\``;
    if (log.error) {
      blocks.push(section(`${label}: ${escapeMrkdwn(log.error)}`));
      continue;
    }
    const head = `${label}${log.truncated ? ' (log capped; the file keeps its start and end)' : ''}\n`;
    const snippet = slackLogSnippet(log.text, { maxChars: 3000 - head.length, maxLines: 30 });
    blocks.push(section(`${head}${snippet.text}`));
  }
  if (logs.length > MAX_SNIPPETS)
    blocks.push(context(`${logs.length - MAX_SNIPPETS} more logs are in the files below.`));
  return { text: verdict, blocks };
}

export function dispatchedMessage(number: number, name: string, channel: string | null): MessageBody {
  const where = channel ? ` Updates follow in <#${channel}>.` : '';
  const text = `Dispatched ${name} #${number}.${where}`;
  return { text, blocks: [section(`:rocket: ${escapeMrkdwn(`Dispatched ${name} #${number}.`)}${where}`)] };
}

export function cancelConfirmMessage(number: number, name: string): MessageBody {
  const text = `Cancel ${name} #${number}? Its logs so far are kept; the Job and its pods are deleted.`;
  return {
    text,
    blocks: [
      section(escapeMrkdwn(text)),
      {
        type: 'actions',
        block_id: `dispatch_cancel_${number}`,
        elements: [
          button(`Cancel #${number}`, ACTION_CANCEL, String(number), 'danger'),
          button('Keep it running', ACTION_KEEP, String(number)),
        ],
      },
    ],
  };
}

export const ACTION_KEEP = 'dispatch_keep';

/** What was gathered so far, or why there is nothing yet. */
export function logsMessage(
  number: number,
  name: string,
  finished: boolean,
  logs: readonly LogSnippet[],
): MessageBody {
  if (logs.length === 0) {
    const text = finished
      ? `${name} #${number} left no logs.`
      : `${name} #${number} is still running; Jobbot gathers every container's log when it ends.`;
    return { text, blocks: [section(escapeMrkdwn(text))] };
  }
  const body = verdictReply(`Logs of ${name} #${number}`, logs);
  return body;
}
