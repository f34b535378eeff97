/**
 * Known-field schema for Jobs and their pod template, used for `fieldValidation`
 * (Strict -> 400, Warn (the default) -> Warning header, Ignore -> silent) and for the type
 * checks the real server does while decoding JSON (a string where an int32 belongs -> 400).
 *
 * Glossary: a Shape lists an object's known fields; `'*'` marks a field whose contents are taken
 * as-is (volumes, resources, affinity...: the emulator does not interpret them).
 */

import { isObject } from './types.js';

type Scalar = 'int32' | 'int64' | 'bool' | 'string' | 'strings' | 'stringMap';
type FieldKind = Scalar | '*' | { object: Shape; goType: string } | { list: Shape; goType: string };
interface Shape {
  [field: string]: FieldKind;
}

const objectMeta: Shape = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int64',
  creationTimestamp: '*',
  deletionTimestamp: '*',
  deletionGracePeriodSeconds: 'int64',
  labels: 'stringMap',
  annotations: 'stringMap',
  ownerReferences: '*',
  finalizers: 'strings',
  managedFields: '*',
};

const container: Shape = {
  name: 'string',
  image: 'string',
  command: 'strings',
  args: 'strings',
  workingDir: 'string',
  ports: '*',
  envFrom: '*',
  env: '*',
  resources: '*',
  resizePolicy: '*',
  restartPolicy: 'string',
  restartPolicyRules: '*',
  volumeMounts: '*',
  volumeDevices: '*',
  livenessProbe: '*',
  readinessProbe: '*',
  startupProbe: '*',
  lifecycle: '*',
  terminationMessagePath: 'string',
  terminationMessagePolicy: 'string',
  imagePullPolicy: 'string',
  securityContext: '*',
  stdin: 'bool',
  stdinOnce: 'bool',
  tty: 'bool',
};

const podSpec: Shape = {
  volumes: '*',
  initContainers: { list: container, goType: 'Container' },
  containers: { list: container, goType: 'Container' },
  ephemeralContainers: '*',
  restartPolicy: 'string',
  terminationGracePeriodSeconds: 'int64',
  activeDeadlineSeconds: 'int64',
  dnsPolicy: 'string',
  nodeSelector: 'stringMap',
  serviceAccountName: 'string',
  serviceAccount: 'string',
  automountServiceAccountToken: 'bool',
  nodeName: 'string',
  hostNetwork: 'bool',
  hostPID: 'bool',
  hostIPC: 'bool',
  shareProcessNamespace: 'bool',
  securityContext: '*',
  imagePullSecrets: '*',
  hostname: 'string',
  subdomain: 'string',
  affinity: '*',
  schedulerName: 'string',
  tolerations: '*',
  hostAliases: '*',
  priorityClassName: 'string',
  priority: 'int32',
  dnsConfig: '*',
  readinessGates: '*',
  runtimeClassName: 'string',
  enableServiceLinks: 'bool',
  preemptionPolicy: 'string',
  overhead: '*',
  topologySpreadConstraints: '*',
  setHostnameAsFQDN: 'bool',
  os: '*',
  hostUsers: 'bool',
  schedulingGates: '*',
  resourceClaims: '*',
  resources: '*',
  hostnameOverride: 'string',
};

const podTemplate: Shape = {
  metadata: { object: objectMeta, goType: 'ObjectMeta' },
  spec: { object: podSpec, goType: 'PodSpec' },
};

const jobSpec: Shape = {
  parallelism: 'int32',
  completions: 'int32',
  activeDeadlineSeconds: 'int64',
  podFailurePolicy: '*',
  successPolicy: '*',
  backoffLimit: 'int32',
  backoffLimitPerIndex: 'int32',
  maxFailedIndexes: 'int32',
  selector: '*',
  manualSelector: 'bool',
  template: { object: podTemplate, goType: 'PodTemplateSpec' },
  ttlSecondsAfterFinished: 'int32',
  completionMode: 'string',
  suspend: 'bool',
  podReplacementPolicy: 'string',
  managedBy: 'string',
};

const jobStatus: Shape = {
  conditions: '*',
  startTime: '*',
  completionTime: '*',
  active: 'int32',
  succeeded: 'int32',
  failed: 'int32',
  terminating: 'int32',
  completedIndexes: 'string',
  failedIndexes: 'string',
  uncountedTerminatedPods: '*',
  ready: 'int32',
};

export const JOB_SHAPE: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: { object: objectMeta, goType: 'ObjectMeta' },
  spec: { object: jobSpec, goType: 'JobSpec' },
  status: { object: jobStatus, goType: 'JobStatus' },
};

export const NAMESPACE_SHAPE: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: { object: objectMeta, goType: 'ObjectMeta' },
  spec: '*',
  status: '*',
};

export interface SchemaReport {
  unknown: string[];
  /** First decode error, phrased as encoding/json does. */
  typeError?: string;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return 'number';
  return typeof value;
}

function scalarOk(kind: Scalar, value: unknown): boolean {
  if (value === null) return true;
  switch (kind) {
    case 'int32':
    case 'int64':
      return typeof value === 'number' && Number.isInteger(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'stringMap':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
  }
}

const GO_SCALAR: Record<Scalar, string> = {
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
  string: 'string',
  strings: '[]string',
  stringMap: 'map[string]string',
};

/**
 * Walks `value` against `shape`, deleting unknown fields in place (the server prunes them) and
 * collecting their paths.
 */
export function checkSchema(value: unknown, shape: Shape, goType: string): SchemaReport {
  const report: SchemaReport = { unknown: [] };
  walk(value, shape, goType, '', report);
  return report;
}

function walk(value: unknown, shape: Shape, goType: string, path: string, report: SchemaReport): void {
  if (!isObject(value)) return;
  for (const [field, child] of Object.entries(value)) {
    const fieldPath = path ? `${path}.${field}` : field;
    const kind = shape[field];
    if (kind === undefined) {
      report.unknown.push(fieldPath);
      delete value[field];
      continue;
    }
    if (kind === '*' || child === null) continue;
    if (typeof kind === 'string') {
      if (!scalarOk(kind, child) && !report.typeError) {
        report.typeError = `json: cannot unmarshal ${jsonType(child)} into Go struct field ${goType}.${fieldPath} of type ${GO_SCALAR[kind]}`;
      }
      continue;
    }
    if ('object' in kind) {
      if (!isObject(child)) {
        report.typeError ??= `json: cannot unmarshal ${jsonType(child)} into Go struct field ${goType}.${fieldPath} of type v1.${kind.goType}`;
        continue;
      }
      walk(child, kind.object, goType, fieldPath, report);
      continue;
    }
    if (!Array.isArray(child)) {
      report.typeError ??= `json: cannot unmarshal ${jsonType(child)} into Go struct field ${goType}.${fieldPath} of type []v1.${kind.goType}`;
      continue;
    }
    child.forEach((item, i) => {
      walk(item, kind.list, goType, `${fieldPath}[${i}]`, report);
    });
  }
}
