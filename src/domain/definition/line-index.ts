/**
 * Which YAML line a manifest path came from, so an error can say "line 12". js-yaml has no position
 * API, but its `listener` option reports every node as it opens and closes; a closed mapping's
 * children arrive as key, value, key, value, so recording each key's line against the mapping object
 * gives a path → line index. Values that are scalars have no identity, so paths resolve through the
 * objects that hold them; a path whose last field is missing resolves to the line of its parent.
 *
 * Good enough for messages, not exact: a key without a value inside a flow mapping (`{a, b: 1}`)
 * shifts the pairing, and a value reached through an alias reports its anchor's line.
 */
import type { State } from 'js-yaml';
import { pathSegments } from './paths.js';

interface Child {
  line: number;
  result: unknown;
}

interface Frame {
  line: number;
  children: Child[];
}

interface Lines {
  line: number;
  keys: Map<string, number>;
  items: number[];
}

export type LineOf = (path: string) => number | undefined;

export function lineRecorder(): {
  listener: (event: 'open' | 'close', state: State) => void;
  lineOf: (root: unknown) => LineOf;
} {
  const stack: Frame[] = [];
  const lines = new WeakMap<object, Lines>();

  const listener = (event: 'open' | 'close', state: State): void => {
    if (event === 'open') {
      stack.push({ line: state.line + 1, children: [] });
      return;
    }
    const frame = stack.pop();
    if (frame === undefined) return;
    const result: unknown = state.result;
    stack.at(-1)?.children.push({ line: frame.line, result });
    // An alias closes with the anchored object, which was indexed where it was defined.
    if (typeof result !== 'object' || result === null || lines.has(result)) return;
    // A node opens before the space in front of it is skipped; its first child is where it starts.
    const entry: Lines = { line: frame.children[0]?.line ?? frame.line, keys: new Map(), items: [] };
    if (Array.isArray(result) && state.kind === 'sequence') {
      entry.items = frame.children.map((c) => c.line);
    } else if (!Array.isArray(result) && state.kind === 'mapping') {
      recordKeys(entry.keys, frame.children, result as Record<string, unknown>);
    }
    lines.set(result, entry);
  };

  const lineOf =
    (root: unknown): LineOf =>
    (path) => {
      let current = root;
      let line: number | undefined;
      for (const segment of pathSegments(path)) {
        if (typeof current !== 'object' || current === null) break;
        const entry = lines.get(current);
        if (entry === undefined) break;
        line ??= entry.line;
        const found = typeof segment === 'number' ? entry.items[segment] : entry.keys.get(segment);
        if (found === undefined) break;
        line = found;
        current = (current as Record<string | number, unknown>)[segment];
      }
      if (line === undefined && typeof root === 'object' && root !== null) line = lines.get(root)?.line;
      return line;
    };

  return { listener, lineOf };
}

// Children alternate key, value. Pairs whose key is not one of the mapping's own keys are skipped:
// a merge (`<<: *base`) brings keys that are not written at this place.
function recordKeys(keys: Map<string, number>, children: Child[], mapping: Record<string, unknown>): void {
  for (let i = 0; i + 1 < children.length; i += 2) {
    const key = children[i]!;
    if (typeof key.result === 'object' && key.result !== null) continue;
    const name = String(key.result);
    if (Object.hasOwn(mapping, name) && !keys.has(name)) keys.set(name, key.line);
  }
}
