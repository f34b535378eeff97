// Builds `view.state.values` the way the Slack client does when a user fills in a modal: one entry
// per input block ({block_id: {action_id: {type, value | selected_*}}}), starting from the elements'
// initial values. Tests address inputs by their label text (or block_id). The client refuses to
// submit an empty required input or a value breaking min/max length, so those throw here.

import type { JsonObject, SlackState } from './state.js';

/** What a test types or picks: text, a number, an option value/text, several of them, or nothing. */
export type UserValue = string | number | string[] | { text: string; value: string } | null;

type Option = { text: JsonObject; value: string; description?: JsonObject };

function textOf(t: unknown): string {
  return typeof t === 'object' && t !== null ? String((t as JsonObject).text ?? '') : '';
}

function optionsOf(el: JsonObject): Option[] {
  const direct = (el.options as Option[] | undefined) ?? [];
  const grouped = ((el.option_groups as Array<{ options: Option[] }> | undefined) ?? []).flatMap(
    (g) => g.options,
  );
  return [...direct, ...grouped];
}

function pickOption(el: JsonObject, wanted: string | { text: string; value: string }, label: string): Option {
  if (String(el.type).includes('external')) {
    const opt = typeof wanted === 'string' ? { text: wanted, value: wanted } : wanted;
    return { text: { type: 'plain_text', text: opt.text, emoji: true }, value: opt.value };
  }
  const key = typeof wanted === 'string' ? wanted : wanted.value;
  const options = optionsOf(el);
  const found = options.find((o) => o.value === key) ?? options.find((o) => textOf(o.text) === key);
  if (!found) {
    const list = options.map((o) => `${o.value} ("${textOf(o.text)}")`).join(', ');
    throw new Error(`"${label}": no option "${key}" in ${el.type}; options are: ${list}`);
  }
  return structuredClone(found);
}

function asList(value: UserValue): Array<string | { text: string; value: string }> {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'number') return [String(value)];
  return [value];
}

function single(value: UserValue, label: string): string | null {
  if (value === null) return null;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  throw new Error(`"${label}" takes a single text value`);
}

/** The element's state when the user leaves it as it was rendered. */
export function initialState(el: JsonObject): JsonObject {
  const type = String(el.type);
  const base: JsonObject = { type };
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { ...base, selected_option: el.initial_option ?? null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { ...base, selected_options: el.initial_options ?? [] };
    case 'users_select':
      return { ...base, selected_user: el.initial_user ?? null };
    case 'multi_users_select':
      return { ...base, selected_users: el.initial_users ?? [] };
    case 'conversations_select':
      return { ...base, selected_conversation: el.initial_conversation ?? null };
    case 'multi_conversations_select':
      return { ...base, selected_conversations: el.initial_conversations ?? [] };
    case 'channels_select':
      return { ...base, selected_channel: el.initial_channel ?? null };
    case 'multi_channels_select':
      return { ...base, selected_channels: el.initial_channels ?? [] };
    case 'datepicker':
      return { ...base, selected_date: el.initial_date ?? null };
    case 'timepicker':
      return { ...base, selected_time: el.initial_time ?? null };
    case 'datetimepicker':
      return { ...base, selected_date_time: el.initial_date_time ?? null };
    default:
      return { ...base, value: el.initial_value ?? null };
  }
}

function resolveUser(state: SlackState, ref: string, label: string): string {
  const user = state.users.get(ref) ?? [...state.users.values()].find((u) => u.name === ref);
  if (!user) throw new Error(`"${label}": no user "${ref}" in the emulated workspace`);
  return user.id;
}

function resolveChannel(state: SlackState, ref: string, label: string): string {
  const channel = state.resolveChannel(ref);
  if (!channel) throw new Error(`"${label}": no conversation "${ref}" in the emulated workspace`);
  return channel.id;
}

/** The element's state after the user entered `value`. */
export function stateFor(state: SlackState, el: JsonObject, value: UserValue, label: string): JsonObject {
  const type = String(el.type);
  const base: JsonObject = { type };
  const list = () => asList(value).map((v) => (typeof v === 'string' ? v : v.value));
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
    case 'overflow': {
      const v = Array.isArray(value) ? value[0] : value;
      if (v === null || v === undefined) return { ...base, selected_option: null };
      return { ...base, selected_option: pickOption(el, typeof v === 'object' ? v : String(v), label) };
    }
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { ...base, selected_options: asList(value).map((v) => pickOption(el, v, label)) };
    case 'users_select': {
      const v = single(value, label);
      return { ...base, selected_user: v === null ? null : resolveUser(state, v, label) };
    }
    case 'multi_users_select':
      return { ...base, selected_users: list().map((v) => resolveUser(state, v, label)) };
    case 'conversations_select':
    case 'channels_select': {
      const v = single(value, label);
      const key = type === 'channels_select' ? 'selected_channel' : 'selected_conversation';
      return { ...base, [key]: v === null ? null : resolveChannel(state, v, label) };
    }
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const key = type === 'multi_channels_select' ? 'selected_channels' : 'selected_conversations';
      return { ...base, [key]: list().map((v) => resolveChannel(state, v, label)) };
    }
    case 'datepicker':
      return { ...base, selected_date: single(value, label) };
    case 'timepicker':
      return { ...base, selected_time: single(value, label) };
    case 'datetimepicker':
      return { ...base, selected_date_time: value === null ? null : Number(value) };
    case 'rich_text_input': {
      const text = single(value, label);
      const section = { type: 'rich_text_section', elements: [{ type: 'text', text }] };
      return { ...base, rich_text_value: text === null ? null : { type: 'rich_text', elements: [section] } };
    }
    case 'file_input':
      throw new Error(`"${label}": file_input is not emulated`);
    default:
      return { ...base, value: single(value, label) };
  }
}

function isEmpty(s: JsonObject): boolean {
  const v = Object.entries(s).find(([k]) => k !== 'type')?.[1];
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** What the client checks before letting the user press Submit. */
function checkSubmittable(block: JsonObject, el: JsonObject, s: JsonObject, label: string): void {
  if (isEmpty(s)) {
    if (block.optional !== true) throw new Error(`"${label}" is required: Slack would not submit the form`);
    return;
  }
  const value = typeof s.value === 'string' ? s.value : undefined;
  if (value === undefined) return;
  if (el.type === 'plain_text_input') {
    if (typeof el.max_length === 'number' && value.length > el.max_length) {
      throw new Error(
        `"${label}" is longer than max_length ${el.max_length}: Slack would not submit the form`,
      );
    }
    if (typeof el.min_length === 'number' && value.length < el.min_length) {
      throw new Error(
        `"${label}" is shorter than min_length ${el.min_length}: Slack would not submit the form`,
      );
    }
  }
  if (el.type === 'number_input') {
    const n = Number(value);
    const bad =
      Number.isNaN(n) ||
      (el.is_decimal_allowed !== true && !Number.isInteger(n)) ||
      (el.min_value !== undefined && n < Number(el.min_value)) ||
      (el.max_value !== undefined && n > Number(el.max_value));
    if (bad)
      throw new Error(`"${label}": ${value} is not an accepted number: Slack would not submit the form`);
  }
}

export interface InputBlockRef {
  block: JsonObject;
  element: JsonObject;
  blockId: string;
  actionId: string;
  label: string;
}

export function inputBlocks(view: JsonObject): InputBlockRef[] {
  return ((view.blocks as JsonObject[] | undefined) ?? [])
    .filter((b) => b.type === 'input' && typeof b.element === 'object')
    .map((block) => {
      const element = block.element as JsonObject;
      return {
        block,
        element,
        blockId: String(block.block_id),
        actionId: String(element.action_id ?? ''),
        label: textOf(block.label),
      };
    });
}

export type StateValues = Record<string, Record<string, JsonObject>>;

/**
 * state.values for a view: what the user had entered before (`previous`), overridden by `values`
 * (keyed by label or block_id). With `forSubmit`, refuses what the client would refuse.
 */
export function buildViewState(
  state: SlackState,
  view: JsonObject,
  values: Record<string, UserValue>,
  opts: { forSubmit: boolean; previous?: StateValues },
): StateValues {
  const inputs = inputBlocks(view);
  for (const key of Object.keys(values)) {
    const matching = inputs.filter((i) => i.label === key || i.blockId === key);
    if (matching.length === 0) {
      const labels = inputs.map((i) => `"${i.label}"`).join(', ') || 'none';
      throw new Error(`no input labelled "${key}" in view ${view.id}; its input labels are: ${labels}`);
    }
    if (matching.length > 1)
      throw new Error(`several inputs are labelled "${key}": address them by block_id`);
  }
  const result: StateValues = structuredClone(opts.previous ?? {});
  for (const input of inputs) {
    const key = input.label in values ? input.label : input.blockId in values ? input.blockId : undefined;
    const before = result[input.blockId]?.[input.actionId];
    const s =
      key !== undefined
        ? stateFor(state, input.element, values[key] as UserValue, input.label)
        : (before ?? initialState(input.element));
    if (opts.forSubmit) checkSubmittable(input.block, input.element, s, input.label);
    result[input.blockId] = { ...result[input.blockId], [input.actionId]: s };
  }
  return result;
}
