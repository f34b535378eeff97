/**
 * Job definitions: the shapes shared by parsing, validation, the form and rendering.
 *
 * Glossary:
 * - definition: what a team saves once (cluster, namespace, name, description, template).
 * - template: the batch/v1 Job the user gave, minus `status`, with metadata cut down to labels and
 *   annotations (the definition owns name and namespace). Fields Jobbot does not model are kept as-is,
 *   which is why every object type below allows extra keys.
 * - manifest: the Job actually sent to the API server for one dispatch (see render.ts).
 *
 * These types describe well-formed data. A template read from YAML has only been checked for its
 * kind, so validation treats everything as `unknown` until proven otherwise.
 */

/** One problem a person can fix. `path` is a manifest path (`spec.template.spec.containers[1].name`),
 * a definition field (`name`, `cluster`, …), a form field key (`containers[0].env`), or '' for the
 * whole document; `line` is 1-based in the YAML the user gave, when known. */
export interface FieldError {
  path: string;
  message: string;
  line?: number;
}

export interface ObjectMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
  [field: string]: unknown;
}

export interface EnvVarSource {
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
  fieldRef?: { fieldPath: string; apiVersion?: string; [field: string]: unknown };
  resourceFieldRef?: { resource: string; containerName?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
  [field: string]: unknown;
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: string;
  [field: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown> | null;
  configMap?: { name: string; [field: string]: unknown };
  secret?: { secretName: string; [field: string]: unknown };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean; [field: string]: unknown };
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  volumes?: Volume[];
  [field: string]: unknown;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec: PodSpec;
  [field: string]: unknown;
}

export interface JobSpec {
  template: PodTemplate;
  activeDeadlineSeconds?: number;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
  [field: string]: unknown;
}

export interface JobTemplate {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata?: ObjectMeta;
  spec: JobSpec;
  [field: string]: unknown;
}

/** The Job to create: a template with a name and namespace. */
export interface JobManifest extends JobTemplate {
  metadata: ObjectMeta & { name: string; namespace: string };
}

export interface DefinitionInput {
  name: string;
  namespace: string;
  cluster: string;
  description: string;
  template: JobTemplate;
  /** `metadata.namespace` of the YAML the template came from, if it had one (see parseJobYaml). */
  yamlNamespace?: string | undefined;
}

export interface ClusterContext {
  clusters: { name: string; namespaces: string[] }[];
}

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
