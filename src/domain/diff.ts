/**
 * What changed between two revisions of a template, as lines a person reads in `/job show
 * --revisions`: `spec.template.spec.containers[0].image: "perl:5.34" → "perl:5.36"`. Leaves are
 * compared by value; a long list of changes is cut with a count of the rest.
 */
const MAX_LINES = 30;
const MAX_VALUE = 80;

export function diffTemplates(before: unknown, after: unknown): string[] {
  const a = flatten(before, '');
  const b = flatten(after, '');
  const lines: string[] = [];
  for (const [path, value] of b) {
    const old = a.get(path);
    if (old === undefined) lines.push(`${path}: added ${show(value)}`);
    else if (old !== value) lines.push(`${path}: ${show(old)} → ${show(value)}`);
  }
  for (const path of a.keys()) if (!b.has(path)) lines.push(`${path}: removed`);
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `and ${lines.length - MAX_LINES} more changes`];
}

function flatten(value: unknown, path: string, out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, '[]');
    value.forEach((v, i) => {
      flatten(v, `${path}[${i}]`, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && path) out.set(path, '{}');
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

function show(json: string): string {
  return json.length > MAX_VALUE ? `${json.slice(0, MAX_VALUE - 1)}…` : json;
}
