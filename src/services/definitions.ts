/**
 * The life of a job definition: save (create or edit), show, list, delete. Saving runs every check
 * before anything is stored — parse, Kubernetes' own rules, then a server-side dry run on the chosen
 * cluster — and either stores the definition or returns field errors; never half of both.
 */
import { type Actor, type AuditTrail, NO_AUDIT } from '../domain/actor.js';
import { auditChanges } from '../domain/audit.js';
import { closest } from '../domain/closest.js';
import {
  type DefinitionForm,
  type FieldError,
  formToTemplate,
  type JobTemplate,
  type LineOf,
  parseJobYaml,
  renderJob,
  validateDefinition,
  validateTemplate,
  withLines,
} from '../domain/definition/index.js';
import { diffTemplates } from '../domain/diff.js';
import { isJobbotError, JobbotError } from '../domain/errors.js';
import type { KubeFailure } from '../kube/errors.js';
import type {
  DefinitionRecord,
  DefinitionSource,
  DefinitionState,
  RevisionRecord,
} from '../store/definitions.js';
import { DuplicateNameError, StaleRevisionError } from '../store/definitions.js';
import { type AccessGate, OPEN_GATE } from './access.js';

/** What the modal (or a message shortcut) submits. */
export type DefinitionDraft =
  | { mode: 'yaml'; cluster: string; namespace: string; description: string; yaml: string }
  | {
      mode: 'form';
      cluster: string;
      namespace: string;
      name: string;
      description: string;
      form: DefinitionForm;
    };

export type SaveResult =
  | { ok: true; definition: DefinitionRecord; created: boolean }
  /** `forbidden`: the policy refused the person, not the definition (the API answers 403). */
  | { ok: false; errors: FieldError[]; forbidden?: true };

/** The repository operations this service uses. */
export interface DefinitionStore {
  create(state: DefinitionState, actor: Actor, at: string): DefinitionRecord;
  update(
    id: number,
    basedOn: number,
    state: DefinitionState,
    actor: Actor,
    changes: string[],
    at: string,
  ): DefinitionRecord;
  markDeleted(id: number, actor: Actor, at: string): boolean;
  getByName(name: string): DefinitionRecord | undefined;
  list(page: { offset: number; limit: number }): { items: DefinitionRecord[]; total: number };
  names(): string[];
  revisions(id: number): RevisionRecord[];
}

type Result<T> = { ok: true; value: T } | { ok: false; failure: KubeFailure };

/** What the service needs from the clusters. */
export interface ClusterGateway {
  clusterNames(): string[];
  namespaces(cluster: string): Promise<Result<string[]>>;
  dryRunCreate(cluster: string, manifest: ReturnType<typeof renderJob>): Promise<Result<void>>;
}

/** Where YAML too long for a modal waits while its modal is open. */
export interface DraftStore {
  create(userId: string, yaml: string, now: Date): number;
  get(id: number, userId: string): string | undefined;
  remove(id: number): void;
}

export type DraftResult =
  | { ok: true; id: number; name: string | undefined; chars: number }
  | { ok: false; errors: FieldError[] };

export interface EditTarget {
  name: string;
  /** The revision the person started editing from. */
  revision: number;
}

const PLACEHOLDER: JobTemplate = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  spec: { template: { spec: { containers: [] } } },
};

export class DefinitionService {
  constructor(
    private readonly store: DefinitionStore,
    private readonly clusters: ClusterGateway,
    private readonly drafts: DraftStore,
    private readonly audit: AuditTrail = NO_AUDIT,
    private readonly now: () => Date = () => new Date(),
    private readonly gate: AccessGate = OPEN_GATE,
  ) {}

  /**
   * Keeps a long YAML for the modal to refer to, after checking what can be checked without a cluster,
   * so a broken spec is reported at once instead of after the person filled in the modal.
   */
  startDraft(userId: string, yaml: string): DraftResult {
    const parsed = parseJobYaml(yaml);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    const errors = validateTemplate(parsed.manifest);
    if (errors.length > 0) return { ok: false, errors: withLines(errors, parsed.lineOf) };
    return {
      ok: true,
      id: this.drafts.create(userId, yaml, this.now()),
      name: parsed.name,
      chars: yaml.length,
    };
  }

  draft(id: number, userId: string): string | undefined {
    return this.drafts.get(id, userId);
  }

  /** What the modal shows of a draft: its size and the job name in it. */
  draftSummary(id: number, userId: string): { chars: number; name: string | undefined } | undefined {
    const yaml = this.drafts.get(id, userId);
    if (yaml === undefined) return undefined;
    const parsed = parseJobYaml(yaml);
    return { chars: yaml.length, name: parsed.ok ? parsed.name : undefined };
  }

  dropDraft(id: number): void {
    this.drafts.remove(id);
  }

  clusterNames(): string[] {
    return this.clusters.clusterNames();
  }

  /** Namespaces a definition may use on this cluster; an unreachable cluster offers none. */
  async namespaces(cluster: string): Promise<string[]> {
    const result = await this.clusters.namespaces(cluster);
    return result.ok ? this.gate.namespaces(cluster, result.value) : [];
  }

  get(name: string): DefinitionRecord {
    const found = this.store.getByName(name);
    if (found) return found;
    throw this.unknown(name);
  }

  find(name: string): DefinitionRecord | undefined {
    return this.store.getByName(name);
  }

  list(page: { offset: number; limit: number }): { items: DefinitionRecord[]; total: number } {
    return this.store.list(page);
  }

  revisions(name: string): { definition: DefinitionRecord; revisions: RevisionRecord[] } {
    const definition = this.get(name);
    return { definition, revisions: this.store.revisions(definition.id) };
  }

  /** Deletes the live definition `name`; with `expectedId`, only if it is still that definition. */
  /** What the policy refuses in this definition: a namespace Jobbot may not use, a guardrail. */
  private policyErrors(cluster: string, namespace: string, template: JobTemplate): FieldError[] {
    const errors: FieldError[] = this.gate
      .guardrails(cluster, template)
      .map((v) => ({ path: v.path, message: v.message }));
    if (namespace && this.gate.namespaces(cluster, [namespace]).length === 0)
      errors.unshift({
        path: 'namespace',
        message: `Jobbot may not use namespace ${namespace} on cluster ${cluster} (rule: clusters.${cluster}.namespaces).`,
      });
    return errors;
  }

  delete(name: string, actor: Actor, expectedId?: number): DefinitionRecord {
    this.gate.require(actor, { kind: 'definition.manage' });
    const definition = this.get(name);
    if (expectedId !== undefined && definition.id !== expectedId) {
      throw new JobbotError(
        'definition_not_found',
        `Job \`${name}\` was already deleted (a newer job has that name now); nothing was deleted.`,
      );
    }
    this.store.markDeleted(definition.id, actor, this.now().toISOString());
    this.audit.record(actor, 'definition.deleted', `definition:${definition.name}`, {
      id: definition.id,
      revision: definition.revision,
    });
    return definition;
  }

  async save(draft: DefinitionDraft, actor: Actor, editing?: EditTarget): Promise<SaveResult> {
    try {
      this.gate.require(actor, { kind: 'definition.manage' });
    } catch (err) {
      if (!isJobbotError(err)) throw err;
      return { ok: false, errors: [{ path: 'name', message: err.userMessage }], forbidden: true };
    }
    const current = editing ? this.store.getByName(editing.name) : undefined;
    if (editing && !current) {
      return {
        ok: false,
        errors: [
          {
            path: 'name',
            message: `Job ${editing.name} was deleted while you edited it; nothing was saved.`,
          },
        ],
      };
    }
    const built = this.build(draft, current);
    if ('errors' in built)
      return { ok: false, errors: [...built.errors, ...(await this.formFieldErrors(draft))] };
    const state = built.state;

    const placement = await this.placement(state.cluster);
    if ('errors' in placement) return { ok: false, errors: placement.errors };
    const errors = validateDefinition(
      { ...state, template: state.template as JobTemplate, yamlNamespace: built.yamlNamespace },
      placement,
    );
    errors.push(...this.policyErrors(state.cluster, state.namespace, state.template as JobTemplate));
    if (errors.length > 0) return { ok: false, errors: withLinesIfYaml(errors, built.lineOf) };

    const other = this.store.getByName(state.name);
    if (other && other.id !== current?.id) {
      return {
        ok: false,
        errors: [
          {
            path: 'name',
            message: `A job named ${state.name} already exists. Pick another name, or change it with /job edit ${state.name}.`,
          },
        ],
      };
    }

    const dry = await this.clusters.dryRunCreate(
      state.cluster,
      renderJob(
        { name: state.name, namespace: state.namespace, template: state.template as JobTemplate },
        {
          number: 1,
          dispatchedBy: { id: actor.id, name: actor.name },
        },
      ),
    );
    if (!dry.ok)
      return { ok: false, errors: withLinesIfYaml(dryRunErrors(dry.failure, state.cluster), built.lineOf) };

    const at = this.now().toISOString();
    try {
      if (!current) {
        const created = this.store.create(state, actor, at);
        this.audit.record(actor, 'definition.created', `definition:${created.name}`, {
          id: created.id,
          cluster: created.cluster,
          namespace: created.namespace,
          source: created.source,
          template: created.template,
        });
        return { ok: true, definition: created, created: true };
      }
      const updated = this.store.update(
        current.id,
        editing!.revision,
        state,
        actor,
        describeChanges(current, state),
        at,
      );
      this.audit.record(actor, 'definition.updated', `definition:${updated.name}`, {
        id: updated.id,
        revision: updated.revision,
        changes: [
          ...(['name', 'cluster', 'namespace', 'description'] as const)
            .filter((f) => current[f] !== state[f])
            .map((f) => `${f}: ${current[f]} → ${state[f]}`),
          ...auditChanges(current.template, state.template),
        ],
      });
      return { ok: true, definition: updated, created: false };
    } catch (err) {
      if (err instanceof DuplicateNameError) {
        return {
          ok: false,
          errors: [
            {
              path: 'name',
              message: `A job named ${state.name} already exists. Pick another name, or change it with /job edit ${state.name}.`,
            },
          ],
        };
      }
      if (err instanceof StaleRevisionError) {
        return {
          ok: false,
          errors: [
            {
              path: 'name',
              message: `Someone saved ${current?.name} (now revision ${err.current}) while you edited it. Close this and run /job edit again to start from their version; nothing was saved.`,
            },
          ],
        };
      }
      throw err;
    }
  }

  private build(
    draft: DefinitionDraft,
    current: DefinitionRecord | undefined,
  ): { state: DefinitionState; yamlNamespace?: string; lineOf?: LineOf } | { errors: FieldError[] } {
    const common = {
      cluster: draft.cluster.trim(),
      namespace: draft.namespace.trim(),
      description: draft.description.trim(),
    };
    if (draft.mode === 'yaml') {
      const parsed = parseJobYaml(draft.yaml);
      if (!parsed.ok) return { errors: parsed.errors };
      if (!parsed.name) {
        return {
          errors: [
            {
              path: 'metadata.name',
              message: 'The YAML has no metadata.name: add the job name under metadata.',
            },
          ],
        };
      }
      return {
        state: {
          ...common,
          name: parsed.name,
          source: 'yaml' as DefinitionSource,
          template: parsed.manifest,
          yaml: draft.yaml,
        },
        ...(parsed.namespace ? { yamlNamespace: parsed.namespace } : {}),
        lineOf: parsed.lineOf,
      };
    }
    const base = current ? (current.template as JobTemplate) : undefined;
    const built = formToTemplate(draft.form, base);
    if ('errors' in built) return { errors: built.errors };
    return {
      state: { ...common, name: draft.name.trim(), source: 'form', template: built.template, yaml: null },
    };
  }

  /**
   * When the form's own fields cannot be read, the definition's fields (name, cluster, namespace,
   * description) are still checked, so the person sees every problem in one round.
   */
  private async formFieldErrors(draft: DefinitionDraft): Promise<FieldError[]> {
    if (draft.mode !== 'form') return [];
    const placement = await this.placement(draft.cluster.trim());
    if ('errors' in placement) return placement.errors;
    const input = {
      name: draft.name.trim(),
      cluster: draft.cluster.trim(),
      namespace: draft.namespace.trim(),
      description: draft.description.trim(),
    };
    return validateDefinition({ ...input, template: PLACEHOLDER }, placement).filter((e) => e.path in input);
  }

  /** The clusters for validation, with the chosen cluster's namespaces read from it. */
  private async placement(
    cluster: string,
  ): Promise<{ clusters: { name: string; namespaces: string[] }[] } | { errors: FieldError[] }> {
    const names = this.clusters.clusterNames();
    if (!names.includes(cluster)) return { clusters: names.map((name) => ({ name, namespaces: [] })) };
    const ns = await this.clusters.namespaces(cluster);
    if (!ns.ok) {
      return {
        errors: [
          {
            path: 'cluster',
            message: `Cluster ${cluster} cannot be reached right now (${ns.failure.message}). Try again in a moment, or pick another cluster; nothing was saved.`,
          },
        ],
      };
    }
    return { clusters: names.map((name) => ({ name, namespaces: name === cluster ? ns.value : [] })) };
  }

  private unknown(name: string): JobbotError {
    const names = this.store.names();
    const near = [
      ...new Set([closest(name, names), ...names.filter((n) => n.includes(name) || name.includes(n))]),
    ]
      .filter((n): n is string => n !== undefined)
      .slice(0, 3);
    const hint =
      near.length > 0 ? ` Did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : ' See /job list.';
    return new JobbotError('definition_not_found', `There is no job named \`${name}\`.${hint}`, { name });
  }
}

function dryRunErrors(failure: KubeFailure, cluster: string): FieldError[] {
  switch (failure.kind) {
    case 'invalid': {
      const causes = failure.causes.filter((c) => c.field);
      if (causes.length === 0)
        return [{ path: '', message: `The API server of ${cluster} refused the Job: ${failure.message}` }];
      return causes.map((c) => ({
        path: c.field.replace(/^metadata\.name$/, 'name'),
        message: `${cluster} refused it: ${c.message}`,
      }));
    }
    case 'forbidden':
      return [
        {
          path: 'namespace',
          message: `Jobbot may not create Jobs there on ${cluster} (${failure.message}). Ask a cluster admin to grant Jobbot's service account access, or pick another namespace.`,
        },
      ];
    case 'not_found':
      return [{ path: 'namespace', message: `${cluster} says: ${failure.message}. Pick another namespace.` }];
    default:
      return [
        {
          path: 'cluster',
          message: `Cluster ${cluster} did not answer the dry run (${failure.message}). Try again in a moment; nothing was saved.`,
        },
      ];
  }
}

function describeChanges(before: DefinitionRecord, after: DefinitionState): string[] {
  const changes: string[] = [];
  for (const field of ['name', 'cluster', 'namespace', 'description'] as const) {
    if (before[field] !== after[field])
      changes.push(`${field}: ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`);
  }
  changes.push(...diffTemplates(before.template, after.template));
  return changes.length > 0 ? changes : ['no changes'];
}

function withLinesIfYaml(errors: FieldError[], lineOf: LineOf | undefined): FieldError[] {
  return lineOf ? withLines(errors, lineOf) : errors;
}
