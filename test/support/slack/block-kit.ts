// Pure Block Kit validation against Slack's documented limits, shared by the Slack emulator and by unit
// tests of our view builders. Each function returns Slack-style messages, e.g.
//   "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
// (the emulator prefixes "[ERROR] " as Slack does in response_metadata.messages). Surfaces: "message"
// (chat.postMessage/update, response_url), "modal" (views.open/push/update) and "home" (views.publish).
// Views are reported under /view/... because that is where Slack points for views.* calls.

import { checkContextElement, checkElement } from './block-kit-elements.js';
import { ACTIONS_ELEMENTS, INPUT_ELEMENTS, MAX, SECTION_ACCESSORIES } from './block-kit-specs.js';
import {
  checkArray,
  checkBoolean,
  checkProps,
  checkString,
  checkTextField,
  isObject,
  type JsonObject,
  Report,
} from './block-kit-util.js';

export type Surface = 'message' | 'modal' | 'home';

export const BLOCK_KIT_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  modalTitle: 24,
  privateMetadata: 3000,
  /** Slack says "greater than 250kb"; counting 250,000 UTF-8 bytes errs on the strict side. */
  viewBytes: 250_000,
  messageText: 40_000,
  ...MAX,
} as const;

const BLOCK_PROPS: Record<string, readonly string[]> = {
  section: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
  divider: ['type', 'block_id'],
  header: ['type', 'block_id', 'text', 'level'],
  context: ['type', 'block_id', 'elements'],
  actions: ['type', 'block_id', 'elements'],
  input: ['type', 'block_id', 'label', 'element', 'dispatch_action', 'hint', 'optional'],
  image: ['type', 'block_id', 'image_url', 'slack_file', 'alt_text', 'title'],
  rich_text: ['type', 'block_id', 'elements'],
  file: ['type', 'block_id', 'external_id', 'source'],
  markdown: ['type', 'block_id', 'text'],
  video: [
    'type',
    'block_id',
    'alt_text',
    'author_name',
    'description',
    'provider_icon_url',
    'provider_name',
    'title',
    'title_url',
    'thumbnail_url',
    'video_url',
  ],
};

/** Block types that only exist in messages. */
const MESSAGE_ONLY = ['file', 'markdown'];

export interface BlockOptions {
  /**
   * Input blocks in messages. Off by default (project rule: forms live in modals); note that Slack's
   * current reference lists input blocks as available in messages too.
   */
  allowInputInMessages?: boolean;
}

/** Validates the `blocks` array of a message (chat.postMessage, chat.update, response_url). */
export function validateMessageBlocks(blocks: unknown, opts: BlockOptions = {}): string[] {
  const r = new Report();
  checkBlockList(r, { blocks }, '', 'message', BLOCK_KIT_LIMITS.messageBlocks, opts);
  return r.errors;
}

/** Validates a view object for views.open/push/update ('modal') or views.publish ('home'). */
export function validateView(view: unknown, surface: 'modal' | 'home'): string[] {
  const r = new Report();
  const ptr = '/view';
  if (!isObject(view)) {
    r.add('must provide an object', ptr);
    return r.errors;
  }
  const bytes = Buffer.byteLength(JSON.stringify(view), 'utf8');
  if (bytes > BLOCK_KIT_LIMITS.viewBytes) {
    r.add(`view_too_large: ${bytes} bytes, more than ${BLOCK_KIT_LIMITS.viewBytes}`, ptr);
  }
  if (view.type === undefined) r.add('missing required field: type', ptr);
  else if (view.type !== surface) r.add('must be a valid enum value', `${ptr}/type`);
  if (surface === 'modal') {
    checkTextField(r, view, 'title', ptr, {
      max: BLOCK_KIT_LIMITS.modalTitle,
      required: true,
      plainOnly: true,
    });
    checkTextField(r, view, 'close', ptr, { max: BLOCK_KIT_LIMITS.modalTitle, plainOnly: true });
    checkTextField(r, view, 'submit', ptr, { max: BLOCK_KIT_LIMITS.modalTitle, plainOnly: true });
    checkBoolean(r, view, 'clear_on_close', ptr);
    checkBoolean(r, view, 'notify_on_close', ptr);
  }
  checkString(r, view, 'private_metadata', ptr, { max: BLOCK_KIT_LIMITS.privateMetadata });
  checkString(r, view, 'callback_id', ptr, { max: MAX.id });
  checkString(r, view, 'external_id', ptr, { max: MAX.id });
  const blocks = checkBlockList(r, view, ptr, surface, BLOCK_KIT_LIMITS.viewBlocks, {});
  if (surface === 'modal' && blocks && (view.submit === undefined || view.submit === null)) {
    const i = blocks.findIndex((b) => isObject(b) && b.type === 'input');
    if (i >= 0) r.add('must define `submit` to use an `input` block in modals', `${ptr}/blocks/${i}/input`);
  }
  return r.errors;
}

function checkBlockList(
  r: Report,
  holder: JsonObject,
  ptr: string,
  surface: Surface,
  max: number,
  opts: BlockOptions,
): unknown[] | undefined {
  const blocks = checkArray(r, holder, 'blocks', ptr, { max, required: true });
  if (!blocks) return undefined;
  const seenBlockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `${ptr}/blocks/${i}`;
    checkBlock(r, block, at, surface, opts);
    if (isObject(block) && typeof block.block_id === 'string') {
      if (seenBlockIds.has(block.block_id))
        r.add(`\`block_id\` "${block.block_id}" already exists`, `${at}/block_id`);
      seenBlockIds.add(block.block_id);
    }
  });
  return blocks;
}

function checkBlock(r: Report, block: unknown, ptr: string, surface: Surface, opts: BlockOptions): void {
  if (!isObject(block)) {
    r.add('must provide an object', ptr);
    return;
  }
  const type = block.type;
  if (typeof type !== 'string') {
    r.add('missing required field: type', ptr);
    return;
  }
  const props = BLOCK_PROPS[type];
  const wrongSurface =
    (surface !== 'message' && MESSAGE_ONLY.includes(type)) ||
    (surface === 'message' && type === 'input' && !opts.allowInputInMessages);
  if (!props || wrongSurface) {
    r.add(`unsupported type: ${type}`, `${ptr}/type`);
    return;
  }
  checkProps(r, block, props, ptr);
  checkString(r, block, 'block_id', ptr, { max: MAX.id, nonEmpty: true });
  switch (type) {
    case 'section':
      checkSection(r, block, ptr);
      return;
    case 'header':
      checkTextField(r, block, 'text', ptr, {
        max: BLOCK_KIT_LIMITS.headerText,
        required: true,
        plainOnly: true,
      });
      return;
    case 'context': {
      const elements = checkArray(r, block, 'elements', ptr, {
        min: 1,
        max: BLOCK_KIT_LIMITS.contextElements,
        required: true,
      });
      elements?.forEach((el, i) => {
        checkContextElement(r, el, `${ptr}/elements/${i}`);
      });
      return;
    }
    case 'actions':
      checkActions(r, block, ptr);
      return;
    case 'input':
      checkTextField(r, block, 'label', ptr, {
        max: BLOCK_KIT_LIMITS.inputLabel,
        required: true,
        plainOnly: true,
      });
      checkTextField(r, block, 'hint', ptr, { max: BLOCK_KIT_LIMITS.inputHint, plainOnly: true });
      checkBoolean(r, block, 'optional', ptr);
      checkBoolean(r, block, 'dispatch_action', ptr);
      if (block.element === undefined) r.add('missing required field: element', ptr);
      else checkElement(r, block.element, `${ptr}/element`, INPUT_ELEMENTS);
      return;
    case 'image':
      checkString(r, block, 'alt_text', ptr, { required: true, nonEmpty: true, max: 2000 });
      if (block.image_url === undefined && block.slack_file === undefined) {
        r.add('missing required field: image_url', ptr);
      }
      checkString(r, block, 'image_url', ptr, { max: MAX.url, nonEmpty: true });
      checkTextField(r, block, 'title', ptr, { max: 2000, plainOnly: true });
      return;
    case 'markdown':
      checkString(r, block, 'text', ptr, { required: true, nonEmpty: true, max: 12_000 });
      return;
    case 'rich_text':
      checkArray(r, block, 'elements', ptr, { required: true });
      return;
    case 'video':
      for (const field of ['alt_text', 'thumbnail_url', 'video_url']) {
        checkString(r, block, field, ptr, { required: true, nonEmpty: true });
      }
      checkTextField(r, block, 'title', ptr, { max: 200, required: true, plainOnly: true });
      checkTextField(r, block, 'description', ptr, { max: 200, plainOnly: true });
      checkString(r, block, 'author_name', ptr, { max: 50 });
      return;
    default:
      return;
  }
}

function checkSection(r: Report, block: JsonObject, ptr: string): void {
  if (block.text === undefined && block.fields === undefined) {
    r.add('must define either `text` or `fields`', `${ptr}/type`);
  }
  checkTextField(r, block, 'text', ptr, { max: BLOCK_KIT_LIMITS.sectionText });
  const fields = checkArray(r, block, 'fields', ptr, { min: 1, max: BLOCK_KIT_LIMITS.sectionFields });
  fields?.forEach((_field, i) => {
    checkTextField(r, fields as unknown as JsonObject, String(i), `${ptr}/fields`, {
      max: BLOCK_KIT_LIMITS.sectionFieldText,
      required: true,
    });
  });
  checkBoolean(r, block, 'expand', ptr);
  if (block.accessory !== undefined)
    checkElement(r, block.accessory, `${ptr}/accessory`, SECTION_ACCESSORIES);
}

function checkActions(r: Report, block: JsonObject, ptr: string): void {
  const elements = checkArray(r, block, 'elements', ptr, {
    min: 1,
    max: BLOCK_KIT_LIMITS.actionsElements,
    required: true,
  });
  const seen = new Set<string>();
  elements?.forEach((el, i) => {
    const at = `${ptr}/elements/${i}`;
    checkElement(r, el, at, ACTIONS_ELEMENTS);
    if (isObject(el) && typeof el.action_id === 'string') {
      // Slack refuses a repeated action_id inside one block with exactly this wording.
      if (seen.has(el.action_id)) r.add(`\`action_id\` "${el.action_id}" already exists`, `${at}/action_id`);
      seen.add(el.action_id);
    }
  });
}
