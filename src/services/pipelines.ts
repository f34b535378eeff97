/**
 * Pipelines: saving them, running them stage by stage, cancelling a run. A run is driven by its
 * dispatches finishing (`dispatchFinished`, called from the dispatch notifications), and everything
 * it needs to go on is in the database, so `resume()` after a restart simply looks at each running
 * run again. Glossary:
 * - claim: while a run dispatches a job, the dispatch it records is claimed for that run (written to
 *   pipeline_dispatches), so its own Slack messages are suppressed from the very first one.
 */
import { type Actor, type AuditTrail, NO_AUDIT, SYSTEM } from '../domain/actor.js';
import { isTerminal } from '../domain/dispatch/index.js';
import { isJobbotError, JobbotError } from '../domain/errors.js';
import { overrideWords, parseStages, pipelineNameProblem } from '../domain/pipeline.js';
import type { Logger } from '../logger.js';
import { StaleRevisionError } from '../store/definitions.js';
import type { DispatchRecord, StoredLog } from '../store/dispatches.js';
import type { PipelineRecord, PipelineRepository, RunRecord, RunState } from '../store/pipelines.js';
import { type AccessGate, OPEN_GATE } from './access.js';
import type { DispatchService } from './dispatches.js';

export type StageState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface RunView {
  run: RunRecord;
  stages: {
    state: StageState;
    jobs: { job: string; dispatch?: { number: number; state: string; verdict: string | null } }[];
  }[];
}

/** How the people following a run hear about it (its Slack thread). */
export interface PipelineNotifications {
  started(v: RunView): void;
  changed(v: RunView): void;
  stageStarted(v: RunView, stage: number): void;
  /** `logs` are the job's gathered logs, for the snippets in the run's thread. */
  jobFinished(v: RunView, d: DispatchRecord, logs: readonly StoredLog[]): void;
  finished(v: RunView): void;
}

export interface SaveError {
  field: 'name' | 'yaml';
  message: string;
}

export type SaveResult =
  | { ok: true; pipeline: PipelineRecord; created: boolean }
  /** `forbidden`: the policy refused the person, not the pipeline (the API answers 403). */
  | { ok: false; errors: SaveError[]; forbidden?: true };

type Dispatches = Pick<DispatchService, 'plan' | 'dispatch' | 'get' | 'cancel'>;

export class PipelineService {
  #claim: { runId: number; stage: number; job: number } | undefined;

  constructor(
    private readonly store: PipelineRepository,
    private readonly dispatches: Dispatches,
    private readonly notify: PipelineNotifications,
    private readonly log: Logger,
    private readonly audit: AuditTrail = NO_AUDIT,
    private readonly now: () => Date = () => new Date(),
    private readonly gate: AccessGate = OPEN_GATE,
  ) {}

  /**
   * Checks every job exists and its overrides apply before anything is saved. `basedOn` is the
   * revision the person started from (0 for a new pipeline); left out, the save overwrites (GitOps).
   */
  save(name: string, yaml: string, actor: Actor, basedOn?: number): SaveResult {
    try {
      this.gate.require(actor, { kind: 'pipeline.manage' });
    } catch (err) {
      if (!isJobbotError(err)) throw err;
      return { ok: false, errors: [{ field: 'name', message: err.userMessage }], forbidden: true };
    }
    const problem = pipelineNameProblem(name);
    const parsed = parseStages(yaml);
    const errors: SaveError[] = problem ? [{ field: 'name', message: problem }] : [];
    if (!parsed.ok) errors.push(...parsed.errors.map((message) => ({ field: 'yaml' as const, message })));
    else {
      parsed.stages.forEach((stage, s) => {
        for (const j of stage.jobs) {
          try {
            this.dispatches.plan({ name: j.job, words: overrideWords(j) });
          } catch (err) {
            if (!isJobbotError(err)) throw err;
            errors.push({ field: 'yaml', message: `Stage ${s + 1}, ${j.job}: ${err.userMessage}` });
          }
        }
      });
    }
    if (errors.length > 0 || !parsed.ok) return { ok: false, errors };
    let saved: { pipeline: PipelineRecord; created: boolean };
    try {
      saved = this.store.save({ name, stages: parsed.stages, yaml }, actor, this.at(), basedOn);
    } catch (err) {
      if (!(err instanceof StaleRevisionError)) throw err;
      return { ok: false, errors: [staleError(name, basedOn ?? 0, err.current)] };
    }
    this.audit.record(actor, saved.created ? 'pipeline.created' : 'pipeline.updated', `pipeline:${name}`, {
      revision: saved.pipeline.revision,
      stages: parsed.stages.map((s) => s.jobs.map((j) => j.job)),
    });
    return { ok: true, ...saved };
  }

  get(name: string): PipelineRecord {
    const p = this.store.get(name);
    if (!p) throw new JobbotError('pipeline_not_found', `There is no pipeline named ${name}.`);
    return p;
  }

  getOrUndefined(name: string): PipelineRecord | undefined {
    return this.store.get(name);
  }

  list(): PipelineRecord[] {
    return this.store.list();
  }

  runs(filter: { pipeline?: string; offset: number; limit: number }): { items: RunRecord[]; total: number } {
    if (filter.pipeline !== undefined) this.get(filter.pipeline);
    return this.store.runs(filter);
  }

  getRun(id: number): RunRecord {
    const r = this.store.run(id);
    if (!r) throw new JobbotError('pipeline_run_not_found', `There is no pipeline run #${id}.`);
    return r;
  }

  run(name: string, actor: Actor, channel: string | null): RunRecord {
    const p = this.get(name);
    this.admit(p, actor, channel);
    const run = this.store.createRun(p, actor, channel, this.at());
    this.log.info({ pipeline: name, run: run.id, user: actor.id }, 'pipeline run started');
    this.audit.record(actor, 'pipeline.run', `pipeline-run:${run.id}`, {
      pipeline: name,
      revision: p.revision,
      channel,
    });
    this.notify.started(this.view(run));
    this.startStage(run, 0);
    return this.getRun(run.id);
  }

  /**
   * Every job of every stage is checked before the run starts, so a run never stops half-way on a
   * refusal that was knowable at the start. A run cannot wait for approvals between stages.
   */
  private admit(p: PipelineRecord, actor: Actor, channel: string | null): void {
    for (const job of new Set(p.stages.flatMap((s) => s.jobs.map((j) => j.job)))) {
      const { definition } = this.dispatches.plan({ name: job });
      const approval = this.gate.require(
        actor,
        { kind: 'dispatch', job, cluster: definition.cluster, namespace: definition.namespace },
        channel,
      );
      if (approval)
        throw new JobbotError(
          'forbidden',
          `Pipeline ${p.name} includes ${job}, which needs approval (rule: ${approval.rule}); a pipeline cannot wait for approvals. Dispatch ${job} by itself with /job run, then run the rest.`,
          { rule: approval.rule },
        );
    }
  }

  cancel(id: number, actor: Actor): RunRecord {
    const run = this.getRun(id);
    if (run.state !== 'running')
      throw new JobbotError('pipeline_not_cancellable', `Pipeline run #${id} has already finished.`);
    const who = actor.kind === 'slack' ? `<@${actor.id}>` : actor.name;
    this.end(run, 'cancelled', `Cancelled by ${who} during stage ${run.stage + 1}`);
    this.audit.record(actor, 'pipeline.cancelled', `pipeline-run:${id}`, {
      pipeline: run.pipelineName,
      stage: run.stage + 1,
    });
    // Not awaited: cancelling a Job gathers its logs first, longer than a slash command may take.
    const cancels = this.stageDispatches(run)
      .filter((d) => !isTerminal(d.state as never))
      .map((d) =>
        this.dispatches.cancel(d.number, actor).catch((err: unknown) => {
          if (!isJobbotError(err))
            this.log.error({ err, dispatch: d.number }, 'cancelling a stage job failed');
        }),
      );
    void Promise.all(cancels);
    return this.getRun(id);
  }

  /** Looks again at every running run: starts what a crash left unstarted, advances finished stages. */
  resume(): void {
    for (const run of this.store.unfinishedRuns()) this.evaluate(run.id);
  }

  /** True when dispatch `d` is part of a run (claimed now or earlier). */
  claims(d: DispatchRecord): boolean {
    const claim = this.#claim;
    if (claim) {
      this.#claim = undefined;
      this.store.addDispatch(claim.runId, { dispatchNumber: d.number, stage: claim.stage, job: claim.job });
      return true;
    }
    return this.store.runOf(d.number) !== undefined;
  }

  dispatchChanged(d: DispatchRecord): void {
    const ref = this.store.runOf(d.number);
    if (ref) this.notify.changed(this.view(this.getRun(ref.runId)));
  }

  dispatchFinished(d: DispatchRecord, logs: readonly StoredLog[] = []): void {
    const ref = this.store.runOf(d.number);
    if (!ref) return;
    this.notify.jobFinished(this.view(this.getRun(ref.runId)), d, logs);
    this.evaluate(ref.runId);
  }

  view(run: RunRecord): RunView {
    const recorded = this.store.dispatchesOf(run.id);
    return {
      run,
      stages: run.stages.map((stage, s) => {
        const jobs = stage.jobs.map((j, i) => {
          const ref = recorded.find((r) => r.stage === s && r.job === i);
          const d = ref ? this.dispatches.get(ref.dispatchNumber) : undefined;
          return {
            job: j.job,
            ...(d ? { dispatch: { number: d.number, state: d.state, verdict: d.verdict } } : {}),
          };
        });
        return {
          state: stageState(
            run,
            jobs.map((j) => j.dispatch?.state),
          ),
          jobs,
        };
      }),
    };
  }

  private stopSiblings(
    runId: number,
    running: readonly { number: number; cancelRequested: boolean }[],
  ): void {
    for (const d of running) {
      if (d.cancelRequested) continue;
      this.dispatches.cancel(d.number, SYSTEM).catch((err: unknown) => {
        if (!isJobbotError(err))
          this.log.error({ err, run: runId, dispatch: d.number }, 'stopping a stage job failed');
      });
    }
  }

  private evaluate(runId: number): void {
    const run = this.getRun(runId);
    if (run.state !== 'running') return;
    const stage = run.stages[run.stage];
    const ds = this.stageDispatches(run);
    if (!stage || ds.length < stage.jobs.length) {
      this.startStage(run, run.stage);
      return;
    }
    const unfinished = ds.filter((d) => !isTerminal(d.state as never));
    const broke = ds.some((d) => d.state === 'failed' || d.state === 'failed_to_start');
    if (unfinished.length > 0) {
      // A failed job dooms its stage: its siblings are stopped instead of running to their end.
      if (broke) this.stopSiblings(run.id, unfinished);
      return;
    }
    const failedFirst = ds.filter((d) => d.state === 'failed' || d.state === 'failed_to_start');
    const failed = failedFirst.length > 0 ? failedFirst : ds.filter((d) => d.state !== 'succeeded');
    if (failed.length > 0) {
      const names = failed
        .map((d) => `${d.definitionName} #${d.number} (${d.verdict ?? d.state})`)
        .join(', ');
      this.end(run, 'failed', `Failed in stage ${run.stage + 1}: ${names}`);
    } else if (run.stage + 1 < run.stages.length) {
      this.startStage(run, run.stage + 1);
    } else {
      this.end(run, 'succeeded', `Succeeded: all ${run.stages.length} stages`);
    }
  }

  /** Dispatches the jobs of stage `s` that have no dispatch yet; a job that cannot start fails the run. */
  private startStage(run: RunRecord, s: number): void {
    const current = run.stage === s ? run : this.store.updateRun(run.id, { stage: s });
    const stage = current.stages[s];
    if (!stage) return;
    const have = new Set(
      this.store
        .dispatchesOf(run.id)
        .filter((d) => d.stage === s)
        .map((d) => d.job),
    );
    for (const [i, j] of stage.jobs.entries()) {
      if (have.has(i)) continue;
      this.#claim = { runId: run.id, stage: s, job: i };
      try {
        this.dispatches.dispatch(
          { name: j.job, words: overrideWords(j), channel: run.channel, sourceChannel: run.channel },
          run.actor,
        );
      } catch (err) {
        const reason = isJobbotError(err) ? err.userMessage : 'an unexpected error (logged)';
        if (!isJobbotError(err)) this.log.error({ err, run: run.id }, 'dispatching a stage job failed');
        this.end(current, 'failed', `Failed in stage ${s + 1}: ${j.job} could not start: ${reason}`);
        for (const d of this.stageDispatches(current))
          void this.dispatches.cancel(d.number, SYSTEM).catch(() => undefined);
        return;
      } finally {
        this.#claim = undefined;
      }
    }
    this.notify.stageStarted(this.view(this.getRun(run.id)), s);
  }

  private stageDispatches(run: RunRecord): DispatchRecord[] {
    return this.store
      .dispatchesOf(run.id)
      .filter((d) => d.stage === run.stage)
      .map((d) => this.dispatches.get(d.dispatchNumber));
  }

  private end(run: RunRecord, state: Exclude<RunState, 'running'>, verdict: string): void {
    const ended = this.store.updateRun(run.id, { state, verdict, finishedAt: this.at() });
    this.log.info({ run: run.id, pipeline: run.pipelineName, state }, 'pipeline run finished');
    this.audit.record(SYSTEM, 'pipeline.finished', `pipeline-run:${run.id}`, {
      pipeline: run.pipelineName,
      outcome: state,
      verdict,
    });
    this.notify.finished(this.view(ended));
  }

  private at(): string {
    return this.now().toISOString();
  }
}

function staleError(name: string, basedOn: number, current: number): SaveError {
  if (basedOn === 0)
    return {
      field: 'name',
      message: `A pipeline named ${name} exists already. Pick another name, or change it with /job pipeline edit ${name}.`,
    };
  return {
    field: 'yaml',
    message: `Someone saved ${name} (now revision ${current}) while you edited it. Close this and run /job pipeline edit ${name} again to start from their version; nothing was saved.`,
  };
}

function stageState(run: RunRecord, states: (string | undefined)[]): StageState {
  if (states.every((s) => s === undefined)) return run.state === 'running' ? 'waiting' : 'skipped';
  if (states.some((s) => s === undefined || !isTerminal(s as never))) return 'running';
  if (states.every((s) => s === 'succeeded')) return 'succeeded';
  return states.some((s) => s === 'failed' || s === 'failed_to_start') ? 'failed' : 'cancelled';
}
