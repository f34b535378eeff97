/**
 * Dispatching: record, create in the cluster, follow, finish (gather logs, then delete), cancel.
 * The dispatch row is written before any cluster call; every step after it moves the recorded state
 * forward, so after a crash `resume()` knows what is left to do. Work on one dispatch is serialized;
 * cluster changes arrive from the shared watch as "dispatch N changed", and are reconciled against
 * what was recorded, so a repeated or late notification changes nothing.
 *
 * Crash safety: a state change and the notifications it causes (outbox rows, audit entry) are written
 * in one database transaction, so a process killed at any instant leaves either both or neither; the
 * verdict of a dispatch is therefore queued exactly once. Glossary:
 * - sweep: deleting the Job of a dispatch that already ended (left behind when the cluster was away).
 * - lost contact: the namespace's watch has not worked for `lostContactMs`; the dispatch then ends
 *   with that reason rather than showing "running" for ever, and the sweep removes its Job later.
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
  StoredLogFile,
} from '../store/dispatches.js';
import { type AccessGate, OPEN_GATE } from './access.js';

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
  /** Asked of the API server itself: the watch's cache may not hold a Job created a moment ago. */
  jobExists(cluster: string, namespace: string, name: string): Promise<Result<boolean>>;
  gatherLogs(cluster: string, namespace: string, pods: PodLike[]): Promise<GatheredLog[]>;
  watch(cluster: string, namespace: string): void;
  snapshot(
    cluster: string,
    namespace: string,
    dispatch: number,
  ): { job: JobLike | undefined; pods: PodLike[]; synced: boolean };
  /** How long the namespace has been without a working watch (0 while it works). */
  unsyncedFor(cluster: string, namespace: string): number;
}

export interface DispatchStore {
  create(
    d: Omit<NewDispatch, 'spec'>,
    render: (n: number) => { jobName: string; spec: Record<string, unknown> },
    at: string,
  ): DispatchRecord;
  get(number: number): DispatchRecord | undefined;
  placeOf(number: number): { cluster: string; namespace: string } | undefined;
  unfinished(terminal: readonly string[]): DispatchRecord[];
  update(number: number, change: DispatchChange, at: string): DispatchRecord;
  addEvent(number: number, event: { key: string; at: string; text: string }): boolean;
  saveLog(number: number, log: StoredLog, at: string): void;
  logs(number: number): StoredLog[];
  logFiles(number: number): StoredLogFile[];
  events(number: number): { key: string; at: string; text: string }[];
  history(q: HistoryQuery): { items: DispatchRecord[]; total: number };
  /** Runs `fn` in one database transaction (nested calls join it). */
  transaction<T>(fn: () => T): T;
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
  /** Set only by the approvals service: the people whose approval this dispatch had. */
  approvedBy?: { id: string; name: string }[];
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
  /** Wait before retrying a failed delete, doubled per failure up to deleteRetryMaxMs (5 s, 60 s). */
  deleteRetryMs?: number;
  deleteRetryMaxMs?: number;
  /** Without a working watch this long, a started dispatch ends (default 15 min). */
  lostContactMs?: number;
  /** How often lost contact is looked for (default 30 s). */
  contactCheckMs?: number;
  /** This installation's id, labelled on every Job (default: none, as in tests of one Jobbot). */
  installation?: string;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'failed_to_start'] as const;
/** A finished dispatch's Job still in the watch's cache is deleted again only after this long. */
const SWEEP_AFTER_MS = 30_000;

export class DispatchService {
  readonly #queues = new Map<number, Promise<void>>();
  /** Delete retries and the contact check, cleared by close(). */
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #deleteFailures = new Map<number, number>();
  /** When Jobbot's own delete of each recent dispatch's Job was accepted (ms), for sweep(). */
  readonly #deletedAt = new Map<number, number>();
  /** Callers waiting for a dispatch to end (the API's `wait`), woken by the write that ends it. */
  readonly #waiters = new Map<number, Set<() => void>>();
  #closed = false;

  constructor(
    private readonly definitions: { get(name: string): DefinitionRecord },
    private readonly store: DispatchStore,
    private readonly kube: DispatchKube,
    private readonly notify: DispatchNotifications,
    private readonly log: Logger,
    settings: DispatchSettings,
    private readonly audit: AuditTrail = NO_AUDIT,
    private readonly now: () => Date = () => new Date(),
    private readonly gate: AccessGate = OPEN_GATE,
  ) {
    this.settings = {
      createAttempts: 3,
      createRetryMs: 1_000,
      deleteRetryMs: 5_000,
      deleteRetryMaxMs: 60_000,
      lostContactMs: 15 * 60_000,
      contactCheckMs: 30_000,
      installation: '',
      ...settings,
    };
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

  /** The logs, each streamed when opened: for readers of large logs (the HTTP API). */
  logFiles(number: number): StoredLogFile[] {
    this.get(number);
    return this.store.logFiles(number);
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
    // What changed, for people to read: taken of masked copies, so a secret env value never shows.
    // Nothing overridden (a CI dispatch as saved): nothing to compare, which is most of a burst's cost.
    const overrides =
      template === base ? [] : diffTemplates(this.gate.maskObject(base), this.gate.maskObject(template));
    return { definition, template, overrides, yes };
  }

  /** Records the dispatch, tells Slack, then creates the Job in the background. */
  dispatch(request: DispatchRequest, actor: Actor): DispatchRecord {
    const { definition, template, overrides } = this.plan(request);
    this.admit(request, actor, definition, template);
    const at = this.now().toISOString();
    // The row, its audit entry and its status message are one write: a crash leaves all or none.
    const numbered = this.store.transaction(() => {
      const record = this.store.create(
        {
          definitionId: definition.id,
          definitionName: definition.name,
          revision: definition.revision,
          cluster: definition.cluster,
          namespace: definition.namespace,
          overrides: {
            // Shown in Slack and kept in history: secret-looking values are masked (the Job has them).
            changes: overrides.map((line) => this.gate.maskText(line)),
            ...(request.approvedBy?.length ? { approvedBy: request.approvedBy } : {}),
          },
          actor,
          sourceChannel: request.sourceChannel,
          channel: request.channel,
        },
        (number) => {
          const spec = renderJob(
            {
              name: definition.name,
              namespace: definition.namespace,
              template,
              revision: definition.revision,
            },
            {
              number,
              dispatchedBy: { id: actor.id, name: actor.name },
              installation: this.settings.installation,
            },
          );
          return {
            jobName: kubernetesJobName(definition.name, number),
            spec: spec as unknown as Record<string, unknown>,
          };
        },
        at,
      );
      this.audit.record(
        actor,
        request.rerunOf !== undefined ? 'dispatch.rerun' : 'dispatch.created',
        `dispatch:${record.number}`,
        {
          definition: definition.name,
          revision: definition.revision,
          cluster: definition.cluster,
          namespace: definition.namespace,
          jobName: record.jobName,
          channel: record.channel,
          ...(request.rerunOf !== undefined ? { rerunOf: request.rerunOf } : {}),
          // The actor's hashed fields have no room for it, so the person a pipeline acted for is a detail.
          ...(actor.kind === 'token' && actor.onBehalfOf ? { onBehalfOf: actor.onBehalfOf } : {}),
          overrides: auditChanges(definition.template, template),
        },
      );
      this.notify.created(record);
      return record;
    });
    this.log.info(
      { dispatch: numbered.number, definition: definition.name, user: actor.id },
      'dispatch recorded',
    );
    this.serialize(numbered.number, () => this.create(numbered.number)).catch(() => undefined);
    return numbered;
  }

  /** Carries every unfinished dispatch on after a restart, and starts looking for lost contact. */
  resume(): void {
    for (const d of this.store.unfinished(TERMINAL)) {
      this.kube.watch(d.cluster, d.namespace);
      this.serialize(d.number, async () => {
        if (d.state === 'pending' || d.state === 'creating') await this.create(d.number);
        else if (d.state === 'finishing' || d.state === 'cleaning') await this.finish(d.number);
        else await this.reconcile(d.number);
      }).catch(() => undefined);
    }
    this.every(this.settings.contactCheckMs, () => this.checkContact());
  }

  /**
   * Called when the watch of a namespace is synced again (first list, re-list, restart): each started
   * dispatch there is reconciled, since one whose Job vanished meanwhile is named by no event.
   */
  resync(where: { cluster: string; namespace: string }): void {
    if (this.#closed) return;
    for (const d of this.store.unfinished(TERMINAL)) {
      if (d.cluster !== where.cluster || d.namespace !== where.namespace) continue;
      if (d.state === 'pending' || d.state === 'creating') continue;
      this.serialize(d.number, () => this.reconcile(d.number)).catch(() => undefined);
    }
  }

  /**
   * Called by the shared watch whenever a Job or Pod labelled with dispatch `number` changed. A label
   * in another cluster or namespace is not ours (another Jobbot may share the label) and is ignored.
   */
  changed(number: number, where?: { cluster: string; namespace: string }): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const d = this.store.placeOf(number);
    if (!d || (where && (d.cluster !== where.cluster || d.namespace !== where.namespace)))
      return Promise.resolve();
    return this.serialize(number, () => this.reconcile(number)).catch(() => undefined);
  }

  /** The policy's early word, for doors that open a modal before anything is dispatched. */
  authorize(name: string, actor: Actor, channel: string | null): void {
    const { definition } = this.plan({ name });
    this.gate.require(
      actor,
      {
        kind: 'dispatch',
        job: definition.name,
        cluster: definition.cluster,
        namespace: definition.namespace,
      },
      channel,
    );
  }

  /**
   * The policy's word on this dispatch: refused (forbidden), refused by a guardrail, or held for
   * approval unless the approvals service is dispatching an approved request.
   */
  private admit(
    request: DispatchRequest,
    actor: Actor,
    definition: DefinitionRecord,
    template: JobTemplate,
  ): void {
    const approval = this.gate.require(
      actor,
      {
        kind: 'dispatch',
        job: definition.name,
        cluster: definition.cluster,
        namespace: definition.namespace,
      },
      request.sourceChannel ?? request.channel,
    );
    const violations = this.gate.guardrails(definition.cluster, template);
    if (violations.length > 0)
      throw new JobbotError(
        'forbidden',
        `${definition.name} cannot be dispatched: ${violations.map((v) => v.message).join(' ')}`,
        { violations },
      );
    if (approval && !request.approvedBy?.length)
      throw new JobbotError(
        'approval_required',
        `Dispatching ${definition.name} needs ${approval.approvals} approval${approval.approvals === 1 ? '' : 's'} (rule: ${approval.rule}).`,
        { approval },
      );
  }

  cancel(number: number, actor: Actor): Promise<DispatchRecord> {
    const target = this.get(number);
    // Whoever dispatched it may stop it; anyone else needs the right to dispatch that job there.
    if (actor.kind !== 'system' && actor.id !== target.actor.id)
      this.gate.require(
        actor,
        {
          kind: 'dispatch',
          job: target.definitionName,
          cluster: target.cluster,
          namespace: target.namespace,
        },
        target.sourceChannel ?? target.channel,
      );
    return this.serialize(number, async () => {
      const d = this.get(number);
      const next = transition(stateOf(d), { type: 'cancelRequested' });
      if (!next.ok)
        throw new JobbotError('dispatch_not_cancellable', `#${number} cannot be cancelled: ${next.message}`);
      const by = { id: actor.id, name: actor.name };
      const ended = next.state.name === 'cancelled';
      this.store.transaction(() => {
        const saved = this.save(d, next.state, {
          cancelledBy: by,
          // Nothing reached the cluster: the verdict is known now, and written with the state.
          ...(ended
            ? {
                verdict: verdictText({ state: 'cancelled' }, cancelCtx({ ...d, cancelledBy: by })),
                finishedAt: this.now().toISOString(),
              }
            : {}),
        });
        this.audit.record(actor, 'dispatch.cancelled', `dispatch:${number}`, {
          definition: d.definitionName,
          state: d.state,
        });
        if (ended) this.finished(saved, []);
      });
      this.log.info({ dispatch: number, user: actor.id }, 'dispatch cancel requested');
      if (next.state.name === 'finishing') await this.finish(number);
    }).then(() => this.get(number));
  }

  /** Waits until no work on any dispatch is queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }

  /** Stops retries and checks; work already queued finishes (see idle()). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
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

  /** Runs `fn` after `ms`, unless the service closed meanwhile. */
  private later(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) fn();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  private every(ms: number, fn: () => void): void {
    this.later(ms, () => {
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'periodic dispatch check failed');
      }
      this.every(ms, fn);
    });
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
    if (isTerminal(state.name)) for (const wake of [...(this.#waiters.get(d.number) ?? [])]) wake();
    return saved;
  }

  /** Resolves once dispatch `n` has ended (at once if it has), or when `signal` aborts. */
  ended(n: number, signal?: AbortSignal): Promise<void> {
    if (isTerminal(this.get(n).state as DispatchState['name']) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(n) ?? new Set<() => void>();
      const done = () => {
        waiting.delete(done);
        if (waiting.size === 0) this.#waiters.delete(n);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      waiting.add(done);
      this.#waiters.set(n, waiting);
      signal?.addEventListener('abort', done, { once: true });
    });
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
      this.store.transaction(() => {
        const finished = this.save(d, next.state, {
          error: reason,
          verdict: verdictText({ state: 'failed_to_start', error: reason }, mention(d)),
          finishedAt: this.now().toISOString(),
        });
        this.finished(finished, []);
      });
      return;
    }
    const next = transition(stateOf(d), { type: 'created' });
    if (!next.ok) return;
    d = this.save(d, next.state, { startedAt: this.now().toISOString() });
    if (next.state.name === 'finishing') await this.finish(number);
    else await this.reconcile(number, { justCreated: true });
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

  /**
   * Brings the record up to what the watch's cache shows. `justCreated`: the Job was created a moment
   * ago, so its absence from the cache only means the watch has not said so yet; its event will come.
   */
  private async reconcile(number: number, opts: { justCreated?: boolean } = {}): Promise<void> {
    let d = this.get(number);
    if (isTerminal(d.state as DispatchState['name'])) return this.sweep(d);
    if (d.state === 'pending' || d.state === 'creating') return;
    const snap = this.kube.snapshot(d.cluster, d.namespace, number);
    if (!snap.synced) return;
    const observation = deriveStatus(snap.job, snap.pods);
    const previous = (d.observation ?? undefined) as DispatchObservation | undefined;
    if (d.state === 'running' && !observation.exists) {
      // The watch's cache may not hold a Job created a moment ago: only the API server can say it is gone.
      if (!previous?.exists) {
        if (opts.justCreated) return;
        const there = await this.kube.jobExists(d.cluster, d.namespace, d.jobName);
        if (!there.ok || there.value) return;
        d = this.get(number);
        if (d.state !== 'running') return;
      }
      const next = transition(stateOf(d), { type: 'deleted' });
      if (!next.ok) return;
      const at = this.now().toISOString();
      const running = d;
      this.store.transaction(() => {
        const verdict = 'Failed: the Job was deleted outside Jobbot before it finished';
        const ended = this.save(running, next.state, {
          observation: observation as never,
          verdict: `${verdict}${mentionSuffix(running)}`,
          error: 'The Job was deleted outside Jobbot before it finished.',
          finishedAt: at,
        });
        this.finished(ended, this.store.logs(number));
      });
      this.log.warn({ dispatch: number }, 'the Job was deleted outside Jobbot');
      return;
    }
    const next = transition(stateOf(d), { type: 'observed', observation });
    const state = next.ok ? next.state : stateOf(d);
    const current = d;
    // The timeline's replies are written with the state that caused them: none is lost in a crash.
    this.store.transaction(() => {
      const fresh = this.record(current, timelineFor(previous, observation));
      if (fresh.length > 0) this.notify.timeline(current, fresh);
      if (JSON.stringify(previous) !== JSON.stringify(observation) || state.name !== current.state) {
        this.save(current, state, { observation: observation as never });
      }
    });
    if (state.name === 'finishing') await this.finish(number);
  }

  /**
   * A dispatch that ended still has a Job in the cluster (its deletion failed while the cluster was
   * away, or Jobbot stopped in between): delete it. Failed Jobs kept on purpose are left alone, and a
   * dispatch that never created its Job owns none (a Job of that name is someone else's).
   */
  private async sweep(d: DispatchRecord): Promise<void> {
    if (!d.startedAt || (this.settings.keepFailedJobs && d.state === 'failed')) return;
    // Deleted a moment ago: the watch has yet to say so, and its pods' events come meanwhile.
    const ours = this.#deletedAt.get(d.number);
    if (ours !== undefined && this.now().getTime() - ours < SWEEP_AFTER_MS) return;
    this.#deletedAt.delete(d.number);
    const snap = this.kube.snapshot(d.cluster, d.namespace, d.number);
    const job = snap.job;
    // Synced or not: a cached Job was there at the last list, and deleting a gone one is harmless.
    if (!job || job.metadata?.deletionTimestamp || job.metadata?.name !== d.jobName) return;
    const deleted = await this.kube.deleteJob(d.cluster, d.namespace, d.jobName);
    if (deleted.ok && deleted.value.existed)
      this.log.info({ dispatch: d.number }, 'deleted the Job of a finished dispatch, left behind earlier');
  }

  /** Gathers every container's log, then deletes the Job; each step is recorded, so it resumes. */
  private async finish(number: number): Promise<void> {
    let d = this.get(number);
    if (d.state === 'cancelled' && !d.startedAt && !d.finishedAt) {
      const cancelled = d;
      this.store.transaction(() => {
        const ended = this.store.update(
          number,
          {
            verdict: verdictText({ state: 'cancelled' }, cancelCtx(cancelled)),
            finishedAt: this.now().toISOString(),
          },
          this.now().toISOString(),
        );
        this.finished(ended, []);
      });
      return;
    }
    if (d.state === 'finishing') {
      const snap = this.kube.snapshot(d.cluster, d.namespace, number);
      // Without a complete list the pods are not known; resync() comes back once the watch works.
      if (!snap.synced) return;
      const logs = await this.kube.gatherLogs(d.cluster, d.namespace, snap.pods);
      const observation = (d.observation ?? undefined) as DispatchObservation | undefined;
      logs.push(...vanishedPodLogs(observation, snap.pods));
      const at = this.now().toISOString();
      for (const log of logs) {
        // Masked before it is stored: snippets, files and the API all read the stored text.
        const capped = capLog(this.gate.maskText(log.text), this.settings.logCapBytes);
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
      d = this.get(number);
      const next = transition(stateOf(d), { type: 'logsGathered' });
      if (!next.ok) return;
      d = this.save(d, next.state);
    }
    if (d.state !== 'cleaning') return;
    const keep = this.settings.keepFailedJobs && d.outcome === 'failed';
    let note: string | undefined;
    if (!keep) {
      const deleted = await this.kube.deleteJob(d.cluster, d.namespace, d.jobName);
      if (!deleted.ok && deleted.failure.kind !== 'forbidden') {
        this.retryDelete(number, deleted.failure);
        return;
      }
      // Retrying cannot lift a refusal: end with the verdict and say what was left behind.
      if (!deleted.ok)
        note = `Jobbot may not delete Jobs in ${d.namespace} on ${d.cluster}, so ${d.jobName} is still there`;
    }
    this.#deleteFailures.delete(number);
    if (!keep && !note) this.deletedJob(number);
    this.end(this.get(number), note);
    this.log.info({ dispatch: number, outcome: d.outcome, kept: keep }, 'dispatch finished');
  }

  private deletedJob(number: number): void {
    const now = this.now().getTime();
    // Most are never swept: forget the old ones now and then.
    if (this.#deletedAt.size >= 1000)
      for (const [n, at] of this.#deletedAt) if (now - at >= SWEEP_AFTER_MS) this.#deletedAt.delete(n);
    this.#deletedAt.set(number, now);
  }

  private retryDelete(number: number, failure: KubeFailure): void {
    const failures = (this.#deleteFailures.get(number) ?? 0) + 1;
    this.#deleteFailures.set(number, failure.kind === 'not_found' ? 0 : failures);
    const wait = Math.min(this.settings.deleteRetryMaxMs, this.settings.deleteRetryMs * 2 ** (failures - 1));
    this.log.warn({ dispatch: number, failure, retryInMs: wait }, 'deleting the Job failed; will retry');
    this.later(wait, () => void this.serialize(number, () => this.finish(number)).catch(() => undefined));
  }

  /** cleaning → its outcome, with the verdict and every notification in one write. */
  private end(d: DispatchRecord, note?: string): void {
    const next = transition(stateOf(d), { type: 'deleted' });
    if (!next.ok) return;
    const verdict = withNote(this.verdictOf(d, next.state.name as Outcome), note);
    this.store.transaction(() => {
      const ended = this.save(d, next.state, { verdict, finishedAt: this.now().toISOString() });
      this.finished(ended, this.store.logs(d.number));
    });
  }

  private verdictOf(d: DispatchRecord, outcome: Outcome): string {
    const observation = (d.observation ?? undefined) as DispatchObservation | undefined;
    if (outcome === 'cancelled')
      return verdictText({ state: 'cancelled', ...(observation ? { observation } : {}) }, cancelCtx(d));
    return observation
      ? verdictText({ state: outcome, observation }, mention(d))
      : `Finished: ${outcome}${mentionSuffix(d)}`;
  }

  /** Started dispatches whose namespace has had no working watch for lostContactMs are given up. */
  private checkContact(): void {
    for (const d of this.store.unfinished(TERMINAL)) {
      if (d.state === 'pending' || d.state === 'creating') continue;
      if (this.kube.unsyncedFor(d.cluster, d.namespace) < this.settings.lostContactMs) continue;
      this.serialize(d.number, () => this.giveUp(d.number)).catch(() => undefined);
    }
  }

  /**
   * Ends a dispatch whose cluster has been away too long. A running one fails (Kubernetes' verdict is
   * unknown); one already finishing keeps its outcome. Logs not read yet are recorded as unreadable,
   * and the Job is left for the sweep to delete when the cluster is back.
   */
  private async giveUp(number: number): Promise<void> {
    const d = this.get(number);
    if (isTerminal(d.state as DispatchState['name']) || d.state === 'pending' || d.state === 'creating')
      return;
    const away = this.kube.unsyncedFor(d.cluster, d.namespace);
    if (away < this.settings.lostContactMs) return;
    const lost = `lost contact with cluster ${d.cluster} for ${formatAway(away)}`;
    const at = this.now().toISOString();
    if (d.state === 'running' || d.state === 'finishing') {
      const observation = (d.observation ?? undefined) as DispatchObservation | undefined;
      const stored = new Set(this.store.logs(number).map((l) => `${l.pod}/${l.container}`));
      const unread = vanishedPodLogs(observation, [], `Jobbot ${lost}, so this log could not be read.`);
      for (const log of unread)
        if (!stored.has(`${log.pod}/${log.container}`)) this.store.saveLog(number, log, at);
    }
    const outcome: Outcome = d.state === 'running' ? 'failed' : ((d.outcome ?? 'failed') as Outcome);
    // The sweep leaves failed Jobs kept on purpose, so the note must not promise their deletion.
    const cleanup =
      this.settings.keepFailedJobs && outcome === 'failed'
        ? 'its Job is kept in the cluster for debugging'
        : 'its Job is deleted when the cluster is back';
    const verdict =
      d.state === 'running'
        ? `Failed: ${lost}; ${cleanup}${mentionSuffix(d)}`
        : withNote(this.verdictOf(d, outcome), `Jobbot ${lost}; ${cleanup}`);
    this.log.warn({ dispatch: number, cluster: d.cluster, awayMs: away }, 'lost contact; dispatch ended');
    this.store.transaction(() => {
      const ended = this.save(d, { name: outcome }, { verdict, error: `Jobbot ${lost}.`, finishedAt: at });
      this.finished(ended, this.store.logs(number));
    });
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

type Outcome = 'succeeded' | 'failed' | 'cancelled';

/**
 * Entries for pods the last observation knew but the cluster no longer has (deleted behind Jobbot's
 * back, or unreachable): their logs are gone, and the record says so rather than staying silent.
 */
function vanishedPodLogs(
  observation: DispatchObservation | undefined,
  present: PodLike[],
  why?: string,
): GatheredLog[] {
  const here = new Set(present.map((p) => p.metadata?.name));
  return (observation?.pods ?? [])
    .filter((p) => !here.has(p.name))
    .flatMap((p) =>
      p.containers.map((container) => ({
        pod: p.name,
        container,
        init: false,
        previous: false,
        text: '',
        originalBytes: 0,
        truncated: false,
        error: why ?? `The pod ${p.name} was gone before its log could be read.`,
      })),
    );
}

/** Puts a note after the verdict and before the mention that ends it. */
function withNote(verdict: string, note: string | undefined): string {
  if (!note) return verdict;
  const at = verdict.lastIndexOf(' — <@');
  return at < 0
    ? `${verdict}. ${capitalize(note)}`
    : `${verdict.slice(0, at)}. ${capitalize(note)}${verdict.slice(at)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatAway(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes >= 1 ? `${minutes} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
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

function cancelCtx(d: Pick<DispatchRecord, 'actor' | 'cancelledBy'>) {
  return {
    ...(d.actor.kind === 'slack' ? { dispatcherMention: `<@${d.actor.id}>` } : {}),
    ...(d.cancelledBy ? { cancelledBy: `<@${d.cancelledBy.id}>` } : {}),
  };
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
