/**
 * The values one `/job run` may change. The definition module's DispatchOverrides has no restart
 * policy, so it is added here and applied next to the others; once DispatchOverrides carries it,
 * these become plain aliases.
 */
import {
  applyOverrides,
  type Dispatch,
  type DispatchOverrides,
  type FieldError,
  type JobManifest,
  type JobTemplate,
  type RenderableDefinition,
  renderJob,
} from '../definition/index.js';

export type RestartPolicy = 'Never' | 'OnFailure';

export interface RunOverrides extends DispatchOverrides {
  restartPolicy?: RestartPolicy;
}

/** applyOverrides, plus the restart policy. */
export function applyRunOverrides(
  template: JobTemplate,
  overrides: RunOverrides,
): { template: JobTemplate } | { errors: FieldError[] } {
  const { restartPolicy, ...rest } = overrides;
  const applied = applyOverrides(template, rest);
  if ('errors' in applied || restartPolicy === undefined) return applied;
  applied.template.spec.template.spec.restartPolicy = restartPolicy;
  return applied;
}

/** renderJob, plus the restart policy. Throws like renderJob when the overrides do not fit. */
export function renderRunJob(
  def: RenderableDefinition,
  dispatch: Omit<Dispatch, 'overrides'> & { overrides?: RunOverrides },
): JobManifest {
  const { restartPolicy, ...rest } = dispatch.overrides ?? {};
  if (restartPolicy === undefined) return renderJob(def, { ...dispatch, overrides: rest });
  const template = structuredClone(def.template);
  template.spec.template.spec.restartPolicy = restartPolicy;
  return renderJob({ ...def, template }, { ...dispatch, overrides: rest });
}
