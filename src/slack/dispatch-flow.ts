/**
 * Between the Dispatch modal and the dispatch service: the modal is prefilled from what would run
 * (the definition with any `/job run` values, or a past dispatch for Re-run), and a submission is
 * turned back into the template to run by changing only the fields the modal shows.
 */
import {
  type FieldError,
  formToTemplate,
  type JobTemplate,
  templateToForm,
} from '../domain/definition/index.js';
import { JobbotError } from '../domain/errors.js';
import type { DispatchService } from '../services/dispatches.js';
import type { DefinitionModalValues } from './views/definition-modal.js';
import { type DispatchModalMeta, dispatchModal } from './views/dispatch-modal.js';

interface Start {
  base: JobTemplate;
  cluster: string;
  namespace: string;
  revision: number;
}

/** The template the modal starts from, and where it would run. */
function start(service: DispatchService, meta: DispatchModalMeta): Start {
  if (meta.rerunOf !== undefined) {
    const previous = service.get(meta.rerunOf);
    const plan = service.plan({ name: previous.definitionName });
    return {
      base: previous.spec as unknown as JobTemplate,
      cluster: plan.definition.cluster,
      namespace: plan.definition.namespace,
      revision: plan.definition.revision,
    };
  }
  const plan = service.plan({ name: meta.name, ...(meta.words ? { words: meta.words } : {}) });
  return {
    base: plan.template,
    cluster: plan.definition.cluster,
    namespace: plan.definition.namespace,
    revision: plan.definition.revision,
  };
}

export function buildDispatchModal(service: DispatchService, meta: Omit<DispatchModalMeta, 'revision'>) {
  const s = start(service, { ...meta, revision: 0 });
  const form = templateToForm(s.base);
  return dispatchModal({
    meta: { ...meta, revision: s.revision },
    cluster: s.cluster,
    namespace: s.namespace,
    containers: s.base.spec.template.spec.containers.map((c) => c.name),
    form,
  });
}

/** The template to run from a submitted modal, or field errors keyed like the modal's fields. */
export function submittedTemplate(
  service: DispatchService,
  meta: DispatchModalMeta,
  values: DefinitionModalValues,
): { template: JobTemplate } | { errors: FieldError[] } {
  const s = start(service, meta);
  if (meta.rerunOf === undefined && s.revision !== meta.revision) {
    throw new JobbotError(
      'definition_changed',
      `Job ${meta.name} was changed (now revision ${s.revision}) while you filled this in; nothing was dispatched. Close this and dispatch again to start from the new values.`,
    );
  }
  const form = templateToForm(s.base);
  form.containers = form.containers.map((c, i) => {
    const v = values.form.containers[i];
    return v ? { ...c, image: v.image, command: v.command, args: v.args, env: v.env } : c;
  });
  for (const key of ['activeDeadlineSeconds', 'completions', 'parallelism', 'restartPolicy'] as const)
    form[key] = values.form[key];
  return formToTemplate(form, s.base);
}
