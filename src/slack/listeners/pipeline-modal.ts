/**
 * The pipeline modal's life: opened by `/job pipeline new|edit`, redrawn when the person switches
 * between YAML and Form or adds/removes a stage, and submitted. Switching mode carries the stages
 * over; YAML that cannot be read stays in YAML mode with a notice rather than being thrown away.
 */
import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { formYaml, parseStages, type StageForm, stagesForm, stagesYaml } from '../../domain/pipeline.js';
import type { Logger } from '../../logger.js';
import type { PipelineService, SaveError } from '../../services/pipelines.js';
import { modalRedraw } from '../modal-redraw.js';
import type { UserDirectory } from '../users.js';
import { pipelineSavedMessage } from '../views/pipeline.js';
import {
  ACTION_PIPELINE_ADD_STAGE,
  ACTION_PIPELINE_MODE,
  ACTION_PIPELINE_REMOVE_STAGE,
  overridesBlock,
  PIPELINE_CALLBACK,
  type PipelineModalMeta,
  type PipelineModalValues,
  pipelineModal,
  stageBlock,
} from '../views/pipeline-modal.js';

export interface PipelineModalDeps {
  service: PipelineService;
  users: UserDirectory;
  log: Logger;
  /** The job definitions a stage may pick from, by name. */
  jobNames: () => string[];
  /** Throws `forbidden` unless this person may create and change pipelines (checked again on save). */
  requireManage?: (userId: string) => void;
}

const metaSchema = z.object({
  editing: z.string().optional(),
  basedOn: z.number().int().nonnegative().optional(),
  channel: z.string().nullable(),
  // Views opened before the form existed carry neither: they were YAML.
  mode: z.enum(['yaml', 'form']).default('yaml'),
  stages: z.number().int().min(1).max(10).default(1),
  notice: z.string().optional(),
});

type ViewState = Record<
  string,
  Record<string, { value?: string | null; selected_options?: { value: string }[] }>
>;

/** The view `/job pipeline new` (no name) or `edit NAME` opens. */
export function openingView(
  deps: PipelineModalDeps,
  user: string,
  editing: string | undefined,
  channel: string | null,
) {
  deps.requireManage?.(user);
  const existing = editing === undefined ? undefined : deps.service.get(editing);
  const meta: PipelineModalMeta = {
    ...(existing ? { editing: existing.name } : {}),
    basedOn: existing?.revision ?? 0,
    channel,
    mode: 'yaml',
    stages: Math.max(1, existing?.stages.length ?? 1),
  };
  const values: PipelineModalValues = {
    name: '',
    yaml: existing ? existing.yaml || stagesYaml(existing.stages) : '',
    form: existing ? stagesForm(existing.stages) : [],
  };
  return pipelineModal(meta, values, deps.jobNames());
}

function readValues(state: ViewState, meta: PipelineModalMeta): PipelineModalValues {
  const form: StageForm[] = [];
  for (let i = 0; i < meta.stages; i++) {
    form.push({
      jobs: (state[stageBlock(i)]?.value?.selected_options ?? []).map((o) => o.value),
      overrides: state[overridesBlock(i)]?.value?.value ?? '',
    });
  }
  return { name: (state.name?.value?.value ?? '').trim(), yaml: state.yaml?.value?.value ?? '', form };
}

/** The stages as YAML, from whichever mode the person is in. */
function yamlOf(meta: PipelineModalMeta, values: PipelineModalValues) {
  return meta.mode === 'yaml' ? ({ ok: true, yaml: values.yaml } as const) : formYaml(values.form);
}

function switchMode(
  meta: PipelineModalMeta,
  values: PipelineModalValues,
  mode: PipelineModalMeta['mode'],
): [PipelineModalMeta, PipelineModalValues] {
  const { notice: _, ...rest } = meta;
  if (mode === 'yaml') {
    const y = formYaml(values.form);
    // A half-filled form still shows as the YAML it would be; unreadable override lines are kept aside.
    if (!y.ok)
      return [{ ...rest, notice: `The form cannot be written as YAML yet: ${y.errors.join(' ')}` }, values];
    return [
      { ...rest, mode },
      { ...values, yaml: values.form.some((s) => s.jobs.length > 0) ? y.yaml : values.yaml },
    ];
  }
  if (values.yaml.trim() === '') return [{ ...rest, mode, stages: Math.max(1, meta.stages) }, values];
  const parsed = parseStages(values.yaml);
  if (!parsed.ok)
    return [
      { ...rest, notice: `Fix the YAML before switching to the form: ${parsed.errors.join(' ')}` },
      values,
    ];
  return [
    { ...rest, mode, stages: parsed.stages.length },
    { ...values, form: stagesForm(parsed.stages) },
  ];
}

/** Puts each error under the block it is about: the form's stage when the message names one. */
function errorsByBlock(meta: PipelineModalMeta, errors: readonly SaveError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    let block = e.field === 'name' && !meta.editing ? 'name' : 'yaml';
    if (meta.mode === 'form' && block === 'yaml') {
      const m = /^Stage (\d+),( overrides)?/.exec(e.message);
      const i = m ? Math.min(Number(m[1]) - 1, meta.stages - 1) : 0;
      block = m?.[2] ? overridesBlock(i) : stageBlock(i);
    }
    if (block === 'name' && meta.editing) block = meta.mode === 'yaml' ? 'yaml' : stageBlock(0);
    out[block] = (out[block] ? `${out[block]} ${e.message}` : e.message).slice(0, 1900);
  }
  return out;
}

export function registerPipelineModal(app: App, deps: PipelineModalDeps): void {
  const redraw = modalRedraw<PipelineModalMeta, PipelineModalValues>({
    read: (view) => {
      const meta = metaSchema.parse(JSON.parse(view.private_metadata || '{}')) as PipelineModalMeta;
      return [meta, readValues(view.state.values as ViewState, meta)];
    },
    build: (meta, values) => pipelineModal(meta, values, deps.jobNames()),
    log: deps.log,
  });

  app.action<BlockAction>(
    ACTION_PIPELINE_MODE,
    redraw((meta, values, body) => {
      const chosen = (body.actions[0] as { selected_option?: { value?: string } }).selected_option?.value;
      const mode = chosen === 'form' ? 'form' : 'yaml';
      return mode === meta.mode ? [meta, values] : switchMode(meta, values, mode);
    }),
  );
  app.action<BlockAction>(
    ACTION_PIPELINE_ADD_STAGE,
    redraw((meta, values) => [{ ...meta, stages: Math.min(10, meta.stages + 1) }, values]),
  );
  app.action<BlockAction>(
    ACTION_PIPELINE_REMOVE_STAGE,
    redraw((meta, values) => [
      { ...meta, stages: Math.max(1, meta.stages - 1) },
      { ...values, form: values.form.slice(0, Math.max(1, meta.stages - 1)) },
    ]),
  );

  app.view(PIPELINE_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = metaSchema.parse(JSON.parse(view.private_metadata || '{}')) as PipelineModalMeta;
    const values = readValues(view.state.values as ViewState, meta);
    const name = meta.editing ?? values.name;
    const yaml = yamlOf(meta, values);
    if (!yaml.ok) {
      await ack({
        response_action: 'errors',
        errors: errorsByBlock(
          meta,
          yaml.errors.map((message) => ({ field: 'yaml', message })),
        ),
      });
      return;
    }
    const actor = await deps.users.actor(body.user.id, body.user.name);
    const result = deps.service.save(name, yaml.yaml, actor, meta.basedOn);
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: errorsByBlock(meta, result.errors) });
      return;
    }
    await ack();
    deps.log.info({ pipeline: name, user: actor.id }, 'pipeline saved');
    const message = pipelineSavedMessage(result.pipeline, result.created);
    await client.chat
      .postEphemeral({ channel: meta.channel ?? body.user.id, user: body.user.id, ...message })
      .catch(() => client.chat.postMessage({ channel: body.user.id, ...message }))
      .catch((err: unknown) => deps.log.warn({ err }, 'could not confirm a saved pipeline'));
  });
}
