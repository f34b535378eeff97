/**
 * The New pipeline / Edit pipeline modal. Two modes share it, as for job definitions: YAML (the
 * stages written out) and Form (one multi-select of jobs per stage plus its overrides as
 * `job key=value…` lines). Both are saved through the same YAML validation, so they cannot disagree.
 */
import type { types } from '@slack/bolt';
import { MAX_JOBS_PER_STAGE, MAX_PIPELINE_NAME, MAX_STAGES, type StageForm } from '../../domain/pipeline.js';
import { type Block, clip, context, escapeMrkdwn, modeRadio, option, section, textInput } from './blocks.js';

export const PIPELINE_CALLBACK = 'pipeline_save';
export const ACTION_PIPELINE_MODE = 'pipeline_mode';
export const ACTION_PIPELINE_ADD_STAGE = 'pipeline_add_stage';
export const ACTION_PIPELINE_REMOVE_STAGE = 'pipeline_remove_stage';

export type PipelineMode = 'yaml' | 'form';

export interface PipelineModalMeta {
  /** Set when editing: the name cannot change. */
  editing?: string;
  /** The revision the person started from, 0 for a new pipeline: a save on top of another is refused. */
  basedOn?: number;
  channel: string | null;
  mode: PipelineMode;
  /** How many stages the form shows. */
  stages: number;
  /** Why the modal is not in the mode the person picked (YAML that cannot be shown as a form). */
  notice?: string;
}

export interface PipelineModalValues {
  name: string;
  yaml: string;
  form: StageForm[];
}

/** Slack's static menus hold at most 100 options. */
const MAX_OPTIONS = 100;
const EXAMPLE = 'stages: [{jobs: [{job: migrate}]}, {jobs: [{job: web-smoke}, {job: api-smoke}]}]';

export const stageBlock = (i: number) => `stage_${i}`;
export const overridesBlock = (i: number) => `overrides_${i}`;

export function pipelineModal(
  meta: PipelineModalMeta,
  values: PipelineModalValues,
  jobNames: readonly string[],
): types.ModalView {
  const blocks: Block[] = [
    modeRadio(ACTION_PIPELINE_MODE, meta.mode),
    context(
      'Each stage lists jobs that run in parallel; a stage starts when every job of the one before succeeded. Overrides use the `key=value` names of `/job run`.',
    ),
  ];
  if (meta.notice) blocks.push(section(`:warning: ${escapeMrkdwn(clip(meta.notice, 2900))}`));
  if (meta.editing) blocks.push(section(`*Pipeline ${escapeMrkdwn(meta.editing)}*`));
  else blocks.push(textInput('name', 'Name', values.name, { max: MAX_PIPELINE_NAME, placeholder: 'deploy' }));
  if (meta.mode === 'yaml') {
    blocks.push(
      textInput('yaml', 'Stages (YAML)', values.yaml, { multiline: true, max: 3000, placeholder: EXAMPLE }),
    );
  } else {
    blocks.push(...formBlocks(meta.stages, values.form, jobNames));
  }
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

function formBlocks(count: number, form: readonly StageForm[], jobNames: readonly string[]): Block[] {
  if (jobNames.length === 0)
    return [section('There are no jobs to put in a stage yet. Create one with `/job new` first.')];
  const names = jobNames.slice(0, MAX_OPTIONS);
  const blocks: Block[] = [];
  if (jobNames.length > MAX_OPTIONS)
    blocks.push(
      context(`The lists show the first ${MAX_OPTIONS} jobs by name; switch to YAML to use the others.`),
    );
  for (let i = 0; i < count; i++) {
    const stage = form[i] ?? { jobs: [], overrides: '' };
    const initial = stage.jobs.filter((j) => names.includes(j)).map((j) => option(j));
    blocks.push(
      {
        type: 'input',
        block_id: stageBlock(i),
        label: { type: 'plain_text', text: `Stage ${i + 1}: jobs (run in parallel)` },
        element: {
          type: 'multi_static_select',
          action_id: 'value',
          placeholder: { type: 'plain_text', text: 'Pick jobs' },
          options: names.map((n) => option(n)),
          max_selected_items: MAX_JOBS_PER_STAGE,
          ...(initial.length > 0 ? { initial_options: initial } : {}),
        },
      },
      textInput(overridesBlock(i), `Stage ${i + 1}: overrides`, stage.overrides, {
        multiline: true,
        optional: true,
        max: 3000,
        placeholder: 'migrate image=perl:5.36 env.MODE=fast',
      }),
    );
  }
  const buttons: types.Button[] = [];
  if (count < MAX_STAGES)
    buttons.push({
      type: 'button',
      action_id: ACTION_PIPELINE_ADD_STAGE,
      text: { type: 'plain_text', text: 'Add stage' },
    });
  if (count > 1)
    buttons.push({
      type: 'button',
      action_id: ACTION_PIPELINE_REMOVE_STAGE,
      text: { type: 'plain_text', text: 'Remove last stage' },
    });
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'stage_buttons', elements: buttons });
  return blocks;
}
