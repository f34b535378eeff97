/**
 * Label and field selectors as the API server parses them from `labelSelector` / `fieldSelector`.
 *
 * Label grammar (comma = AND): `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
 * `k>1`, `k<1`. Field selectors allow only `=`, `==`, `!=` on the fields each resource supports.
 */

import { badRequest } from './status.js';
import type { KubeObject, ResourceName } from './types.js';

type LabelRequirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'gt' | 'lt'; key: string; value: number };

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?';

export function parseLabelSelector(raw: string | null | undefined): LabelSelector {
  if (!raw) return [];
  const out: LabelSelector = [];
  for (const part of splitTopLevel(raw)) {
    let m = new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`).exec(part);
    if (m) {
      const values = m[4]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      out.push({ op: m[3] as 'in' | 'notin', key: m[1]!, values });
      continue;
    }
    m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`).exec(part);
    if (m) {
      const value = m[4] ?? '';
      out.push({ op: m[3] === '!=' ? 'notin' : 'in', key: m[1]!, values: [value] });
      continue;
    }
    m = new RegExp(`^(${KEY})\\s*([<>])\\s*(-?\\d+)$`).exec(part);
    if (m) {
      out.push({ op: m[3] === '>' ? 'gt' : 'lt', key: m[1]!, value: Number(m[4]) });
      continue;
    }
    m = new RegExp(`^(!?)\\s*(${KEY})$`).exec(part);
    if (m) {
      out.push({ op: m[1] ? '!exists' : 'exists', key: m[2]! });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: valid label selector`);
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((req) => {
    const has = Object.hasOwn(l, req.key);
    const value = l[req.key];
    switch (req.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && req.values.includes(value ?? '');
      case 'notin':
        return !has || !req.values.includes(value ?? '');
      case 'gt':
        return has && Number(value) > req.value;
      case 'lt':
        return has && Number(value) < req.value;
    }
    return false;
  });
}

/** A label selector object (matchLabels/matchExpressions) as the Job spec carries it. */
export function selectorFromSpec(spec: unknown): LabelSelector {
  if (typeof spec !== 'object' || spec === null) return [];
  const { matchLabels, matchExpressions } = spec as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const out: LabelSelector = [];
  for (const [key, value] of Object.entries(matchLabels ?? {})) out.push({ op: 'in', key, values: [value] });
  for (const expr of matchExpressions ?? []) {
    const op = expr.operator;
    if (op === 'In') out.push({ op: 'in', key: expr.key, values: expr.values ?? [] });
    else if (op === 'NotIn') out.push({ op: 'notin', key: expr.key, values: expr.values ?? [] });
    else if (op === 'Exists') out.push({ op: 'exists', key: expr.key });
    else if (op === 'DoesNotExist') out.push({ op: '!exists', key: expr.key });
  }
  return out;
}

/** Renders a selector object the way kubectl's wide output and `describe` show it. */
export function formatSelectorSpec(spec: unknown): string {
  if (typeof spec !== 'object' || spec === null) return '<none>';
  const { matchLabels } = spec as { matchLabels?: Record<string, string> };
  const parts = Object.entries(matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(',') : '<none>';
}

interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

export type FieldSelector = FieldRequirement[];

const FIELDS: Record<ResourceName, Record<string, (o: KubeObject) => string>> = {
  namespaces: { 'status.phase': (o) => String((o.status as { phase?: string })?.phase ?? '') },
  jobs: { 'status.successful': (o) => String((o.status as { succeeded?: number })?.succeeded ?? 0) },
  pods: {
    'spec.nodeName': (o) => String((o.spec as { nodeName?: string })?.nodeName ?? ''),
    'spec.restartPolicy': (o) => String((o.spec as { restartPolicy?: string })?.restartPolicy ?? ''),
    'spec.schedulerName': (o) => String((o.spec as { schedulerName?: string })?.schedulerName ?? ''),
    'spec.serviceAccountName': (o) =>
      String((o.spec as { serviceAccountName?: string })?.serviceAccountName ?? ''),
    'status.phase': (o) => String((o.status as { phase?: string })?.phase ?? ''),
    'status.podIP': (o) => String((o.status as { podIP?: string })?.podIP ?? ''),
  },
  events: {
    'involvedObject.kind': (o) => String((o.involvedObject as { kind?: string })?.kind ?? ''),
    'involvedObject.name': (o) => String((o.involvedObject as { name?: string })?.name ?? ''),
    'involvedObject.namespace': (o) => String((o.involvedObject as { namespace?: string })?.namespace ?? ''),
    'involvedObject.uid': (o) => String((o.involvedObject as { uid?: string })?.uid ?? ''),
    reason: (o) => String(o.reason ?? ''),
    type: (o) => String(o.type ?? ''),
  },
};

function fieldValue(resource: ResourceName, obj: KubeObject, field: string): string {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  const getter = FIELDS[resource][field];
  return getter ? getter(obj) : '';
}

export function parseFieldSelector(resource: ResourceName, raw: string | null | undefined): FieldSelector {
  if (!raw) return [];
  const out: FieldSelector = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${raw}'; can't understand '${part}'`);
    const field = m[1]!;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !FIELDS[resource][field]) {
      throw badRequest(`field label not supported: ${field}`);
    }
    out.push({ field, value: m[3]!, negate: m[2] === '!=' });
  }
  return out;
}

export function matchesFields(resource: ResourceName, selector: FieldSelector, obj: KubeObject): boolean {
  return selector.every((req) => (fieldValue(resource, obj, req.field) === req.value) !== req.negate);
}
