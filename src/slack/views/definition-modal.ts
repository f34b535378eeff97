/**
 * The Create job / Edit job modal. Two modes share it: YAML (paste a Kubernetes Job) and Form (the
 * fields of the product description, one section per container). Block ids name the field they hold
 * (`name`, `c0.image`, …) so a submission and its errors map straight back to fields; the namespace
 * block's id carries the cluster it was filled for, so choosing another cluster resets its options.
 */
import type { types } from '@slack/bolt';
import { CONTAINER_FIELDS, type ContainerForm, type DefinitionForm } from '../../domain/definition/index.js';
import { type Block, clip, context, escapeMrkdwn, modeRadio, option, section, textInput } from './blocks.js';
import { containerInputs } from './container-inputs.js';

export const DEFINITION_CALLBACK = 'definition_save';
export const ACTION_MODE = 'definition_mode';
export const ACTION_CLUSTER = 'definition_cluster';
export const ACTION_ADD_CONTAINER = 'definition_add_container';
export const ACTION_REMOVE_CONTAINER = 'definition_remove_container';
/** Each input's element has this action id; the block id says which field it is. */
export const VALUE = 'value';
/** Blocks per container section; with the rest of the form this keeps a modal under Slack's 100 blocks. */
export const MAX_CONTAINERS = 8;
export const MAX_YAML_INPUT = 3000;

export type DefinitionMode = 'yaml' | 'form';

/** Carried in private_metadata between the modal's updates and its submission. */
export interface DefinitionModalMeta {
  mode: DefinitionMode;
  containers: number;
  /** Editing this definition, based on this revision. */
  editing?: { name: string; revision: number };
  /** Where the command was typed, for the confirmation. */
  channel: string;
  /** A long YAML taken from a message, kept server-side. */
  draftId?: number;
}

export interface DefinitionModalValues {
  /** Only the Dispatch modal has it: where updates go. */
  channel?: string;
  cluster: string;
  namespace: string;
  name: string;
  description: string;
  yaml: string;
  form: DefinitionForm;
}

export interface DefinitionModalInput {
  meta: DefinitionModalMeta;
  values: DefinitionModalValues;
  clusters: string[];
  /** Namespaces of the chosen cluster; empty when none is chosen or it cannot be listed. */
  namespaces: string[];
  /** For a YAML taken from a message: its size and job name, shown instead of the YAML input. */
  draft?: { chars: number; name: string | undefined };
}

const COUNT_HINTS = {
  activeDeadlineSeconds:
    'Seconds the Job may run from its start before Kubernetes stops it. Empty: no limit.',
  completions: 'How many pods must succeed for the Job to be complete. Empty: 1.',
  parallelism: 'How many pods may run at the same time. Empty: 1.',
} as const;

export function definitionModal(input: DefinitionModalInput): types.ModalView {
  const { meta, values } = input;
  const blocks: Block[] = [modeRadio(ACTION_MODE, meta.mode), clusterBlock(input), namespaceBlock(input)];
  if (meta.mode === 'yaml') {
    blocks.push(
      textInput('description', 'Description', values.description, {
        multiline: true,
        optional: true,
        max: 500,
      }),
    );
    if (input.draft) {
      const name = input.draft.name ? ` for job \`${escapeMrkdwn(input.draft.name)}\`` : '';
      blocks.push(
        section(
          `*YAML*\nTaken from the message: ${input.draft.chars.toLocaleString('en-US')} characters${name}.`,
        ),
      );
    } else {
      blocks.push(
        textInput('yaml', 'YAML', values.yaml, {
          multiline: true,
          max: MAX_YAML_INPUT,
          placeholder: 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec: …',
          hint: 'One Kubernetes Job (apiVersion: batch/v1, kind: Job). Longer than 3,000 characters? Post it in a message and use the message shortcut Create job from YAML.',
        }),
      );
    }
  } else {
    blocks.push(
      textInput('name', 'Job name', values.name, {
        max: 52,
        placeholder: 'e.g. db-migrate',
        hint: 'Lower-case letters, digits and -, at most 52 characters.',
      }),
      textInput('description', 'Description', values.description, {
        multiline: true,
        optional: true,
        max: 500,
      }),
    );
    values.form.containers.forEach((c, i) => {
      blocks.push(...containerBlocks(c, i, values.form.containers.length));
    });
    blocks.push(containerButtons(values.form.containers.length));
    blocks.push(section('*Configuration*'));
    for (const key of ['activeDeadlineSeconds', 'completions', 'parallelism'] as const) {
      blocks.push(
        textInput(key, COUNT_LABELS[key], values.form[key], {
          optional: true,
          max: 10,
          hint: COUNT_HINTS[key],
        }),
      );
    }
    blocks.push(restartPolicyBlock(values.form.restartPolicy));
    blocks.push(
      textInput('volumes', 'Volumes', values.form.volumes, {
        multiline: true,
        optional: true,
        max: 3000,
        placeholder: 'cache=emptyDir',
        hint: 'One per line: NAME=emptyDir, NAME=configMap:CONFIGMAP, NAME=secret:SECRET or NAME=pvc:CLAIM.',
      }),
    );
  }
  const editing = meta.editing !== undefined;
  return {
    type: 'modal',
    callback_id: DEFINITION_CALLBACK,
    title: { type: 'plain_text', text: editing ? 'Edit job' : 'Create job' },
    submit: { type: 'plain_text', text: 'Save job' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

const COUNT_LABELS = {
  activeDeadlineSeconds: 'Active deadline seconds',
  completions: 'Completions',
  parallelism: 'Parallelism',
} as const;

function clusterBlock(input: DefinitionModalInput): Block {
  const options = input.clusters.slice(0, 100).map((name) => option(name));
  const initial = options.find((o) => o.value === input.values.cluster);
  if (options.length === 0) {
    return section(':warning: Jobbot has no cluster configured. Ask your Jobbot admins to set KUBECONFIG.');
  }
  return {
    type: 'input',
    block_id: 'cluster',
    dispatch_action: true,
    label: { type: 'plain_text', text: 'Cluster' },
    element: {
      type: 'static_select',
      action_id: ACTION_CLUSTER,
      placeholder: { type: 'plain_text', text: 'Select a cluster' },
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** Block id of the namespace input for a cluster; a new id makes Slack forget the old choice. */
export function namespaceBlockId(cluster: string): string {
  return clip(`namespace@${cluster}`, 255);
}

function namespaceBlock(input: DefinitionModalInput): Block {
  const blockId = namespaceBlockId(input.values.cluster);
  const label = { type: 'plain_text' as const, text: 'Namespace' };
  if (input.namespaces.length === 0) {
    // Without a list (no cluster chosen yet, or it could not be read) the person may still type it.
    return {
      type: 'input',
      block_id: blockId,
      label,
      hint: {
        type: 'plain_text',
        text: input.values.cluster
          ? `The namespaces of ${input.values.cluster} could not be listed; type the namespace.`
          : 'Select a cluster first to choose from its namespaces, or type the namespace.',
      },
      element: {
        type: 'plain_text_input',
        action_id: VALUE,
        max_length: 63,
        ...(input.values.namespace ? { initial_value: input.values.namespace } : {}),
      },
    };
  }
  const options = input.namespaces.slice(0, 100).map((name) => option(name));
  const initial = options.find((o) => o.value === input.values.namespace);
  return {
    type: 'input',
    block_id: blockId,
    label,
    element: {
      type: 'static_select',
      action_id: VALUE,
      placeholder: { type: 'plain_text', text: 'Select a namespace' },
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

function containerBlocks(c: ContainerForm, i: number, total: number): Block[] {
  const title = total > 1 ? `*Container ${i + 1}*` : '*Container*';
  return [section(title), ...containerInputs(c, i, CONTAINER_FIELDS)];
}

function containerButtons(count: number): Block {
  const elements: types.Button[] = [];
  if (count < MAX_CONTAINERS) {
    elements.push({
      type: 'button',
      action_id: ACTION_ADD_CONTAINER,
      text: { type: 'plain_text', text: 'Add container' },
    });
  }
  if (count > 1) {
    elements.push({
      type: 'button',
      action_id: ACTION_REMOVE_CONTAINER,
      text: { type: 'plain_text', text: 'Remove last container' },
    });
  }
  if (elements.length === 0)
    return context(`A job may have at most ${MAX_CONTAINERS} containers here; use YAML for more.`);
  return { type: 'actions', block_id: 'containers', elements };
}

function restartPolicyBlock(value: string): Block {
  const options = [option('Never'), option('OnFailure')];
  return {
    type: 'input',
    block_id: 'restartPolicy',
    label: { type: 'plain_text', text: 'Restart policy' },
    hint: {
      type: 'plain_text',
      text: 'Never: a failed pod is replaced by a new one. OnFailure: the container restarts in place.',
    },
    element: {
      type: 'static_select',
      action_id: VALUE,
      options,
      initial_option: options.find((o) => o.value === value) ?? options[0]!,
    },
  };
}
