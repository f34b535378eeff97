// Block elements (buttons, selects, inputs...) and the composition objects they carry (options,
// option groups, confirmation dialogs), checked against the limits in Slack's Block Kit reference.
// Property lists are the documented ones: Slack refuses an unknown property ("invalid additional
// property"), so a typo in a builder fails here as it would against the real API.

import { ELEMENT_PROPS, MAX } from './block-kit-specs.js';
import {
  checkArray,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkProps,
  checkString,
  checkTextField,
  checkTextObject,
  isObject,
  type JsonObject,
  type Report,
} from './block-kit-util.js';

/** Checks one element; `allowed` is the list of element types the containing block accepts. */
export function checkElement(r: Report, el: unknown, ptr: string, allowed: readonly string[]): void {
  if (!isObject(el)) {
    r.add('must provide an object', ptr);
    return;
  }
  const type = el.type;
  if (typeof type !== 'string') {
    r.add('missing required field: type', ptr);
    return;
  }
  const props = ELEMENT_PROPS[type];
  if (!props || !allowed.includes(type)) {
    r.add(`unsupported type: ${type}`, `${ptr}/type`);
    return;
  }
  checkProps(r, el, props, ptr);
  checkString(r, el, 'action_id', ptr, { max: MAX.id, nonEmpty: true });
  if (el.confirm !== undefined) checkConfirm(r, el.confirm, `${ptr}/confirm`);
  if (el.placeholder !== undefined)
    checkTextField(r, el, 'placeholder', ptr, { max: MAX.placeholder, plainOnly: true });
  checkBoolean(r, el, 'focus_on_load', ptr);
  checkByType(r, type, el, ptr);
}

function checkByType(r: Report, type: string, el: JsonObject, ptr: string): void {
  switch (type) {
    case 'button':
      checkTextField(r, el, 'text', ptr, { max: MAX.buttonText, required: true, plainOnly: true });
      checkString(r, el, 'value', ptr, { max: MAX.buttonValue });
      checkString(r, el, 'url', ptr, { max: MAX.url });
      checkString(r, el, 'accessibility_label', ptr, { max: 75 });
      checkEnum(r, el, 'style', ptr, ['primary', 'danger']);
      return;
    case 'workflow_button':
      checkTextField(r, el, 'text', ptr, { max: MAX.buttonText, required: true, plainOnly: true });
      checkEnum(r, el, 'style', ptr, ['primary', 'danger']);
      if (el.workflow === undefined) r.add('missing required field: workflow', ptr);
      return;
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(r, el, 'options', ptr, { max: MAX.choiceOptions, min: 1, required: true, mrkdwn: true });
      checkOptions(r, el, 'initial_options', ptr, { max: MAX.choiceOptions, mrkdwn: true });
      if (el.initial_option !== undefined)
        checkOption(r, el.initial_option, `${ptr}/initial_option`, true, false);
      return;
    case 'overflow':
      checkOptions(r, el, 'options', ptr, { max: 5, min: 2, required: true, urls: true });
      return;
    case 'static_select':
    case 'multi_static_select':
      checkStaticSelect(r, el, ptr);
      return;
    case 'plain_text_input':
      checkInteger(r, el, 'max_length', ptr, { min: 1, max: MAX.textInputLength });
      checkInteger(r, el, 'min_length', ptr, { min: 0, max: MAX.textInputLength });
      checkString(r, el, 'initial_value', ptr, {});
      checkBoolean(r, el, 'multiline', ptr);
      return;
    case 'number_input':
      if (el.is_decimal_allowed === undefined) r.add('missing required field: is_decimal_allowed', ptr);
      checkBoolean(r, el, 'is_decimal_allowed', ptr);
      return;
    case 'image':
      checkString(r, el, 'alt_text', ptr, { required: true, nonEmpty: true, max: 2000 });
      if (el.image_url === undefined && el.slack_file === undefined)
        r.add('missing required field: image_url', ptr);
      checkString(r, el, 'image_url', ptr, { max: MAX.url, nonEmpty: true });
      return;
    case 'datepicker':
      if (typeof el.initial_date === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(el.initial_date)) {
        r.add('must match format "YYYY-MM-DD"', `${ptr}/initial_date`);
      }
      return;
    default:
      if (type.startsWith('multi_')) checkInteger(r, el, 'max_selected_items', ptr, { min: 1 });
  }
}

function checkStaticSelect(r: Report, el: JsonObject, ptr: string): void {
  if (el.options === undefined && el.option_groups === undefined)
    r.add('missing required field: options', ptr);
  checkOptions(r, el, 'options', ptr, { max: MAX.staticOptions, min: 1 });
  const groups = checkArray(r, el, 'option_groups', ptr, { max: MAX.staticOptions, min: 1 });
  groups?.forEach((group, i) => {
    const at = `${ptr}/option_groups/${i}`;
    if (!isObject(group)) {
      r.add('must provide an object', at);
      return;
    }
    checkProps(r, group, ['label', 'options'], at);
    checkTextField(r, group, 'label', at, { max: 75, required: true, plainOnly: true });
    checkOptions(r, group, 'options', at, { max: MAX.staticOptions, min: 1, required: true });
  });
  if (el.initial_option !== undefined)
    checkOption(r, el.initial_option, `${ptr}/initial_option`, false, false);
  checkOptions(r, el, 'initial_options', ptr, { max: MAX.staticOptions });
  checkInteger(r, el, 'max_selected_items', ptr, { min: 1 });
}

interface OptionsRule {
  max: number;
  min?: number;
  required?: boolean;
  mrkdwn?: boolean;
  urls?: boolean;
}

function checkOptions(r: Report, obj: JsonObject, field: string, ptr: string, rule: OptionsRule): void {
  const list = checkArray(r, obj, field, ptr, rule);
  list?.forEach((option, i) => {
    checkOption(r, option, `${ptr}/${field}/${i}`, rule.mrkdwn ?? false, rule.urls ?? false);
  });
}

/** Option object: plain_text only in menus, mrkdwn also allowed in checkboxes and radio buttons. */
function checkOption(r: Report, option: unknown, at: string, mrkdwn: boolean, urls: boolean): void {
  if (!isObject(option)) {
    r.add('must provide an object', at);
    return;
  }
  checkProps(
    r,
    option,
    urls ? ['text', 'value', 'description', 'url'] : ['text', 'value', 'description'],
    at,
  );
  checkTextField(r, option, 'text', at, { max: MAX.optionText, required: true, plainOnly: !mrkdwn });
  checkString(r, option, 'value', at, { max: MAX.optionValue, required: true });
  checkTextField(r, option, 'description', at, { max: MAX.optionText, plainOnly: !mrkdwn });
  if (urls) checkString(r, option, 'url', at, { max: MAX.url });
}

function checkConfirm(r: Report, confirm: unknown, at: string): void {
  if (!isObject(confirm)) {
    r.add('must provide an object', at);
    return;
  }
  checkProps(r, confirm, ['title', 'text', 'confirm', 'deny', 'style'], at);
  checkTextField(r, confirm, 'title', at, { max: 100, required: true, plainOnly: true });
  checkTextField(r, confirm, 'text', at, { max: 300, required: true });
  checkTextField(r, confirm, 'confirm', at, { max: 30, required: true, plainOnly: true });
  checkTextField(r, confirm, 'deny', at, { max: 30, required: true, plainOnly: true });
  checkEnum(r, confirm, 'style', at, ['primary', 'danger']);
}

/** A context block holds images and text objects only. */
export function checkContextElement(r: Report, el: unknown, ptr: string): void {
  if (isObject(el) && (el.type === 'plain_text' || el.type === 'mrkdwn')) {
    checkTextObject(r, el, ptr, { max: 3000 });
    return;
  }
  checkElement(r, el, ptr, ['image']);
}
