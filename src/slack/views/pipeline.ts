/**
 * Messages about pipelines: the run's top-level status message (one line per stage, updated in
 * place), the replies in its thread (a stage starting, a job finishing, the verdict), the
 * ephemeral list, show and history answers (the create/edit modal is pipeline-modal.ts).
 */
import type { RunView } from '../../services/pipelines.js';
import type { DispatchRecord } from '../../store/dispatches.js';
import type { PipelineRecord, RunRecord } from '../../store/pipelines.js';
import { type Block, clip, context, escapeMrkdwn, type MessageBody, section } from './blocks.js';
import { type LogSnippet, verdictReply } from './dispatch.js';
import { actorText, slackDate, stateIcon } from './history.js';

export const ACTION_PIPELINE_CANCEL = 'pipeline_cancel';
export const ACTION_PIPELINE_HISTORY_PAGE = 'pipeline_history_page';
export const PIPELINE_HISTORY_PAGE_SIZE = 15;

const STAGE_ICONS: Record<string, string> = {
  waiting: ':double_vertical_bar:',
  skipped: ':heavy_minus_sign:',
  running: ':arrows_counterclockwise:',
};

/** Verdicts carry mentions Jobbot wrote itself; everything else typed by people is escaped. */
function mrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;(@[UW][A-Z0-9]+)&gt;/g, '<$1>');
}

function runTitle(v: RunView): string {
  return `Pipeline ${v.run.pipelineName} run #${v.run.id}`;
}

export function runStatusMessage(v: RunView, command: string): MessageBody {
  const { run } = v;
  const status = run.verdict ?? `Running stage ${run.stage + 1} of ${run.stages.length}`;
  const lines = v.stages.map((s, i) => {
    const icon = STAGE_ICONS[s.state] ?? stateIcon(s.state);
    const jobs = s.jobs
      .map((j) =>
        j.dispatch
          ? `${stateIcon(j.dispatch.state)} ${escapeMrkdwn(j.job)} #${j.dispatch.number}`
          : escapeMrkdwn(j.job),
      )
      .join(', ');
    return `${icon} Stage ${i + 1} (${s.state}): ${jobs}`;
  });
  const blocks: Block[] = [
    section(
      `*Pipeline ${escapeMrkdwn(run.pipelineName)}* run #${run.id} · run by ${actorText(run.actor)}\n${stateIcon(run.state)} ${mrkdwn(status)}`,
    ),
    section(clip(lines.join('\n'), 2900)),
    context(
      run.state === 'running'
        ? `Revision ${run.revision} · cancel with \`${command} pipeline cancel ${run.id}\``
        : `Revision ${run.revision}`,
    ),
  ];
  if (run.state === 'running') blocks.push(cancelButton(run.id, run.pipelineName));
  return { text: `${runTitle(v)}: ${status}`, blocks };
}

/** Carries only the run number: the server re-reads the run when it is pressed. */
function cancelButton(id: number, name: string): Block {
  return {
    type: 'actions',
    block_id: `pipeline_run_${id}`,
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Cancel run' },
        action_id: ACTION_PIPELINE_CANCEL,
        value: String(id),
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: 'Cancel this run?' },
          text: {
            type: 'mrkdwn',
            text: clip(
              `Stop ${escapeMrkdwn(name)} run #${id}: no later stage starts, the running stage's jobs are cancelled.`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Cancel it' },
          deny: { type: 'plain_text', text: 'Keep running' },
          style: 'danger',
        },
      },
    ],
  };
}

export function stageStartedReply(v: RunView, stage: number): MessageBody {
  const s = v.stages[stage];
  const jobs = (s?.jobs ?? []).map((j) => `${j.job}${j.dispatch ? ` #${j.dispatch.number}` : ''}`).join(', ');
  const text = `Stage ${stage + 1} of ${v.stages.length} started: ${jobs}`;
  return { text, blocks: [section(`:arrow_forward: ${escapeMrkdwn(text)}`)] };
}

/** A job of the run finished: its verdict, then the tail of each container's log, as a lone dispatch's. */
export function jobFinishedReply(
  d: DispatchRecord,
  logs: readonly LogSnippet[],
  command: string,
): MessageBody {
  const text = `${d.definitionName} #${d.number}: ${d.verdict ?? d.state}`;
  const { blocks } = verdictReply(text, logs);
  blocks[0] = section(`${stateIcon(d.state)} ${mrkdwn(text)}`);
  if (logs.length > 0) blocks.push(context(`Full logs: \`${command} logs ${d.number}\``));
  return { text, blocks };
}

export function runVerdictReply(v: RunView): MessageBody {
  const text = `${runTitle(v)}: ${v.run.verdict ?? v.run.state}`;
  return { text, blocks: [section(`${stateIcon(v.run.state)} *${mrkdwn(text)}*`)] };
}

export function runStartedMessage(runId: number, name: string, channel: string | null): MessageBody {
  const where = channel ? ` Updates follow in <#${channel}>.` : '';
  const text = `Started pipeline ${name} run #${runId}.${where}`;
  return {
    text,
    blocks: [section(`:rocket: ${escapeMrkdwn(`Started pipeline ${name} run #${runId}.`)}${where}`)],
  };
}

export function pipelineListMessage(items: PipelineRecord[], command: string): MessageBody {
  if (items.length === 0) {
    const text = `No pipelines yet. Create one with \`${command} pipeline new\`.`;
    return { text, blocks: [section(text)] };
  }
  const lines = items.map(
    (p) =>
      `• *${escapeMrkdwn(p.name)}*: ${p.stages.length} stage${p.stages.length === 1 ? '' : 's'} (revision ${p.revision})`,
  );
  return { text: `${items.length} pipelines`, blocks: [section(clip(lines.join('\n'), 2900))] };
}

export function pipelineShowMessage(p: PipelineRecord, command: string): MessageBody {
  const lines = p.stages.map((s, i) => `${i + 1}. ${s.jobs.map((j) => escapeMrkdwn(j.job)).join(', ')}`);
  return {
    text: `Pipeline ${p.name}`,
    blocks: [
      section(`*Pipeline ${escapeMrkdwn(p.name)}* (revision ${p.revision})\n${clip(lines.join('\n'), 2000)}`),
      section(`\`\`\`${clip(escapeMrkdwn(p.yaml), 2800)}\`\`\``),
      context(
        `Last saved by <@${p.updatedBy.id}> · run it with \`${command} pipeline run ${escapeMrkdwn(p.name)}\``,
      ),
    ],
  };
}

export function pipelineSavedMessage(p: PipelineRecord, created: boolean): MessageBody {
  const text = `${created ? 'Created' : 'Updated'} pipeline ${p.name} (revision ${p.revision}).`;
  return { text, blocks: [section(`:white_check_mark: ${escapeMrkdwn(text)}`)] };
}

export interface RunHistoryPage {
  pipeline?: string;
  offset: number;
  items: RunRecord[];
  total: number;
}

/** `/job pipeline history [NAME]`: newest runs first, one line each, with a button to older ones. */
export function runHistoryMessage(page: RunHistoryPage, command: string): MessageBody {
  const what = page.pipeline ? `pipeline ${page.pipeline}` : 'pipelines';
  if (page.total === 0) {
    const text = `No runs of ${what} yet. Start one with \`${command} pipeline run NAME\`.`;
    return { text, blocks: [section(escapeMrkdwn(text))] };
  }
  const lines = page.items.map(
    (r) =>
      `${stateIcon(r.state)} *${escapeMrkdwn(r.pipelineName)}* run #${r.id} · ${slackDate(r.createdAt)} · by ${actorText(r.actor)}\n${mrkdwn(clip(r.verdict ?? `running stage ${r.stage + 1} of ${r.stages.length}`, 500))}`,
  );
  const last = page.offset + page.items.length;
  const text = `Runs of ${what}: ${page.offset + 1}-${last} of ${page.total}`;
  const blocks: Block[] = [
    section(`*${escapeMrkdwn(text)}*`),
    // One section a run: a page of long verdicts would not fit one section's 3,000 characters.
    ...lines.map((l) => section(clip(l, 2900))),
    context(`Details of a run: \`${command} pipeline show #N\`; its jobs are in \`${command} history\` too.`),
  ];
  const buttons = [];
  if (page.offset > 0)
    buttons.push(
      pageButton('Newer runs', page.pipeline, Math.max(0, page.offset - PIPELINE_HISTORY_PAGE_SIZE)),
    );
  if (last < page.total) buttons.push(pageButton('Older runs', page.pipeline, last));
  if (buttons.length > 0)
    blocks.push({ type: 'actions', block_id: 'pipeline_history_pages', elements: buttons });
  return { text, blocks };
}

function pageButton(label: string, pipeline: string | undefined, offset: number) {
  return {
    type: 'button' as const,
    text: { type: 'plain_text' as const, text: label },
    action_id: `${ACTION_PIPELINE_HISTORY_PAGE}_${label.startsWith('Newer') ? 'newer' : 'older'}`,
    value: JSON.stringify({ ...(pipeline ? { pipeline } : {}), offset }),
  };
}
