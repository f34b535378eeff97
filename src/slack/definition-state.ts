/**
 * Reading the Create/Edit job modal back: its private_metadata (validated with zod, since it comes
 * back from Slack's side) and its `view.state.values` into the values the modal was built from, and
 * turning field errors into Slack's `response_action: errors` map keyed by the blocks that exist.
 */
import { z } from 'zod';
import {
  CONTAINER_FIELDS,
  type ContainerForm,
  emptyContainerForm,
  type FieldError,
  formKeyForPath,
} from '../domain/definition/index.js';
import {
  type DefinitionModalMeta,
  type DefinitionModalValues,
  MAX_CONTAINERS,
} from './views/definition-modal.js';

const metaSchema = z.object({
  mode: z.enum(['yaml', 'form']),
  containers: z.number().int().min(1).max(MAX_CONTAINERS),
  editing: z.object({ name: z.string(), revision: z.number().int() }).optional(),
  channel: z.string(),
  draftId: z.number().int().optional(),
});

export function parseMeta(text: string | undefined): DefinitionModalMeta {
  return metaSchema.parse(JSON.parse(text || '{}'));
}

type StateValues = Record<
  string,
  Record<
    string,
    {
      type?: string;
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_conversation?: string | null;
    }
  >
>;

/** The base field a block holds: `namespace@alpha` holds `namespace`. */
function fieldOf(blockId: string): string {
  return blockId.split('@')[0]!;
}

export function readValues(state: StateValues | undefined, containers: number): DefinitionModalValues {
  const fields = new Map<string, string>();
  for (const [blockId, actions] of Object.entries(state ?? {})) {
    for (const action of Object.values(actions)) {
      const value = action.selected_option?.value ?? action.selected_conversation ?? action.value ?? '';
      fields.set(fieldOf(blockId), value ?? '');
    }
  }
  const get = (key: string) => fields.get(key) ?? '';
  const list: ContainerForm[] = [];
  for (let i = 0; i < containers; i++) {
    const c = emptyContainerForm();
    for (const f of CONTAINER_FIELDS) c[f] = get(`c${i}.${f}`);
    list.push(c);
  }
  return {
    channel: get('channel'),
    cluster: get('cluster'),
    namespace: get('namespace'),
    name: get('name'),
    description: get('description'),
    yaml: get('yaml'),
    form: {
      containers: list,
      restartPolicy: get('restartPolicy') || 'Never',
      completions: get('completions'),
      parallelism: get('parallelism'),
      activeDeadlineSeconds: get('activeDeadlineSeconds'),
      volumes: get('volumes'),
    },
  };
}

/**
 * Slack shows an error only under an input block that is in the view. Each error goes to the block of
 * its field; in YAML mode template errors go under the YAML (with their line); anything else goes under
 * the first input, so no error is ever dropped.
 */
export function errorsByBlock(
  errors: FieldError[],
  blockIds: string[],
  mode: 'yaml' | 'form',
): Record<string, string> {
  const byField = new Map(blockIds.map((id) => [fieldOf(id), id]));
  const fallback =
    mode === 'yaml' ? (byField.get('yaml') ?? blockIds[0]) : (byField.get('name') ?? blockIds[0]);
  const out: Record<string, string> = {};
  for (const e of errors) {
    const key = mode === 'form' ? formFieldKey(e.path) : yamlFieldKey(e.path);
    const block = (key && byField.get(key)) || fallback;
    if (!block) continue;
    const line = e.line !== undefined && !/\bline \d/i.test(e.message) ? `Line ${e.line}: ` : '';
    const text = `${line}${e.message}`;
    out[block] = out[block] ? `${out[block]} ${text}` : text;
  }
  for (const k of Object.keys(out)) out[k] = out[k]!.length > 2000 ? `${out[k]!.slice(0, 1999)}…` : out[k]!;
  return out;
}

function formFieldKey(path: string): string | undefined {
  const key = formKeyForPath(path) ?? path;
  const m = /^containers\[(\d+)\]\.(\w+)$/.exec(key);
  if (m) return `c${m[1]}.${m[2]}`;
  if (key === 'containers') return 'c0.name';
  return key;
}

function yamlFieldKey(path: string): string | undefined {
  if (['cluster', 'namespace', 'description'].includes(path)) return path;
  if (path === 'metadata.namespace') return 'yaml';
  return 'yaml';
}
