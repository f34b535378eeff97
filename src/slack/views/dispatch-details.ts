/**
 * Everything about one dispatch, for its Details button: what ran (overrides, containers; env names
 * only, never values), how it went (status, timeline), who started it from where, and a Show log
 * button per container. Buttons carry numbers and names only; the server re-reads the rest.
 */
import type { types } from '@slack/bolt';
import type { DispatchEvent, DispatchRecord } from '../../store/dispatches.js';
import { type Block, context, escapeMrkdwn, header, LIMITS, type MessageBody, section } from './blocks.js';
import { ACTION_RERUN } from './dispatch.js';
import {
  actorText,
  BUTTON_VALUE_MAX,
  button,
  channelRef,
  clipChars,
  code,
  durationText,
  esc,
  overrideChanges,
  plainStatus,
  slackDate,
  stateIcon,
  statusText,
  withButton,
} from './history.js';

export const ACTION_DISPATCH_LOG = 'dispatch_log';
/** Each Show log button needs a block of its own (one action id per block); 20 keeps us under 50. */
export const MAX_LOG_BUTTONS = 20;
export const MAX_TIMELINE_EVENTS = 20;
/** In a grouped Show log value: that container's logs from every pod. */
export const ALL_PODS = '*';

export interface LogSummary {
  pod: string;
  container: string;
  previous: boolean;
  truncated: boolean;
  originalBytes: number;
  error: string | null;
}

export interface DispatchDetailsOptions {
  definitionRevisionNow?: number;
  now?: Date;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback);

/** As many lines as fit in `room`, then how many were left out. */
function fitLines(lines: string[], room: number): string {
  const kept: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const rest = `… and ${lines.length - i} more`;
    if (used + line.length + 1 + rest.length > room && i < lines.length - 1) {
      kept.push(rest);
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept.join('\n');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function whereFrom(d: DispatchRecord): string {
  // describeActor already names the token's owner and the user it acted for.
  if (d.actor.kind === 'token') return `${actorText(d.actor)} through the API`;
  const from = d.sourceChannel
    ? `in ${channelRef(d.sourceChannel)}`
    : 'from a direct message or the Home tab';
  const updates = d.channel && d.channel !== d.sourceChannel ? `; updates in ${channelRef(d.channel)}` : '';
  return `${actorText(d.actor)} ${from}${updates}`;
}

/** "revision 3", and what the job has become since when it changed. */
function revisionText(d: DispatchRecord, o: DispatchDetailsOptions): string {
  const now = o.definitionRevisionNow;
  return `revision ${d.revision}${now !== undefined && now !== d.revision ? ` (the job is now at revision ${now})` : ''}`;
}

function facts(d: DispatchRecord, o: DispatchDetailsOptions, now: Date): Block {
  const fields: [string, string][] = [
    ['Dispatched by', whereFrom(d)],
    ['Cluster', code(d.cluster)],
    ['Namespace', code(d.namespace)],
    ['Kubernetes Job', d.jobName ? code(d.jobName) : '_not named yet_'],
    ['Definition', revisionText(d, o)],
    ['Dispatched', slackDate(d.createdAt)],
    ['Started', d.startedAt ? slackDate(d.startedAt) : '_not started_'],
    ['Finished', d.finishedAt ? slackDate(d.finishedAt) : '_not finished_'],
    ['Duration', durationText(d, now) || '_none_'],
  ];
  return {
    type: 'section',
    fields: fields.map(([k, v]) => ({ type: 'mrkdwn', text: clipChars(`*${k}*\n${v}`, 2000) })),
  };
}

function parameters(d: DispatchRecord, o: DispatchDetailsOptions): Block {
  const changes = overrideChanges(d);
  const against = revisionText(d, o);
  if (changes.length === 0) return section(`*Parameters*\nThe job's ${against} as saved, no overrides.`);
  const lines = changes.map((c) => `• ${esc(c, 300)}`);
  const head = `*Parameters*\nOverrides against ${against}:\n`;
  return section(`${head}${fitLines(lines, LIMITS.sectionText - head.length)}`);
}

function containerLine(c: Json, init: boolean): string {
  const words = [...strings(c.command), ...strings(c.args)].join(' ');
  const env = (Array.isArray(c.env) ? c.env : []).map((e) => str(obj(e)?.name, '?'));
  const envFrom =
    Array.isArray(c.envFrom) && c.envFrom.length > 0 ? ` + ${c.envFrom.length} env sources` : '';
  return [
    `• ${code(str(c.name, '(unnamed)'), 63)}${init ? ' (init)' : ''}: ${code(str(c.image, '(no image)'), 200)}`,
    words ? ` runs ${code(words, 300)}` : '',
    env.length > 0 ? ` · env ${esc(env.join(', '), 300)}${envFrom}` : envFrom ? ` · env${envFrom}` : '',
  ].join('');
}

/** The effective Job's containers: what actually ran, overrides included. */
function containers(d: DispatchRecord): Block {
  const pod = obj(obj(obj(obj(d.spec)?.spec)?.template)?.spec);
  const list = (key: string) => (Array.isArray(pod?.[key]) ? (pod[key] as unknown[]) : []).map(obj);
  const lines = [
    ...list('initContainers').map((c) => (c ? containerLine(c, true) : '')),
    ...list('containers').map((c) => (c ? containerLine(c, false) : '')),
  ].filter(Boolean);
  if (lines.length === 0) return section('*Containers*\n_The Job has not been rendered yet._');
  const head = '*Containers*\n';
  return section(`${head}${fitLines(lines, LIMITS.sectionText - head.length)}`);
}

/** The latest events, in sections of at most 3000 characters. */
function timeline(events: DispatchEvent[]): Block[] {
  if (events.length === 0) return [context('No timeline events yet.')];
  const shown = events.slice(-MAX_TIMELINE_EVENTS);
  const title =
    events.length > shown.length
      ? `*Timeline* (the latest ${shown.length} of ${events.length} events)`
      : '*Timeline*';
  const blocks: Block[] = [];
  let text = title;
  for (const e of shown) {
    const line = `${slackDate(e.at, '{date_short} {time_secs}')} ${esc(e.text, 300)}`;
    if (text.length + 1 + line.length > LIMITS.sectionText) {
      blocks.push(section(text));
      text = line;
    } else text = `${text}\n${line}`;
  }
  blocks.push(section(text));
  return blocks;
}

function logValue(n: number, pod: string, container: string, previous: boolean): string | undefined {
  const value = JSON.stringify({ n, pod, container, previous });
  return value.length <= BUTTON_VALUE_MAX ? value : undefined;
}

function logBlock(text: string, value: string | undefined): Block {
  return value ? withButton(text, button('Show log', ACTION_DISPATCH_LOG, value)) : section(text);
}

function logLine(l: LogSummary): string {
  const notes = [
    bytes(l.originalBytes),
    l.truncated ? 'capped' : '',
    l.error ? `:warning: ${esc(l.error, 300)}` : '',
  ].filter(Boolean);
  return `${code(l.container, 63)} in ${code(l.pod, 253)}${l.previous ? ' (previous run)' : ''} · ${notes.join(', ')}`;
}

/** One button per log; with more logs than buttons, one per container covering every pod. */
function logBlocks(d: DispatchRecord, logs: LogSummary[], command: string): Block[] {
  if (d.logsPrunedAt)
    return [
      context(`:broom: Logs pruned ${slackDate(d.logsPrunedAt)}: only this summary and the timeline remain.`),
    ];
  if (logs.length === 0) return [context('No logs gathered yet: Jobbot gathers them when the Job ends.')];
  const blocks: Block[] = [section(`*Logs* (${logs.length})`)];
  if (logs.length <= MAX_LOG_BUTTONS) {
    for (const l of logs)
      blocks.push(logBlock(logLine(l), logValue(d.number, l.pod, l.container, l.previous)));
    return blocks;
  }
  const byContainer = new Map<string, LogSummary[]>();
  for (const l of logs) byContainer.set(l.container, [...(byContainer.get(l.container) ?? []), l]);
  const groups = [...byContainer];
  for (const [container, group] of groups.slice(0, MAX_LOG_BUTTONS)) {
    const pods = new Set(group.map((l) => l.pod)).size;
    const capped = group.filter((l) => l.truncated).length;
    const failed = group.filter((l) => l.error).length;
    const notes = [
      `${pods} ${pods === 1 ? 'pod' : 'pods'}`,
      capped ? `${capped} capped` : '',
      failed ? `${failed} unreadable` : '',
    ].filter(Boolean);
    blocks.push(
      logBlock(
        `${code(container, 63)} · ${notes.join(', ')}`,
        logValue(d.number, ALL_PODS, container, false),
      ),
    );
  }
  const more = groups.length > MAX_LOG_BUTTONS ? `${groups.length - MAX_LOG_BUTTONS} more containers. ` : '';
  blocks.push(context(`${more}Any one log: \`${command} logs ${d.number} CONTAINER\`.`));
  return blocks;
}

export function dispatchDetailsMessage(
  d: DispatchRecord,
  events: DispatchEvent[],
  logs: LogSummary[],
  opts: DispatchDetailsOptions & { command?: string } = {},
): MessageBody {
  const now = opts.now ?? new Date();
  const status = `${stateIcon(d.state)} *${statusText(d, 2000)}*${d.cancelRequested && !d.finishedAt ? ' · cancel requested' : ''}`;
  const blocks: Block[] = [
    header(clipChars(`${d.definitionName} #${d.number}`, 150)),
    section(status),
    facts(d, opts, now),
  ];
  if (d.error) {
    const label = d.state === 'failed_to_start' ? 'Could not start' : 'Error';
    blocks.push(section(`:x: *${label}:* ${esc(d.error, 2500)}`));
  }
  blocks.push(parameters(d, opts), containers(d), ...timeline(events));
  blocks.push(...logBlocks(d, logs, opts.command ?? '/job'));
  const actions: types.ActionsBlock = {
    type: 'actions',
    block_id: 'dispatch_details_actions',
    elements: [button('Re-run', ACTION_RERUN, String(d.number))],
  };
  blocks.push(actions);
  const text = `${clipChars(d.definitionName, 80)} #${d.number}: ${clipChars(plainStatus(d), 500)}`;
  return { text: escapeMrkdwn(clipChars(text, 2000)), blocks };
}
