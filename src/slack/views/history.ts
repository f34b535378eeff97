/**
 * `/job history`: one page of dispatches, newest first, each beside a Details button, with Previous
 * and Next buttons that carry the page's filters. The one-line dispatch summary and its pieces are
 * exported because the App Home and the details message show dispatches the same way.
 */
import type { types } from '@slack/bolt';
import { type Actor, describeActor } from '../../domain/actor.js';
import { type DispatchStateName, formatDuration, isTerminal } from '../../domain/dispatch/index.js';
import type { DispatchRecord } from '../../store/dispatches.js';
import {
  type Block,
  clip,
  context,
  escapeMrkdwn,
  header,
  LIMITS,
  type MessageBody,
  section,
} from './blocks.js';

export const ACTION_DISPATCH_DETAILS = 'dispatch_details';
export const ACTION_HISTORY_PREV = 'history_page_prev';
export const ACTION_HISTORY_NEXT = 'history_page_next';
/** Previous and Next share a prefix; action ids must differ within their block. */
export const ACTION_HISTORY_PAGE = /^history_page_(prev|next)$/;
/** One block per dispatch (its text with the Details button beside it) keeps a page near 25 blocks. */
export const HISTORY_PAGE_SIZE = 20;
export const BUTTON_VALUE_MAX = 2000;

export interface HistoryFilters {
  name?: string;
  user?: string;
  status?: string;
}

export interface HistoryPage {
  items: DispatchRecord[];
  offset: number;
  total: number;
  filters: HistoryFilters;
}

const ICONS: Record<string, string> = {
  pending: ':hourglass_flowing_sand:',
  creating: ':hourglass_flowing_sand:',
  running: ':arrow_forward:',
  finishing: ':hourglass:',
  cleaning: ':hourglass:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  failed_to_start: ':x:',
  cancelled: ':no_entry_sign:',
};

const LABELS: Record<string, string> = {
  pending: 'Pending',
  creating: 'Creating the Job',
  running: 'Running',
  finishing: 'Gathering logs',
  cleaning: 'Cleaning up',
  succeeded: 'Succeeded',
  failed: 'Failed',
  failed_to_start: 'Failed to start',
  cancelled: 'Cancelled',
};

/** Like clip, but never between the two halves of an emoji (a lone surrogate is not valid UTF-8). */
/** The same as blocks' clip (kept under this name for the history views). */
export const clipChars = clip;

/** Raw text clipped before escaping, so the clip never cuts an `&amp;` in half. */
export function esc(text: string, max: number): string {
  return escapeMrkdwn(clipChars(text, max));
}

/** Inline code; a backtick inside would end it early. */
export function code(text: string, max = 200): string {
  return `\`${esc(text, max).replace(/`/g, "'")}\``;
}

export function userRef(id: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : code(id, 40);
}

export function channelRef(id: string): string {
  return /^[CGD][A-Z0-9]{2,}$/.test(id) ? `<#${id}>` : code(id, 40);
}

/** describeActor leaves a token's label as typed; escaped here so a label cannot mention anyone. */
export function actorText(actor: Actor): string {
  if (actor.kind === 'slack') return userRef(actor.id);
  return describeActor({ ...actor, name: esc(actor.name, 80).replace(/`/g, "'") });
}

/** Slack shows the date in the reader's time zone; the fallback is UTC. */
export function slackDate(iso: string, format = '{date_short_pretty} {time}'): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return esc(iso, 40);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

export function stateIcon(state: string): string {
  return ICONS[state] ?? ':grey_question:';
}

/** The verdict when there is one (without the mention that notified the dispatcher), else the state. */
export function plainStatus(d: Pick<DispatchRecord, 'state' | 'verdict'>): string {
  const verdict = d.verdict?.replace(/\s+—\s+<@[A-Z0-9]+>$/, '');
  return verdict || (LABELS[d.state] ?? d.state);
}

/** plainStatus as mrkdwn; mentions Jobbot wrote into the verdict ("Cancelled by <@U1>") stay mentions. */
export function statusText(d: Pick<DispatchRecord, 'state' | 'verdict'>, max = 120): string {
  return esc(plainStatus(d), max).replace(/&lt;(@[UW][A-Z0-9]+)&gt;/g, '<$1>');
}

export function durationText(d: DispatchRecord, now: Date): string {
  const start = d.startedAt ? Date.parse(d.startedAt) : Number.NaN;
  if (!Number.isFinite(start)) return isTerminal(d.state as DispatchStateName) ? '' : 'not started yet';
  const end = d.finishedAt ? Date.parse(d.finishedAt) : Number.NaN;
  if (Number.isFinite(end)) return formatDuration(end - start);
  return `running for ${formatDuration(now.getTime() - start)}`;
}

export function overrideChanges(d: DispatchRecord): string[] {
  const changes = (d.overrides as { changes?: unknown }).changes;
  return Array.isArray(changes) ? changes.filter((c): c is string => typeof c === 'string') : [];
}

/** `#12 nightly · ✅ Succeeded in 12s · @alice · Jan 2 10:04 · 12s`, every part bounded. */
export function dispatchLine(d: DispatchRecord, now: Date): string {
  const status = statusText(d);
  const took = durationText(d, now);
  return [
    `*#${d.number} ${esc(d.definitionName, 80)}*`,
    `${stateIcon(d.state)} ${status}`,
    actorText(d.actor),
    slackDate(d.createdAt),
    // "Succeeded in 1m12s" already says it.
    ...(took && !status.includes(took) ? [took] : []),
  ].join(' · ');
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger') {
  const b: types.Button = {
    type: 'button',
    text: { type: 'plain_text', text: clipChars(text, LIMITS.buttonText) },
    action_id: actionId,
    value: clipChars(value, BUTTON_VALUE_MAX),
  };
  if (style) b.style = style;
  return b;
}

export function withButton(mrkdwn: string, accessory: types.Button): types.SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: clipChars(mrkdwn, LIMITS.sectionText) },
    accessory,
  };
}

export function dispatchSection(d: DispatchRecord, now: Date, extra?: string): types.SectionBlock {
  const text = extra ? `${dispatchLine(d, now)}\n${extra}` : dispatchLine(d, now);
  return withButton(text, button('Details', ACTION_DISPATCH_DETAILS, String(d.number)));
}

/** The Previous/Next value: `{"o":15,"n":"nightly","u":"U1","s":"failed"}`. */
export function encodeHistoryPage(offset: number, filters: HistoryFilters): string {
  const f: Record<'n' | 'u' | 's', string | undefined> = {
    n: filters.name,
    u: filters.user,
    s: filters.status,
  };
  // Filters are typed by people; one too long to fit the value could not match anything anyway.
  for (;;) {
    const value = JSON.stringify({ o: offset, ...f });
    if (value.length <= BUTTON_VALUE_MAX) return value;
    const key = (['n', 'u', 's'] as const).reduce((a, b) =>
      (f[b]?.length ?? 0) > (f[a]?.length ?? 0) ? b : a,
    );
    f[key] = f[key]?.slice(0, Math.floor((f[key]?.length ?? 0) / 2));
  }
}

export function decodeHistoryPage(value: string): { offset: number; filters: HistoryFilters } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { o, n, u, s } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o) || (o as number) < 0) return undefined;
  const filters: HistoryFilters = {};
  if (typeof n === 'string') filters.name = n;
  if (typeof u === 'string') filters.user = u;
  if (typeof s === 'string') filters.status = s;
  return { offset: o as number, filters };
}

function describeFilters(f: HistoryFilters): string {
  return [
    f.name ? `of job ${code(f.name, 100)}` : '',
    f.user ? `by ${userRef(f.user)}` : '',
    f.status ? `with status ${code(f.status, 40)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function emptyMessage(page: HistoryPage, command: string): MessageBody {
  const what = describeFilters(page.filters);
  const filtered = what !== '';
  const text = filtered
    ? `No dispatches ${what}. Widen the search by leaving out the job name, the user or the status: \`${command} history\` alone lists every dispatch.`
    : `Nothing has been dispatched yet. \`${command} list\` shows the jobs and \`${command} run NAME\` dispatches one.`;
  if (page.offset === 0 || page.total === 0) return { text, blocks: [section(text)] };
  const back = `This page is past the end: there are ${page.total} dispatches${filtered ? ` ${what}` : ''}.`;
  return {
    text: back,
    blocks: [
      section(back),
      { type: 'actions', block_id: 'history_nav', elements: [pageButton('First page', 'prev', 0, page)] },
    ],
  };
}

function pageButton(text: string, way: 'prev' | 'next', offset: number, page: HistoryPage): types.Button {
  const id = way === 'prev' ? ACTION_HISTORY_PREV : ACTION_HISTORY_NEXT;
  return button(text, id, encodeHistoryPage(offset, page.filters));
}

function overridesLine(d: DispatchRecord): string {
  const changes = overrideChanges(d);
  if (changes.length === 0) return '_No overrides._';
  return `Overrides: ${esc(changes.join('; '), 300)}`;
}

export function historyMessage(page: HistoryPage, command: string, now: Date = new Date()): MessageBody {
  const items = page.items.slice(0, HISTORY_PAGE_SIZE);
  if (items.length === 0) return emptyMessage(page, command);
  const first = page.offset + 1;
  const last = page.offset + items.length;
  const what = describeFilters(page.filters);
  const blocks: Block[] = [
    header(`Dispatch history (${page.total})`),
    context(`Dispatches ${what ? `${what}, ` : ''}newest first: ${first}–${last} of ${page.total}.`),
    ...items.map((d) => dispatchSection(d, now, overridesLine(d))),
  ];
  const nav: types.Button[] = [];
  if (page.offset > 0)
    nav.push(pageButton('Previous', 'prev', Math.max(0, page.offset - HISTORY_PAGE_SIZE), page));
  if (last < page.total) nav.push(pageButton('Next', 'next', last, page));
  if (nav.length > 0) blocks.push({ type: 'actions', block_id: 'history_nav', elements: nav });
  blocks.push(context(`Narrow it down: \`${command} history [NAME] [@user] [status]\`.`));
  const names = items.map((d) => `#${d.number} ${clipChars(d.definitionName, 40)}`).join(', ');
  return {
    text: escapeMrkdwn(clipChars(`Dispatches ${first}–${last} of ${page.total}: ${names}`, 2000)),
    blocks,
  };
}
