/**
 * Builds the Create/Edit job modal from what the services know: the clusters, the chosen cluster's
 * namespaces and, when editing, the stored definition. Switching between YAML and Form carries the
 * person's work across: YAML is read into the form, the form is written out as YAML.
 */
import {
  type DefinitionForm,
  emptyContainerForm,
  formToTemplate,
  type JobTemplate,
  parseJobYaml,
  renderYaml,
  templateToForm,
} from '../domain/definition/index.js';
import type { DefinitionService } from '../services/definitions.js';
import type { DefinitionRecord } from '../store/definitions.js';
import {
  type DefinitionModalMeta,
  type DefinitionModalValues,
  type DefinitionMode,
  definitionModal,
  MAX_CONTAINERS,
} from './views/definition-modal.js';

export function emptyForm(): DefinitionForm {
  return {
    containers: [emptyContainerForm()],
    restartPolicy: 'Never',
    completions: '',
    parallelism: '',
    activeDeadlineSeconds: '',
    volumes: '',
  };
}

/** The YAML a definition is shown and edited as: the template with its name and namespace. */
/** The definition as YAML; `mask` hides secret-looking values where it is only shown, not edited. */
export function definitionYaml(
  def: Pick<DefinitionRecord, 'name' | 'namespace' | 'template'>,
  mask: <T>(value: T) => T = (v) => v,
): string {
  const t = mask(def.template as unknown as JobTemplate);
  return renderYaml({ ...t, metadata: { name: def.name, namespace: def.namespace, ...(t.metadata ?? {}) } });
}

export function valuesOf(def: DefinitionRecord): DefinitionModalValues {
  return {
    cluster: def.cluster,
    namespace: def.namespace,
    name: def.name,
    description: def.description,
    yaml: def.yaml ?? definitionYaml(def),
    form: templateToForm(def.template as unknown as JobTemplate),
  };
}

export function blankValues(cluster: string | undefined): DefinitionModalValues {
  return { cluster: cluster ?? '', namespace: '', name: '', description: '', yaml: '', form: emptyForm() };
}

/** Moves what was typed in one mode into the other, as far as it can be read. */
export function switchMode(
  values: DefinitionModalValues,
  to: DefinitionMode,
  base?: JobTemplate,
): DefinitionModalValues {
  if (to === 'form' && values.yaml.trim()) {
    const parsed = parseJobYaml(values.yaml);
    if (!parsed.ok) return values;
    return {
      ...values,
      name: parsed.name ?? values.name,
      namespace: parsed.namespace ?? values.namespace,
      form: clampContainers(templateToForm(parsed.manifest)),
    };
  }
  if (to === 'yaml') {
    const built = formToTemplate(values.form, base);
    if ('errors' in built) return values;
    const yaml = definitionYaml({
      name: values.name || 'my-job',
      namespace: values.namespace || 'default',
      template: built.template as unknown as Record<string, unknown>,
    });
    return { ...values, yaml };
  }
  return values;
}

function clampContainers(form: DefinitionForm): DefinitionForm {
  return form.containers.length === 0
    ? { ...form, containers: [emptyContainerForm()] }
    : { ...form, containers: form.containers.slice(0, MAX_CONTAINERS) };
}

export async function buildModal(
  service: DefinitionService,
  meta: DefinitionModalMeta,
  values: DefinitionModalValues,
  userId: string,
) {
  const clusters = service.clusterNames();
  const cluster = values.cluster || (clusters.length === 1 ? clusters[0]! : '');
  const namespaces = cluster ? await service.namespaces(cluster) : [];
  const containers = Math.max(1, Math.min(MAX_CONTAINERS, meta.containers));
  const form = { ...values.form, containers: padContainers(values.form.containers, containers) };
  const draft = meta.draftId !== undefined ? service.draftSummary(meta.draftId, userId) : undefined;
  return definitionModal({
    meta: { ...meta, containers },
    values: { ...values, cluster, form },
    clusters,
    namespaces,
    ...(draft ? { draft } : {}),
  });
}

function padContainers(list: DefinitionForm['containers'], n: number): DefinitionForm['containers'] {
  const out = list.slice(0, n);
  while (out.length < n) out.push(emptyContainerForm());
  return out;
}
