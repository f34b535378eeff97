/**
 * Dispatching: record, create in the cluster, follow, finish (gather logs, then delete), cancel.
 * The dispatch row is written before any cluster call; every step after it moves the recorded state
 * forward, so after a crash `resume()` knows what is left to do. Work on one dispatch is serialized;
 * cluster changes arrive from the shared watch as "dispatch N changed", and are reconciled against
 * what was recorded, so a repeated or late notification changes nothing.
 */
import { type Actor, type AuditTrail, NO_AUDIT, SYSTEM } from '../domain/actor.js';
import { auditChanges } from '../domain/audit.js';
import {
  type FieldError,
  type JobManifest,
  type JobTemplate,
  kubernetesJobName,
  renderJob,
  validateTemplate,
} from '../domain/definition/index.js';
import { diffTemplates } from '../domain/diff.js';
import {
  applyRunOverrides,
  capLog,
  type DispatchObservation,
  type DispatchState,
  deriveStatus,
  formatOverrides,
  isTerminal,
  type JobLike,
  type PodLike,
  parseOverrides,
  type RunOverrides,
  type TimelineEvent,
  timelineFor,
  transition,
  verdictText,
} from '../domain/dispatch/index.js';
import { isJobbotError, JobbotError } from '../domain/errors.js';
import type { KubeFailure } from '../kube/errors.js';
import type { Logger } from '../logger.js';
import type { DefinitionRecord } from '../store/definitions.js';
import type {
  DispatchChange,
  DispatchRecord,
  HistoryQuery,
  NewDispatch,
  StoredLog,
} from '../store/dispatches.js';

type Result<T> = { ok: true; value: T } | { ok: false; failure: KubeFailure };

export interface GatheredLog {
  pod: string;
  container: string;
  init: boolean;
  previous: boolean;
  text: string;
  originalBytes: number;
  truncated: boolean;
  error: string | null;
}

/** What the service needs from the clusters. */
export interface DispatchKube {
  createJob(cluster: string, manifest: JobManifest): Promise<Result<{ created: boolean }>>;
  deleteJob(cluster: string, namespace: string, name: string): Promise<Result<{ existed: boolean }>>;
  gatherLogs(cluster: string, namespace: string, pods: PodLike[]): Promise<GatheredLog[]>;
  watch(cluster: string, namespace: string): void;
  snapshot(
    cluster: string,
    namespace: string,
    dispatch: number,
  ): { job: JobLike | undefined; pods: PodLike[]; synced: boolean };
}

export interface DispatchStore {
  create(
    d: Omit<NewDispatch, 'spec'>,
    render: (n: number) => { jobName: string; spec: Record<string, unknown> },
    at: string,
  ): DispatchRecord;
  get(number: number): DispatchRecord | undefined;
  unfinished(terminal: readonly string[]): DispatchRecord[];
  update(number: number, change: DispatchChange, at: string): DispatchRecord;
  addEvent(number: number, event: { key: string; at: string; text: string }): boolean;
  saveLog(number: number, log: StoredLog, at: string): void;
  logs(number: number): StoredLog[];
  events(number: number): { key: string; at: string; text: string }[];
  history(q: HistoryQuery): { items: DispatchRecord[]; total: number };
}

/** How the people following a dispatch hear about it (Slack; later other channels). */
export interface DispatchNotifications {
  created(d: DispatchRecord): void;
  changed(d: DispatchRecord): void;
  timeline(d: DispatchRecord, events: TimelineEvent[]): void;
  finished(d: DispatchRecord, logs: StoredLog[]): void;
}

export interface DispatchRequest {
  name: string;
  /** `/job run NAME key=value …` words. */
  words?: string[];
  /** The effective template from the Dispatch modal (the definition changed for this dispatch only). */
  template?: JobTemplate;
  channel: string | null;
  sourceChannel: string | null;
  /** Re-running this dispatch (recorded in the audit log). */
  rerunOf?: number;
}

export interface DispatchSettings {
  /** Bytes of each container's log kept; larger logs keep their start and end. */
  logCapBytes: number;
  /** Keep failed Jobs in the cluster for debugging instead of deleting them. */
  keepFailedJobs: boolean;
  /** Tries of the create call when the API server cannot be reached (default 3). */
  createAttempts?: number;
  /** Wait before the second try, doubled for each next one (default 1 s). */
  createRetryMs?: number;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'failed_to_start'] as const;

export class DispatchService {
  readonly #queues = new Map<number, Promise<void>>();

  constructor(
    private readonly definitions: { get(name: string): DefinitionRecord },
    private readonly store: DispatchStore,
    private readonly kube: DispatchKube,
    private readonly notify: DispatchNotifications,
    private readonly log: Logger,
    settings: DispatchSettings,
    private readonly audit: AuditTrail = NO_AUDIT,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.settings = { createAttempts: 3, createRetryMs: 1_000, ...settings };
  }

  private readonly settings: Required<DispatchSettings>;

  get(number: number): DispatchRecord {
    const d = this.store.get(number);
    if (!d) throw new JobbotError('dispatch_not_found', `There is no dispatch #${number}.`);
    return d;
  }

  history(q: HistoryQuery): { items: DispatchRecord[]; total: number } {
    return this.store.history(q);
  }

  events(number: number): { key: string; at: string; text: string }[] {
    this.get(number);
    return this.store.events(number);
  }

  logs(number: number): StoredLog[] {
    this.get(number);
    return this.store.logs(number);
  }

  /** Checks a dispatch request and returns the Job it would run, without recording anything. */
  plan(request: Pick<DispatchRequest, 'name' | 'words' | 'template'>): {
    definition: DefinitionRecord;
    template: JobTemplate;
    overrides: string[];
    yes: boolean;
  } {
    const definition = this.definitions.get(request.name);
    const base = definition.template as unknown as JobTemplate;
    let template = request.template ?? base;
    let yes = false;
    if (request.words && request.words.length > 0) {
      const parsed = parseOverrides(request.words, template);
      if (!parsed.ok) throw invalid(parsed.errors);
      yes = parsed.flags.yes;
      const applied = applyRunOverrides(template, parsed.overrides as RunOverrides);
      if ('errors' in applied) throw invalid(applied.errors.map((e) => e.message));
      template = applied.template;
    }
    const errors: FieldError[] = validateTemplate(template);
    if (errors.length > 0) throw invalid(errors.map((e) => e.message));
    return { definition, template, overrides: diffTemplates(base, template), yes };
  }

  /** Records the dispatch, tells Slack, then creates the Job in the background. */
  dispatch(request: DispatchRequest, actor: Actor): DispatchRecord {
    const { definition, template, overrides } = this.plan(request);
    const at = this.now().toISOString();
    const record = this.store.create(
      {
        definitionId: definition.id,
        definitionName: definition.name,
        revision: definition.revision,
        cluster: definition.cluster,
        namespace: definition.namespace,
        overrides: { changes: overrides },
        actor,
        sourceChannel: request.sourceChannel,
        channel: request.channel,
      },
      (number) => {
        const spec = renderJob(
          { name: definition.name, namespace: definition.namespace, template, revision: definition.revision },
          { number, dispatchedBy: { id: actor.id, name: actor.name } },
        );
        return {
          jobName: kubernetesJobName(definition.name, number),
          spec: spec as unknown as Record<string, unknown>,
        };
      },
      at,
    );
    const numbered = record;
    this.log.info(
      { dispatch: numbered.number, definition: definition.name, user: actor.id },
      'dispatch recorded',
    );
    this.audit.record(
      actor,
      request.rerunOf !== undefined ? 'dispatch.rerun' : 'dispatch.created',
      `dispatch:${numbered.number}`,
      {
        definition: definition.name,
        revision: definition.revision,
        cluster: definition.cluster,
        namespace: definition.namespace,
        jobName: numbered.jobName,
        channel: numbered.channel,
        ...(request.rerunOf !== undefined ? { rerunOf: request.rerunOf } : {}),
        // The actor's hashed fields have no room for it, so the person a pipeline acted for is a detail.
        ...(actor.kind === 'token' && actor.onBehalfOf ? { onBehalfOf: actor.onBehalfOf } : {}),
        overrides: auditChanges(definition.template, template),
      },
    );
    this.notify.created(numbered);
    this.serialize(numbered.number, () => this.create(numbered.number)).catch(() => undefined);
    return numbered;
  }

  /** Carries every unfinished dispatch on after a restart. */
  resume(): void {
    for (const d of this.store.unfinished(TERMINAL)) {
      this.kube.watch(d.cluster, d.namespace);
      this.serialize(d.number, async () => {
        if (d.state === 'pending' || d.state === 'creating') await this.create(d.number);
        else if (d.state === 'finishing' || d.state === 'cleaning') await this.finish(d.number);
        else await this.reconcile(d.number);
      }).catch(() => undefined);
    }
  }

  /**
   * Called by the shared watch whenever a Job or Pod labelled with dispatch `number` changed. A label
   * in another cluster or namespace is not ours (another Jobbot may share the label) and is ignored.
   */
  changed(number: number, where?: { cluster: string; namespace: string }): Promise<void> {
    const d = this.store.get(number);
    if (!d || (where && (d.cluster !== where.cluster || d.namespace !== where.namespace)))
      return Promise.resolve();
    return this.serialize(number, () => this.reconcile(number)).catch(() => undefined);
  }

  cancel(number: number, actor: Actor): Promise<DispatchRecord> {
    return this.serialize(number, async () => {
      const d = this.get(number);
      const next = transition(stateOf(d), { type: 'cancelRequested' });
      if (!next.ok)
        throw new JobbotError('dispatch_not_cancellable', `#${number} cannot be cancelled: ${next.message}`);
      const by = { id: actor.id, name: actor.name };
      this.save(d, next.state, { cancelledBy: by });
      this.log.info({ dispatch: number, user: actor.id }, 'dispatch cancel requested');
      this.audit.record(actor, 'dispatch.cancelled', `dispatch:${number}`, {
        definition: d.definitionName,
        state: d.state,
      });
      if (next.state.name === 'finishing' || next.state.name === 'cancelled') await this.finish(number);
    }).then(() => this.get(number));
  }

  /** Waits until no work on any dispatch is queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }

  /**
   * Runs `work` after the work already queued for this dispatch. The caller sees its failure; the
   * queue does not stop on it (it is logged, and the next step runs).
   */
  private serialize(number: number, work: () => Promise<void>): Promise<void> {
    const before = this.#queues.get(number) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.catch((err: unknown) => {
      if (!isJobbotError(err)) this.log.error({ err, dispatch: number }, 'dispatch step failed');
    });
    this.#queues.set(number, settled);
    void settled.finally(() => {
      if (this.#queues.get(number) === settled) this.#queues.delete(number);
    });
    return run;
  }

  private save(d: DispatchRecord, state: DispatchState, extra: DispatchChange = {}): DispatchRecord {
    const change: DispatchChange = {
      state: state.name,
      outcome: 'outcome' in state ? state.outcome : null,
      cancelRequested: 'cancelRequested' in state ? Boolean(state.cancelRequested) : d.cancelRequested,
      ...extra,
    };
    const saved = this.store.update(d.number, change, this.now().toISOString());
    this.notify.changed(saved);
    return saved;
  }

  private async create(number: number): Promise<void> {
    let d = this.get(number);
    if (d.state === 'pending') {
      const next = transition(stateOf(d), { type: 'createStarted' });
      if (!next.ok) return;
      d = this.save(d, next.state);
    }
    if (d.state !== 'creating') return;
    this.kube.watch(d.cluster, d.namespace);
    const result = await this.createWithRetries(d);
    d = this.get(number);
    if (!result.ok) {
      const reason = startFailure(result.failure, d);
      const next = transition(stateOf(d), { type: 'createFailed' });
      if (!next.ok) return;
      this.log.warn({ dispatch: number, failure: result.failure }, 'dispatch failed to start');
      const finished = this.save(d, next.state, {
        error: reason,
        verdict: verdictText({ state: 'failed_to_start', error: reason }, mention(d)),
        finishedAt: this.now().toISOString(),
      });
      this.finished(finished, []);
      return;
    }
    const next = transition(stateOf(d), { type: 'created' });
    if (!next.ok) return;
    d = this.save(d, next.state, { startedAt: this.now().toISOString() });
    if (next.state.name === 'finishing') await this.finish(number);
    else await this.reconcile(number);
  }

  /**
   * An unreachable or failing API server gets a few more tries (the create is idempotent: the same
   * name and labels); a refusal (403, 422, a foreign Job) is final at once.
   */
  private async createWithRetries(d: DispatchRecord): Promise<Result<{ created: boolean }>> {
    let result = await this.kube.createJob(d.cluster, d.spec as unknown as JobManifest);
    for (
      let attempt = 1;
      attempt < this.settings.createAttempts && !result.ok && result.failure.kind === 'unavailable';
      attempt++
    ) {
      this.log.warn(
        { dispatch: d.number, attempt, failure: result.failure },
        'creating the Job failed; retrying',
      );
      await new Promise((r) => setTimeout(r, this.settings.createRetryMs * 2 ** (attempt - 1)));
      result = await this.kube.createJob(d.cluster, d.spec as unknown as JobManifest);
    }
    return result;
  }

  private async reconcile(number: number): Promise<void> {
    let d = this.get(number);
    if (isTerminal(d.state as DispatchState['name']) || d.state === 'pending' || d.state === 'creating')
      return;
    const snap = this.kube.snapshot(d.cluster, d.namespace, number);
    if (!snap.synced) return;
    const observation = deriveStatus(snap.job, snap.pods);
    const previous = (d.observation ?? undefined) as DispatchObservation | undefined;
    const fresh = this.record(d, timelineFor(previous, observation));
    if (fresh.length > 0) this.notify.timeline(d, fresh);
    if (d.state === 'running' && !observation.exists && previous?.exists) {
      const next = transition(stateOf(d), { type: 'deleted' });
      if (next.ok) {
        const verdict = 'Failed: the Job was deleted outside Jobbot before it finished';
        d = this.save(d, next.state, {
          observation: observation as never,
          verdict: `${verdict}${mentionSuffix(d)}`,
          finishedAt: this.now().toISOString(),
        });
        this.finished(d, this.store.logs(number));
      }
      return;
    }
    const next = transition(stateOf(d), { type: 'observed', observation });
    const state = next.ok ? next.state : stateOf(d);
    if (JSON.stringify(previous) !== JSON.stringify(observation) || state.name !== d.state) {
      d = this.save(d, state, { observation: observation as never });
    }
    if (state.name === 'finishing') await this.finish(number);
  }

  /** Gathers every container's log, then deletes the Job; each step is recorded, so it resumes. */
  private async finish(number: number): Promise<void> {
    let d = this.get(number);
    if (d.state === 'cancelled' && !d.startedAt) {
      this.finished(
        this.store.update(
          number,
          {
            verdict: verdictText({ state: 'cancelled' }, cancelCtx(d)),
            finishedAt: this.now().toISOString(),
          },
          this.now().toISOString(),
        ),
        [],
      );
      return;
    }
    if (d.state === 'finishing') {
      const snap = this.kube.snapshot(d.cluster, d.namespace, number);
      const logs = await this.kube.gatherLogs(d.cluster, d.namespace, snap.pods);
      const at = this.now().toISOString();
      for (const log of logs) {
        const capped = capLog(log.text, this.settings.logCapBytes);
        this.store.saveLog(
          number,
          {
            ...log,
            text: capped.text,
            truncated: log.truncated || capped.truncated,
            originalBytes: Math.max(log.originalBytes, capped.originalBytes),
          },
          at,
        );
      }
      const next = transition(stateOf(d), { type: 'logsGathered' });
      if (!next.ok) return;
      d = this.save(d, next.state);
    }
    if (d.state !== 'cleaning') return;
    const keep = this.settings.keepFailedJobs && d.outcome === 'failed';
    if (!keep) {
      const deleted = await this.kube.deleteJob(d.cluster, d.namespace, d.jobName);
      if (!deleted.ok) {
        this.log.warn({ dispatch: number, failure: deleted.failure }, 'deleting the Job failed; will retry');
        setTimeout(
          () => this.serialize(number, () => this.finish(number)).catch(() => undefined),
          5_000,
        ).unref();
        return;
      }
    }
    const next = transition(stateOf(d), { type: 'deleted' });
    if (!next.ok) return;
    const observation = (d.observation ?? undefined) as DispatchObservation | undefined;
    const outcome = next.state.name;
    const verdict =
      outcome === 'cancelled'
        ? verdictText({ state: 'cancelled', ...(observation ? { observation } : {}) }, cancelCtx(d))
        : observation
          ? verdictText({ state: outcome as 'succeeded' | 'failed', observation }, mention(d))
          : `Finished: ${outcome}`;
    d = this.save(d, next.state, { verdict, finishedAt: this.now().toISOString() });
    this.log.info({ dispatch: number, outcome, kept: keep }, 'dispatch finished');
    this.finished(d, this.store.logs(number));
  }

  /** The end of a dispatch, whatever it was: told to Slack and recorded in the audit log. */
  private finished(d: DispatchRecord, logs: StoredLog[]): void {
    this.notify.finished(d, logs);
    this.audit.record(SYSTEM, 'dispatch.finished', `dispatch:${d.number}`, {
      definition: d.definitionName,
      outcome: d.state,
      verdict: d.verdict,
      ...(d.error ? { error: d.error } : {}),
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
      logs: logs.map((l) => ({
        pod: l.pod,
        container: l.container,
        bytes: l.originalBytes,
        truncated: l.truncated,
      })),
    });
  }

  /** Records timeline events once each; returns the ones not recorded before. */
  private record(d: DispatchRecord, events: TimelineEvent[]): TimelineEvent[] {
    const at = this.now().toISOString();
    return events.filter(
      (e) => e.kind !== 'finished' && this.store.addEvent(d.number, { key: e.key, at, text: e.text }),
    );
  }
}

function stateOf(d: DispatchRecord): DispatchState {
  switch (d.state) {
    case 'creating':
      return { name: 'creating', ...(d.cancelRequested ? { cancelRequested: true } : {}) };
    case 'finishing':
    case 'cleaning':
      return { name: d.state, outcome: (d.outcome ?? 'failed') as 'succeeded' | 'failed' | 'cancelled' };
    default:
      return { name: d.state } as DispatchState;
  }
}

function mention(d: DispatchRecord) {
  return d.actor.kind === 'slack' ? { dispatcherMention: `<@${d.actor.id}>` } : {};
}

function mentionSuffix(d: DispatchRecord): string {
  return d.actor.kind === 'slack' ? ` — <@${d.actor.id}>` : '';
}

function cancelCtx(d: DispatchRecord) {
  return { ...mention(d), ...(d.cancelledBy ? { cancelledBy: `<@${d.cancelledBy.id}>` } : {}) };
}

function invalid(messages: string[]): JobbotError {
  return new JobbotError('invalid_overrides', `Nothing was dispatched: ${messages.join(' ')}`, { messages });
}

function startFailure(failure: KubeFailure, d: DispatchRecord): string {
  switch (failure.kind) {
    case 'forbidden':
      return `Jobbot may not create Jobs in ${d.namespace} on ${d.cluster} (${failure.message}). Ask a cluster admin to grant Jobbot's service account access.`;
    case 'invalid': {
      const fields = failure.causes.map((c) => `${c.field}: ${c.message}`).join('; ');
      return `the API server of ${d.cluster} refused the Job: ${fields || failure.message}`;
    }
    case 'conflict':
      return `a Job named ${d.jobName} that Jobbot did not create already exists in ${d.namespace}`;
    default:
      return `cluster ${d.cluster} could not be reached (${failure.message}); try again when it is back`;
  }
}

export { formatOverrides };
