/**
 * The three PATCH formats of the API server:
 * - JSON merge patch (RFC 7386, application/merge-patch+json): objects merge, null deletes,
 *   lists replace.
 * - strategic merge patch (application/strategic-merge-patch+json): like merge patch, but lists
 *   with a merge key (containers by name, env by name, conditions by type...) merge element-wise,
 *   and the `$patch` / `$deleteFromPrimitiveList/<field>` / `$setElementOrder/<field>` directives
 *   work. Only the merge keys of the objects the emulator serves are known.
 * - JSON patch (RFC 6902, application/json-patch+json): a list of operations.
 */

import { badRequest, unprocessable } from './status.js';
import { deepEqual, isObject } from './types.js';

type Json = unknown;

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  ownerReferences: 'uid',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  resourceClaims: 'name',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
};

/** Lists of scalars that strategic merge treats as sets (merged, not replaced). */
const SET_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        out[field] = current.filter((v) => !value.includes(v));
      }
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const mergeKey = MERGE_KEYS[key];
    if (mergeKey && Array.isArray(value) && Array.isArray(out[key])) {
      out[key] = mergeList(out[key] as unknown[], value, mergeKey);
    } else if (SET_LISTS.has(key) && Array.isArray(value) && Array.isArray(out[key])) {
      const current = out[key] as unknown[];
      out[key] = [...current, ...value.filter((v) => !current.includes(v))];
    } else if (Array.isArray(value)) {
      out[key] = structuredClone(value);
    } else {
      const merged = strategicMergePatch(out[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
  }
  return out;
}

function mergeList(current: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  const out = structuredClone(current);
  for (const item of patch) {
    if (!isObject(item) || !(mergeKey in item)) {
      out.push(structuredClone(item));
      continue;
    }
    const index = out.findIndex((c) => isObject(c) && c[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMergePatch(out[index], item);
    else out.push(strategicMergePatch({}, item));
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], op: string, pointer: string): [unknown, string] {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) {
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
  }
  return [node, tokens[tokens.length - 1] ?? ''];
}

function getAt(doc: unknown, pointer: string, op: string): unknown {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) {
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
  }
  return node;
}

function removeAt(doc: unknown, pointer: string, op: string): unknown {
  const [parent, last] = parentOf(doc, parsePointer(pointer), op, pointer);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) {
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
    return parent.splice(i, 1)[0];
  }
  if (isObject(parent) && last in parent) {
    const value = parent[last];
    delete parent[last];
    return value;
  }
  throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
}

function addAt(doc: unknown, pointer: string, value: unknown, op: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const [parent, last] = parentOf(doc, tokens, op, pointer);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!(i >= 0 && i <= parent.length)) {
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
    parent.splice(i, 0, value);
  } else if (isObject(parent)) parent[last] = value;
  else
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  return doc;
}

export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${isObject(patch) ? 'object' : typeof patch} into Go value of type jsonpatch.Patch`,
    );
  }
  let doc = structuredClone(target);
  for (const raw of patch as JsonPatchOp[]) {
    const { op, path } = raw;
    switch (op) {
      case 'add':
        doc = addAt(doc, path, structuredClone(raw.value), op);
        break;
      case 'remove':
        removeAt(doc, path, op);
        break;
      case 'replace':
        getAt(doc, path, op);
        if (path === '') doc = structuredClone(raw.value);
        else {
          removeAt(doc, path, op);
          doc = addAt(doc, path, structuredClone(raw.value), op);
        }
        break;
      case 'move': {
        const value = removeAt(doc, raw.from ?? '', op);
        doc = addAt(doc, path, value, op);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, structuredClone(getAt(doc, raw.from ?? '', op)), op);
        break;
      case 'test': {
        const actual = getAt(doc, path, op);
        if (!deepEqual(actual, raw.value)) {
          throw unprocessable(`testing value ${path} failed: test failed`);
        }
        break;
      }
      default:
        throw unprocessable(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
  'application/strategic-merge-patch+json',
];

export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  switch (contentType) {
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    case 'application/merge-patch+json':
      return mergePatch(target, patch);
    default:
      // strategic merge and (approximated) server-side apply
      return strategicMergePatch(target, patch);
  }
}
