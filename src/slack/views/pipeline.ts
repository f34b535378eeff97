/**
 * Messages about pipelines: the run's top-level status message (one line per stage, updated in
 * place), the replies in its thread (a stage starting, a job finishing, the verdict), the
 * create/edit modal, and the ephemeral list and show answers.
 */
import type { types } from '@slack/bolt';
import type { RunView } from '../../services/pipelines.js';
import type { DispatchRecord } from '../../store/dispatches.js';
import type { PipelineRecord } from '../../store/pipelines.js';
import { type Block, clip, context, escapeMrkdwn, type MessageBody, section, textInput } from './blocks.js';
import { actorText, stateIcon } from './history.js';

export const PIPELINE_CALLBACK = 'pipeline_save';
export const ACTION_PIPELINE_CANCEL = 'pipeline_cancel';

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

export function jobFinishedReply(d: DispatchRecord): MessageBody {
  const text = `${d.definitionName} #${d.number}: ${d.verdict ?? d.state}`;
  return { text, blocks: [section(`${stateIcon(d.state)} ${mrkdwn(text)}`)] };
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

export interface PipelineModalMeta {
  /** Set when editing: the name cannot change. */
  editing?: string;
  channel: string | null;
}

const EXAMPLE = 'stages: [{jobs: [{job: migrate}]}, {jobs: [{job: web-smoke}, {job: api-smoke}]}]';

export function pipelineModal(
  meta: PipelineModalMeta,
  values: { name: string; yaml: string },
): types.ModalView {
  const blocks: Block[] = [
    context(
      'Each stage lists jobs that run in parallel; a stage starts when every job of the one before succeeded. Overrides use the `key=value` names of `/job run`, e.g. `overrides: {image: perl:5.36}`.',
    ),
  ];
  if (meta.editing) blocks.push(section(`*Pipeline ${escapeMrkdwn(meta.editing)}*`));
  else blocks.push(textInput('name', 'Name', values.name, { max: 63, placeholder: 'deploy' }));
  blocks.push(
    textInput('yaml', 'Stages (YAML)', values.yaml, { multiline: true, max: 3000, placeholder: EXAMPLE }),
  );
  return {
    type: 'modal',
    callback_id: PIPELINE_CALLBACK,
    title: { type: 'plain_text', text: meta.editing ? 'Edit pipeline' : 'New pipeline' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}
