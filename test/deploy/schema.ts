/**
 * Checking rendered objects against the Kubernetes API schemas.
 *
 * kubernetes-models validates each object against the OpenAPI schema of its kind (types, required
 * fields, enums, formats). Kubernetes' schemas allow unknown fields, though, and the API server only
 * refuses them under field validation Strict (kubectl's default), so a misspelt field such as
 * `readOnlyRootFilesytem` would pass there and be dropped by the cluster. `unknownFields` catches those
 * with the field lists of @kubernetes/client-node's generated models.
 */
import * as k8s from '@kubernetes/client-node';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { KubeObject } from './kustomize.js';

type Model = new (data: never) => { validate(): void };

const GROUPS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
};

export function schemaErrors(obj: KubeObject): string[] {
  const model = GROUPS[obj.apiVersion]?.[obj.kind] as Model | undefined;
  if (!model)
    return [`no schema loaded for ${obj.apiVersion} ${obj.kind}: add its group to test/deploy/schema.ts`];
  try {
    new model(obj as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

interface Attribute {
  baseName: string;
  type: string;
}

function attributes(type: string): Attribute[] | undefined {
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[type];
  return typeof model?.getAttributeTypeMap === 'function' ? model.getAttributeTypeMap() : undefined;
}

/** Paths of fields the kind does not have, e.g. `spec.template.spec.containers[0].securityContext.x`. */
export function unknownFields(obj: KubeObject): string[] {
  const version = obj.apiVersion.split('/').at(-1)!;
  const type = `${version[0]!.toUpperCase()}${version.slice(1)}${obj.kind}`;
  if (!attributes(type)) return [`no client-node model ${type} for ${obj.apiVersion} ${obj.kind}`];
  const found: string[] = [];
  walk(obj, type, '', found);
  return found;
}

function walk(value: unknown, type: string, at: string, found: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, array[1]!, `${at}[${i}]`, found);
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, v] of Object.entries(value)) walk(v, map[1]!, `${at}.${key}`, found);
    return;
  }
  const fields = attributes(type);
  if (!fields) return;
  for (const [key, v] of Object.entries(value)) {
    const field = fields.find((f) => f.baseName === key);
    const path = at ? `${at}.${key}` : key;
    if (field) walk(v, field.type, path, found);
    else found.push(path);
  }
}
