/**
 * Pipelines, their runs, which dispatch ran which job of a run, and each run's Slack outbox (see
 * migration 7 for the glossary). A run's outbox is delivered in id order, so its thread reads in
 * order; only the latest content of the status message is sent (see enqueue).
 */
import type { Actor } from '../domain/actor.js';
import type { PipelineStage } from '../domain/pipeline.js';
import type { Db } from './db.js';
import { StaleRevisionError } from './definitions.js';
import { pruneDeliveredRows } from './prune-delivered.js';

export interface PipelineRecord {
  id: number;
  name: string;
  stages: PipelineStage[];
  yaml: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: { id: string; name: string };
}

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunRecord {
  id: number;
  pipelineId: number;
  pipelineName: string;
  revision: number;
  stages: PipelineStage[];
  stage: number;
  state: RunState;
  actor: Actor;
  channel: string | null;
  messageTs: string | null;
  verdict: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface RunDispatch {
  dispatchNumber: number;
  stage: number;
  job: number;
}

export type PipelineOutboxKind = 'post' | 'update' | 'reply';

export interface PipelineOutboxEntry {
  id: number;
  runId: number;
  kind: PipelineOutboxKind;
  payload: { text: string; blocks?: unknown[] };
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  /** An earlier call may have reached Slack: look for its message before sending again. */
  inDoubt: boolean;
  /** Where the thread goes, as `heads` reads it (the run's channel, else its Slack runner). */
  channel?: string;
}

type Row = Record<string, unknown>;

function outboxEntryFrom(r: Row): PipelineOutboxEntry {
  return {
    id: Number(r.id),
    runId: Number(r.run_id),
    kind: r.kind as PipelineOutboxKind,
    payload: JSON.parse(String(r.payload)) as PipelineOutboxEntry['payload'],
    attempts: Number(r.attempts),
    nextAttemptAt: String(r.next_attempt_at),
    createdAt: String(r.created_at),
    inDoubt: r.in_doubt === 1,
  };
}

function pipelineFrom(r: Row): PipelineRecord {
  return {
    id: Number(r.id),
    name: String(r.name),
    stages: JSON.parse(String(r.stages)) as PipelineStage[],
    yaml: String(r.yaml),
    revision: Number(r.revision),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    updatedBy: { id: String(r.updated_by_id), name: String(r.updated_by_name) },
  };
}

function runFrom(r: Row): RunRecord {
  return {
    id: Number(r.id),
    pipelineId: Number(r.pipeline_id),
    pipelineName: String(r.pipeline_name),
    revision: Number(r.revision),
    stages: JSON.parse(String(r.stages)) as PipelineStage[],
    stage: Number(r.stage),
    state: r.state as RunState,
    actor: JSON.parse(String(r.actor)) as Actor,
    channel: (r.channel as string | null) ?? null,
    messageTs: (r.message_ts as string | null) ?? null,
    verdict: (r.verdict as string | null) ?? null,
    createdAt: String(r.created_at),
    finishedAt: (r.finished_at as string | null) ?? null,
  };
}

export class PipelineRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates the pipeline, or saves a new revision of it; returns it and whether it is new. With
   * `basedOn` (0: "it must not exist yet") the save is refused with StaleRevisionError when someone
   * else saved in between, checked inside the transaction so two editors cannot both win.
   */
  save(
    p: { name: string; stages: PipelineStage[]; yaml: string },
    actor: Actor,
    at: string,
    basedOn?: number,
  ): { pipeline: PipelineRecord; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.get(p.name);
      if (basedOn !== undefined && (existing?.revision ?? 0) !== basedOn)
        throw new StaleRevisionError(existing?.revision ?? 0);
      if (existing) {
        this.db
          .prepare(
            `update pipelines set stages = ?, yaml = ?, revision = revision + 1, updated_at = ?,
             updated_by_id = ?, updated_by_name = ? where id = ?`,
          )
          .run(JSON.stringify(p.stages), p.yaml, at, actor.id, actor.name, existing.id);
      } else {
        this.db
          .prepare(
            `insert into pipelines (name, stages, yaml, revision, created_at, updated_at, updated_by_id, updated_by_name)
             values (?, ?, ?, 1, ?, ?, ?, ?)`,
          )
          .run(p.name, JSON.stringify(p.stages), p.yaml, at, at, actor.id, actor.name);
      }
      return { pipeline: this.get(p.name)!, created: !existing };
    })();
  }

  get(name: string): PipelineRecord | undefined {
    const r = this.db.prepare('select * from pipelines where name = ?').get(name) as Row | undefined;
    return r ? pipelineFrom(r) : undefined;
  }

  list(): PipelineRecord[] {
    return (this.db.prepare('select * from pipelines order by name').all() as Row[]).map(pipelineFrom);
  }

  createRun(p: PipelineRecord, actor: Actor, channel: string | null, at: string): RunRecord {
    const { lastInsertRowid } = this.db
      .prepare(
        `insert into pipeline_runs (pipeline_id, pipeline_name, revision, stages, state, actor, channel, created_at)
         values (?, ?, ?, ?, 'running', ?, ?, ?)`,
      )
      .run(p.id, p.name, p.revision, JSON.stringify(p.stages), JSON.stringify(actor), channel, at);
    return this.run(Number(lastInsertRowid))!;
  }

  run(id: number): RunRecord | undefined {
    const r = this.db.prepare('select * from pipeline_runs where id = ?').get(id) as Row | undefined;
    return r ? runFrom(r) : undefined;
  }

  /** Runs newest first, of one pipeline or of all. */
  runs(filter: { pipeline?: string; offset: number; limit: number }): { items: RunRecord[]; total: number } {
    const where = filter.pipeline === undefined ? '' : 'where pipeline_name = ?';
    const args = filter.pipeline === undefined ? [] : [filter.pipeline];
    const total = (
      this.db.prepare(`select count(*) as n from pipeline_runs ${where}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`select * from pipeline_runs ${where} order by id desc limit ? offset ?`)
      .all(...args, filter.limit, filter.offset) as Row[];
    return { items: rows.map(runFrom), total };
  }

  unfinishedRuns(): RunRecord[] {
    return (
      this.db.prepare(`select * from pipeline_runs where state = 'running' order by id`).all() as Row[]
    ).map(runFrom);
  }

  updateRun(
    id: number,
    change: Partial<Pick<RunRecord, 'stage' | 'state' | 'verdict' | 'finishedAt' | 'messageTs' | 'channel'>>,
  ): RunRecord {
    const columns: Record<string, string> = {
      stage: 'stage',
      state: 'state',
      verdict: 'verdict',
      finishedAt: 'finished_at',
      messageTs: 'message_ts',
      channel: 'channel',
    };
    const entries = Object.entries(change).filter(([k]) => k in columns);
    if (entries.length > 0) {
      this.db
        .prepare(
          `update pipeline_runs set ${entries.map(([k]) => `${columns[k]} = ?`).join(', ')} where id = ?`,
        )
        .run(...entries.map(([, v]) => v ?? null), id);
    }
    return this.run(id)!;
  }

  addDispatch(runId: number, d: RunDispatch): void {
    this.db
      .prepare('insert into pipeline_dispatches (dispatch_number, run_id, stage, job) values (?, ?, ?, ?)')
      .run(d.dispatchNumber, runId, d.stage, d.job);
  }

  /** The run a dispatch belongs to, if any. */
  runOf(dispatchNumber: number): (RunDispatch & { runId: number }) | undefined {
    const r = this.db
      .prepare('select * from pipeline_dispatches where dispatch_number = ?')
      .get(dispatchNumber) as Row | undefined;
    return r
      ? { runId: Number(r.run_id), dispatchNumber, stage: Number(r.stage), job: Number(r.job) }
      : undefined;
  }

  dispatchesOf(runId: number): RunDispatch[] {
    return (
      this.db
        .prepare('select * from pipeline_dispatches where run_id = ? order by stage, job')
        .all(runId) as Row[]
    ).map((r) => ({ dispatchNumber: Number(r.dispatch_number), stage: Number(r.stage), job: Number(r.job) }));
  }

  /**
   * As the dispatch outbox does (see OutboxRepository.enqueue): an update takes the place of the
   * status message's latest pending version (post or update) when nothing was queued after it, and
   * supersedes earlier pending updates, so a backlog sends each run's status once.
   */
  enqueue(runId: number, kind: PipelineOutboxKind, payload: object, at: string): void {
    this.db.transaction(() => {
      const json = JSON.stringify(payload);
      let id: number | undefined;
      if (kind === 'update') {
        id = (
          this.db
            .prepare(
              `select id from pipeline_outbox where run_id = ? and kind in ('post', 'update') and delivered_at is null
               and in_doubt = 0 and id > coalesce((select max(id) from pipeline_outbox where run_id = ? and kind = 'reply'), 0)
               order by id desc limit 1`,
            )
            .get(runId, runId) as { id: number } | undefined
        )?.id;
        if (id !== undefined)
          this.db.prepare('update pipeline_outbox set payload = ? where id = ?').run(json, id);
      }
      id ??= Number(
        this.db
          .prepare(
            'insert into pipeline_outbox (run_id, kind, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
          )
          .run(runId, kind, json, at, at).lastInsertRowid,
      );
      if (kind !== 'update') return;
      this.db
        .prepare(
          `update pipeline_outbox set delivered_at = ?, last_error = 'superseded by a later update'
           where run_id = ? and kind = 'update' and delivered_at is null and in_doubt = 0 and id < ?`,
        )
        .run(at, runId, id);
    })();
  }

  /** The next pending entry of each run, oldest first. */
  heads(limit: number): PipelineOutboxEntry[] {
    const rows = this.db
      .prepare(
        `select o.*, coalesce(r.channel, iif(r.actor ->> '$.kind' = 'slack', r.actor ->> '$.id')) as channel
         from pipeline_outbox o
         join (select run_id, min(id) as id from pipeline_outbox where delivered_at is null group by run_id) h
           on h.id = o.id
         join pipeline_runs r on r.id = o.run_id
         order by o.id limit ?`,
      )
      .all(limit) as Row[];
    return rows.map((r) => ({ ...outboxEntryFrom(r), ...(r.channel ? { channel: String(r.channel) } : {}) }));
  }

  /**
   * Written before the entry's call: returns it as stored now (its content may have been replaced,
   * or the entry superseded, since `heads` read it; `inDoubt` tells of earlier attempts) and marks
   * it in doubt, so that nothing is merged into content already being sent, and a post or reply is
   * looked for in Slack before it is sent again, until the call's outcome is recorded.
   */
  started(id: number): PipelineOutboxEntry | undefined {
    return this.db.transaction(() => {
      const row = this.db
        .prepare('select * from pipeline_outbox where id = ? and delivered_at is null')
        .get(id) as Row | undefined;
      if (!row) return undefined;
      this.db.prepare('update pipeline_outbox set in_doubt = 1 where id = ?').run(id);
      return outboxEntryFrom(row);
    })();
  }

  /** As OutboxRepository.pruneDelivered, for the pipeline outbox. */
  pruneDelivered(before: string, limit: number): number {
    return pruneDeliveredRows(this.db, 'pipeline_outbox', before, limit);
  }

  delivered(id: number, at: string, note: string | null = null): void {
    this.db
      .prepare('update pipeline_outbox set delivered_at = ?, last_error = ?, in_doubt = 0 where id = ?')
      .run(at, note, id);
  }

  /** `inDoubt`: the failed call may still have reached Slack (a timeout, a 5xx, a cut connection). */
  retryLater(id: number, nextAttemptAt: string, error: string, inDoubt = true): void {
    this.db
      .prepare(
        'update pipeline_outbox set attempts = attempts + 1, next_attempt_at = ?, last_error = ?, in_doubt = ? where id = ?',
      )
      .run(nextAttemptAt, error, inDoubt ? 1 : 0, id);
  }
}
