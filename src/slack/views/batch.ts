/**
 * A channel's batch (see store/migrations/batches.ts): one summary message for many dispatches, and
 * replies in its thread listing what changed since the last one. Numbers are written as ranges
 * (#12–#40) so a reply stays short however many dispatches changed together; every list is clipped
 * with "and N more" to Slack's limits.
 */
import type { BatchChange, BatchMemberRow } from '../../store/batches.js';
import { type Block, clip, context, escapeMrkdwn, type MessageBody, section } from './blocks.js';
import { plainStatus, stateIcon } from './history.js';

/** Failures listed by name in the summary; the rest are counted. */
const FAILURES_SHOWN = 10;
const JOBS_SHOWN = 10;
/** Characters of dispatch numbers in one reply line before "and N more". */
const LINE_BUDGET = 1500;

type Group = 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';

const GROUP_OF: Record<string, Group> = {
  pending: 'starting',
  creating: 'starting',
  running: 'running',
  finishing: 'running',
  cleaning: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  failed_to_start: 'failed',
  cancelled: 'cancelled',
};

const GROUP_ICON: Record<Group, string> = {
  starting: stateIcon('pending'),
  running: stateIcon('running'),
  succeeded: stateIcon('succeeded'),
  failed: stateIcon('failed'),
  cancelled: stateIcon('cancelled'),
};

const ORDER: Group[] = ['starting', 'running', 'succeeded', 'failed', 'cancelled'];

/** Runs of consecutive numbers, each written "#1–#3" or "#7", with how many it covers. */
function runsOf(numbers: readonly number[]): { text: string; size: number }[] {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out: { text: string; size: number }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    out.push({ text: j === i ? `#${sorted[i]}` : `#${sorted[i]}–#${sorted[j]}`, size: j - i + 1 });
    i = j + 1;
  }
  return out;
}

/** "#1–#3, #7" from sorted or unsorted numbers. */
export function numberRanges(numbers: readonly number[]): string[] {
  return runsOf(numbers).map((r) => r.text);
}

/** Ranges joined within `budget` characters, and how many dispatches were left out. */
function fitRanges(numbers: readonly number[], budget = LINE_BUDGET): { text: string; left: number } {
  let text = '';
  let left = 0;
  for (const r of runsOf(numbers)) {
    if (left > 0 || text.length + r.text.length + 2 > budget) left += r.size;
    else text = text ? `${text}, ${r.text}` : r.text;
  }
  return { text, left };
}

/** Ranges joined within `budget` characters, with "and N more" for the dispatches left out. */
function rangesText(numbers: readonly number[], budget = LINE_BUDGET): string {
  const { text, left } = fitRanges(numbers, budget);
  return left > 0 ? `${text} and ${left} more` : text;
}

export interface BatchSummaryView {
  batchId: number;
  members: readonly BatchMemberRow[];
  /** The slash command, for the hints. */
  command: string;
}

export function batchCounts(members: readonly BatchMemberRow[]): Record<Group, number> {
  const counts: Record<Group, number> = { starting: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const m of members) counts[GROUP_OF[m.state] ?? 'running']++;
  return counts;
}

function countsLine(counts: Record<Group, number>): string {
  return ORDER.filter((g) => counts[g] > 0)
    .map((g) => `${GROUP_ICON[g]} ${counts[g]} ${g}`)
    .join(' · ');
}

/** The summary message: counts, each job's counts, the failures, and where each dispatch's detail is. */
export function batchSummaryMessage(v: BatchSummaryView): MessageBody {
  const counts = batchCounts(v.members);
  const total = v.members.length;
  const open = counts.starting + counts.running;
  const headline =
    open > 0 ? `${total} dispatches in this channel` : `${total} dispatches in this channel, all finished`;
  const byJob = new Map<string, BatchMemberRow[]>();
  for (const m of v.members) byJob.set(m.definitionName, [...(byJob.get(m.definitionName) ?? []), m]);
  const jobs = [...byJob.entries()].sort((a, b) => b[1].length - a[1].length);
  const jobLines = jobs
    .slice(0, JOBS_SHOWN)
    .map(([name, ms]) => `*${escapeMrkdwn(name)}* ${ms.length}: ${countsLine(batchCounts(ms))}`);
  if (jobs.length > JOBS_SHOWN) jobLines.push(`and ${jobs.length - JOBS_SHOWN} more jobs`);
  const failed = v.members.filter((m) => GROUP_OF[m.state] === 'failed');
  const failureLines = failed
    .slice(-FAILURES_SHOWN)
    .map(
      (m) => `#${m.number} *${escapeMrkdwn(m.definitionName)}*: ${escapeMrkdwn(clip(plainStatus(m), 150))}`,
    );
  if (failed.length > FAILURES_SHOWN)
    failureLines.unshift(`${failed.length - FAILURES_SHOWN} earlier failures, and:`);
  const people = [...new Set(v.members.map((m) => m.actorName))];
  const who =
    people.length <= 3 ? people.join(', ') : `${people.slice(0, 3).join(', ')} and ${people.length - 3} more`;
  const blocks: Block[] = [
    section(`*${headline}*\n${countsLine(counts)}`),
    section(jobLines.join('\n')),
    ...(failureLines.length > 0 ? [section(`*Failed*\n${failureLines.join('\n')}`)] : []),
    context(
      `Many dispatches at once here, so they are reported together: what changes is in this thread. Dispatched by ${escapeMrkdwn(
        who,
      )}. Each one's record and logs: \`${v.command} show #N\`, \`${v.command} logs #N\`.`,
    ),
  ];
  return { text: `Batch: ${headline}: ${plainCounts(counts)}`, blocks };
}

function plainCounts(counts: Record<Group, number>): string {
  return ORDER.filter((g) => counts[g] > 0)
    .map((g) => `${counts[g]} ${g}`)
    .join(', ');
}

const CHANGE_ORDER = ['running', 'succeeded', 'failed', 'failed_to_start', 'cancelled'];
const CHANGE_LABEL: Record<string, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  failed_to_start: 'Failed to start',
  cancelled: 'Cancelled',
};

/**
 * One reply for a run of changes: a line per state with the dispatches that reached it. The plain
 * `text` has the same lines (notifications, and what a screen reader reads).
 */
/** The changes a reply tells, by state; a dispatch that started and finished in it, as finished. */
function byStateOf(changes: readonly BatchChange[]): Map<string, BatchChange[]> {
  const latest = new Map<number, BatchChange>();
  for (const c of changes) latest.set(c.dispatchNumber, c);
  const byState = new Map<string, BatchChange[]>();
  for (const c of changes) {
    if (c.state === 'running' && latest.get(c.dispatchNumber)?.state !== 'running') continue;
    byState.set(c.state, [...(byState.get(c.state) ?? []), c]);
  }
  return byState;
}

/** Whether one reply lists every one of `changes` by number (no "and N more"). */
export function replyFits(changes: readonly BatchChange[]): boolean {
  for (const cs of byStateOf(changes).values())
    if (fitRanges(cs.map((c) => c.dispatchNumber)).left > 0) return false;
  return true;
}

/**
 * The first of `changes` that one reply lists in full (at least one), so every dispatch is named in
 * some reply: the rest wait for the next one.
 */
export function changesForOneReply(changes: readonly BatchChange[]): readonly BatchChange[] {
  if (replyFits(changes)) return changes;
  let fits = 1;
  let tooMany = changes.length;
  while (tooMany - fits > 1) {
    const mid = Math.floor((fits + tooMany) / 2);
    if (replyFits(changes.slice(0, mid))) fits = mid;
    else tooMany = mid;
  }
  return changes.slice(0, fits);
}

export function batchChangesReply(changes: readonly BatchChange[]): MessageBody {
  const byState = byStateOf(changes);
  const blocks: Block[] = [];
  const plain: string[] = [];
  for (const state of CHANGE_ORDER) {
    const cs = byState.get(state);
    if (!cs) continue;
    const numbers = cs.map((c) => c.dispatchNumber);
    const label = `${CHANGE_LABEL[state]} (${numbers.length})`;
    const ranges = rangesText(numbers);
    const reasons = cs
      .filter((c) => c.detail && state !== 'succeeded' && state !== 'running')
      .slice(0, 5)
      .map(
        (c) =>
          `#${c.dispatchNumber} *${escapeMrkdwn(c.definitionName)}*: ${escapeMrkdwn(clip(c.detail ?? '', 150))}`,
      );
    // One section per state: each stays under the 3,000 characters of a section's text.
    blocks.push(section([`${stateIcon(state)} *${label}:* ${ranges}`, ...reasons].join('\n')));
    plain.push(`${label}: ${ranges}`);
  }
  if (blocks.length === 0) return { text: 'No changes.', blocks: [section('No changes.')] };
  return { text: plain.join('\n'), blocks };
}
