/**
 * Job definitions: the pure rules for defining a Kubernetes Job once and dispatching it many times.
 * Parse pasted YAML (yaml.ts), edit through the Slack form (form.ts, form-syntax.ts), validate against
 * Kubernetes' rules and the configured clusters (validate.ts), and render the Job of one dispatch
 * (render.ts). No Slack, Kubernetes client or database code lives here.
 */
export {
  CONTAINER_FIELDS,
  type ContainerForm,
  type DefinitionForm,
  emptyContainerForm,
  formCaveats,
  formKeyForPath,
  formToTemplate,
  templateToForm,
} from './form.js';
export type { LineOf } from './line-index.js';
export {
  dnsLabelProblem,
  kubernetesJobName,
  MAX_DEFINITION_NAME,
  MAX_DISPATCH_NUMBER,
  sanitizeLabelValue,
  suggestDnsLabel,
} from './names.js';
export {
  ANNOTATION_DISPATCHED_BY_ID,
  ANNOTATION_DISPATCHED_BY_NAME,
  ANNOTATION_REVISION,
  applyOverrides,
  type Dispatch,
  type DispatchOverrides,
  jobbotSelector,
  LABEL_DEFINITION,
  LABEL_DISPATCH,
  LABEL_INSTALLATION,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  ofInstallation,
  type RenderableDefinition,
  renderJob,
} from './render.js';
export * from './types.js';
export { MAX_DESCRIPTION, validateDefinition, validateTemplate } from './validate.js';
export { DEFAULT_MAX_YAML_BYTES, type ParseResult, parseJobYaml, renderYaml, withLines } from './yaml.js';
