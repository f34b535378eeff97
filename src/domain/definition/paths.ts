/**
 * Manifest paths as used in FieldError: dotted fields and [index] for list items, e.g.
 * `spec.template.spec.containers[1].name`.
 */

export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** `spec.template.spec.containers[1].name` → ['spec', 'template', 'spec', 'containers', 1, 'name']. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return segments;
}

/** Neither missing nor YAML null (`field:` with nothing after it). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
