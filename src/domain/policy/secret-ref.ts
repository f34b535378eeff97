/**
 * How an environment variable that takes its value from elsewhere is shown: by reference, never by
 * value (Jobbot never reads Secrets, and a reference is what a person needs to recognise it).
 */
import type { EnvVar } from '../definition/types.js';

/** `secret NAME/KEY`, `configmap NAME/KEY`, `field PATH` or `resource NAME`; undefined for a plain value. */
export function secretRefText(env: EnvVar): string | undefined {
  const from = env.valueFrom;
  if (typeof from !== 'object' || from === null) return undefined;
  if (from.secretKeyRef) return `secret ${refName(from.secretKeyRef.name)}/${refName(from.secretKeyRef.key)}`;
  if (from.configMapKeyRef) {
    return `configmap ${refName(from.configMapKeyRef.name)}/${refName(from.configMapKeyRef.key)}`;
  }
  if (from.fieldRef) return `field ${refName(from.fieldRef.fieldPath)}`;
  if (from.resourceFieldRef) return `resource ${refName(from.resourceFieldRef.resource)}`;
  return undefined;
}

function refName(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '?';
}
