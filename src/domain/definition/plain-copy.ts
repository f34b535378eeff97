/**
 * A fresh JSON-like copy of what js-yaml read. js-yaml resolves an alias to the very object its anchor
 * names, so a small document can describe a tree of billions of nodes ("billion laughs") or one that
 * contains itself; walking such a tree naively never ends. The copy counts every value it visits
 * against a budget and refuses cycles, deep nesting and values JSON cannot hold, so what comes out is
 * small, finite and unshared (editing one container never changes another that came from an alias).
 */
import type { PlainObject } from './types.js';

const MAX_DEPTH = 64;

/** Throws PlainError (with the path of the offending value) instead of returning a bad tree. */
export function plainCopy(root: PlainObject, budget: number): PlainObject {
  return toPlain(root, '', { left: budget }, new Set(), 0) as PlainObject;
}

export class PlainError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function toPlain(
  value: unknown,
  path: string,
  budget: { left: number },
  ancestors: Set<object>,
  depth: number,
): unknown {
  if (--budget.left < 0) {
    throw new PlainError(
      '',
      'The YAML expands to far more values than it has characters: its aliases (*name) repeat anchored ' +
        '(&name) content so often that it looks like an alias bomb. Write the Job out without such aliases.',
    );
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new PlainError(
      path,
      `${path || 'The value'} is ${value}, which Kubernetes does not accept as a number.`,
    );
  }
  if (typeof value !== 'object') {
    throw new PlainError(path, `${path || 'The value'} has a type Kubernetes does not accept.`);
  }
  if (ancestors.has(value)) {
    throw new PlainError(
      path,
      `${path || 'The document'} contains itself through an alias (*name inside its own &name); write it out.`,
    );
  }
  if (depth >= MAX_DEPTH) {
    throw new PlainError(
      path,
      `The YAML is nested more than ${MAX_DEPTH} levels deep at ${path}; a Job never is.`,
    );
  }
  ancestors.add(value);
  let copy: unknown;
  if (Array.isArray(value)) {
    copy = value.map((item, i) => toPlain(item, `${path}[${i}]`, budget, ancestors, depth + 1));
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const out: PlainObject = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, so a key named __proto__ stays a plain key.
      Object.defineProperty(out, key, {
        value: toPlain(item, path === '' ? key : `${path}.${key}`, budget, ancestors, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    copy = out;
  } else {
    throw new PlainError(
      path,
      `${path || 'The value'} uses a YAML type (such as !!binary) Kubernetes does not accept.`,
    );
  }
  ancestors.delete(value);
  return copy;
}
