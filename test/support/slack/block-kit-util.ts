// Block Kit validation primitives shared by the block and element checkers.
// Glossary: a "pointer" is the JSON pointer Slack appends to each error ([json-pointer:/blocks/0/text]);
// a "report" collects Slack-style messages ("must be less than 3001 characters [json-pointer:...]").
// Wording follows what Slack's API actually answers (seen in response_metadata.messages), so tests can
// compare against real error strings.

export type JsonObject = Record<string, unknown>;

export class Report {
  readonly errors: string[] = [];

  add(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Slack limits are stated in characters; counting code points keeps an emoji from counting twice.
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function checkProps(r: Report, obj: JsonObject, allowed: readonly string[], ptr: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) r.add(`invalid additional property: ${key}`, ptr);
  }
}

export interface StringRule {
  max?: number;
  required?: boolean;
  nonEmpty?: boolean;
}

export function checkString(r: Report, obj: JsonObject, field: string, ptr: string, rule: StringRule): void {
  const value = obj[field];
  if (value === undefined || value === null) {
    if (rule.required) r.add(`missing required field: ${field}`, ptr);
    return;
  }
  const at = `${ptr}/${field}`;
  if (typeof value !== 'string') {
    r.add('must provide a string', at);
    return;
  }
  const n = charCount(value);
  if (rule.nonEmpty && n === 0) r.add('must be more than 0 characters', at);
  if (rule.max !== undefined && n > rule.max) r.add(`must be less than ${rule.max + 1} characters`, at);
}

export interface ArrayRule {
  min?: number;
  max?: number;
  required?: boolean;
}

export function checkArray(
  r: Report,
  obj: JsonObject,
  field: string,
  ptr: string,
  rule: ArrayRule,
): unknown[] | undefined {
  const value = obj[field];
  if (value === undefined || value === null) {
    if (rule.required) r.add(`missing required field: ${field}`, ptr);
    return undefined;
  }
  const at = `${ptr}/${field}`;
  if (!Array.isArray(value)) {
    r.add('must provide an array', at);
    return undefined;
  }
  if (rule.min !== undefined && value.length < rule.min) r.add(`must provide at least ${rule.min} items`, at);
  if (rule.max !== undefined && value.length > rule.max) r.add(`no more than ${rule.max} items allowed`, at);
  return value;
}

export function checkEnum(
  r: Report,
  obj: JsonObject,
  field: string,
  ptr: string,
  values: readonly string[],
): void {
  const value = obj[field];
  if (value === undefined) return;
  if (typeof value !== 'string' || !values.includes(value))
    r.add('must be a valid enum value', `${ptr}/${field}`);
}

export function checkBoolean(r: Report, obj: JsonObject, field: string, ptr: string): void {
  const value = obj[field];
  if (value !== undefined && typeof value !== 'boolean') r.add('must provide a boolean', `${ptr}/${field}`);
}

export function checkInteger(
  r: Report,
  obj: JsonObject,
  field: string,
  ptr: string,
  range: { min?: number; max?: number },
): void {
  const value = obj[field];
  if (value === undefined) return;
  const at = `${ptr}/${field}`;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    r.add('must provide an integer', at);
    return;
  }
  if (range.min !== undefined && value < range.min)
    r.add(`must be greater than or equal to ${range.min}`, at);
  if (range.max !== undefined && value > range.max) r.add(`must be less than or equal to ${range.max}`, at);
}

export interface TextRule {
  max: number;
  required?: boolean;
  plainOnly?: boolean;
}

const PLAIN_TEXT_PROPS = ['type', 'text', 'emoji'] as const;
const MRKDWN_PROPS = ['type', 'text', 'verbatim'] as const;

/** Checks a text composition object stored at obj[field]. */
export function checkTextField(r: Report, obj: JsonObject, field: string, ptr: string, rule: TextRule): void {
  const value = obj[field];
  if (value === undefined || value === null) {
    if (rule.required) r.add(`missing required field: ${field}`, ptr);
    return;
  }
  checkTextObject(r, value, `${ptr}/${field}`, rule);
}

export function checkTextObject(r: Report, value: unknown, at: string, rule: TextRule): void {
  if (!isObject(value)) {
    r.add('must provide an object', at);
    return;
  }
  const type = value.type;
  if (type === undefined) {
    r.add('missing required field: type', at);
  } else if (type !== 'plain_text' && (rule.plainOnly || type !== 'mrkdwn')) {
    r.add('must be a valid enum value', `${at}/type`);
    return;
  }
  checkProps(r, value, type === 'mrkdwn' ? MRKDWN_PROPS : PLAIN_TEXT_PROPS, at);
  checkString(r, value, 'text', at, { required: true, nonEmpty: true, max: rule.max });
}
