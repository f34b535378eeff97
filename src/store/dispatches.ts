/**
 * Dispatches, their timeline events and their gathered logs in SQLite. A dispatch row is written
 * before anything reaches the cluster; every later change is a small update of its state, last
 * observation and times, so a restart finds each dispatch where it was and carries it on.
 */
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import type { Actor } from '../domain/actor.js';
import type { Db } from './db.js';

export interface NewDispatch {
  definitionId: number;
  definitionName: string;
  revision: number;
  cluster: string;
  namespace: string;
  /** The effective Job manifest; its name is filled in once the number is known. */
  spec: Record<string, unknown>;
  overrides: Record<string, unknown>;
  actor: Actor;
  sourceChannel: string | null;
  channel: string | null;
}

export interface DispatchRecord extends Omit<NewDispatch, 'spec'> {
  number: number;
  jobName: string;
  spec: Record<string, unknown>;
  state: string;
  /** How a finishing/cleaning dispatch will end. */
  outcome: string | null;
  cancelRequested: boolean;
  observation: Record<string, unknown> | null;
  verdict: string | null;
  error: string | null;
  messageTs: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  cancelledBy: { id: string; name: string } | null;
  /** When retention removed its logs; the record itself stays. */
  logsPrunedAt: string | null;
}

/** Filters of `/job history`; `states` are matched exactly. */
export interface HistoryQuery {
  definition?: string;
  actorId?: string;
  states?: readonly string[];
  offset: number;
  limit: number;
}

export interface DispatchEvent {
  key: string;
  at: string;
  text: string;
}

/** A stored log without its text; `open()` streams the text, decompressed as it is read. */
export interface StoredLogFile extends Omit<StoredLog, 'text'> {
  open(): Readable;
}

export interface StoredLog {
  pod: string;
  container: string;
  init: boolean;
  previous: boolean;
  originalBytes: number;
  truncated: boolean;
  error: string | null;
  text: string;
}

type Row = Record<string, unknown>;

const json = (v: unknown) =>
  v === null || v === undefined ? null : (JSON.parse(String(v)) as Record<string, unknown>);

function dispatchFrom(row: Row): DispatchRecord {
  const record: DispatchRecord = {
    number: Number(row.number),
    definitionId: Number(row.definition_id),
    definitionName: String(row.definition_name),
    revision: Number(row.revision),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    jobName: String(row.job_name),
    spec: {},
    overrides: {},
    actor: {
      kind: row.actor_kind,
      id: String(row.actor_id),
      name: String(row.actor_name),
      // Schema 6: a token's owner and the user a pipeline acted for, kept for attribution.
      ...(row.actor_owner ? { ownerId: String(row.actor_owner) } : {}),
      ...(row.actor_on_behalf_of ? { onBehalfOf: String(row.actor_on_behalf_of) } : {}),
    } as Actor,
    sourceChannel: (row.source_channel as string | null) ?? null,
    channel: (row.channel as string | null) ?? null,
    state: String(row.state),
    outcome: (row.outcome as string | null) ?? null,
    cancelRequested: row.cancel_requested === 1,
    observation: json(row.observation),
    verdict: (row.verdict as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    messageTs: (row.message_ts as string | null) ?? null,
    createdAt: String(row.created_at),
    startedAt: (row.started_at as string | null) ?? null,
    finishedAt: (row.finished_at as string | null) ?? null,
    updatedAt: String(row.updated_at),
    cancelledBy: row.cancelled_by_id
      ? { id: String(row.cancelled_by_id), name: String(row.cancelled_by_name) }
      : null,
    logsPrunedAt: (row.logs_pruned_at as string | null) ?? null,
  };
  // The Job manifest and the overrides are read far less often than the record (every watch event
  // reads it), so they are parsed on first use.
  lazily(record, 'spec', () => json(row.spec) ?? {});
  lazily(record, 'overrides', () => json(row.overrides) ?? {});
  return record;
}

function lazily<K extends 'spec' | 'overrides'>(
  record: DispatchRecord,
  key: K,
  parse: () => DispatchRecord[K],
): void {
  let value: DispatchRecord[K] | undefined;
  Object.defineProperty(record, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      value ??= parse();
      return value;
    },
    set: (v: DispatchRecord[K]) => {
      value = v;
    },
  });
}

export interface DispatchChange {
  state?: string;
  outcome?: string | null;
  cancelRequested?: boolean;
  observation?: Record<string, unknown> | null;
  verdict?: string | null;
  error?: string | null;
  messageTs?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  cancelledBy?: { id: string; name: string } | null;
}

const COLUMNS: Record<keyof DispatchChange, string> = {
  state: 'state',
  outcome: 'outcome',
  cancelRequested: 'cancel_requested',
  observation: 'observation',
  verdict: 'verdict',
  error: 'error',
  messageTs: 'message_ts',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  cancelledBy: 'cancelled_by_id',
};

export class DispatchRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a dispatch and renders its Job (named and labelled after its number) in one transaction,
   * so the manifest exists before any create call and a retried create sends the same Job.
   */
  create(
    d: Omit<NewDispatch, 'spec'>,
    render: (n: number) => { jobName: string; spec: Record<string, unknown> },
    at: string,
  ): DispatchRecord {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare(
          `insert into dispatches (definition_id, definition_name, revision, cluster, namespace, job_name, spec,
             overrides, actor_kind, actor_id, actor_name, actor_owner, actor_on_behalf_of, source_channel, channel,
             state, created_at, updated_at)
           values (?, ?, ?, ?, ?, '', '{}', ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(
          d.definitionId,
          d.definitionName,
          d.revision,
          d.cluster,
          d.namespace,
          JSON.stringify(d.overrides),
          d.actor.kind,
          d.actor.id,
          d.actor.name,
          d.actor.kind === 'token' ? (d.actor.ownerId ?? null) : null,
          d.actor.kind === 'token' ? (d.actor.onBehalfOf ?? null) : null,
          d.sourceChannel,
          d.channel,
          at,
          at,
        );
      const number = Number(lastInsertRowid);
      const { jobName, spec } = render(number);
      this.db
        .prepare('update dispatches set job_name = ?, spec = ? where number = ?')
        .run(jobName, JSON.stringify(spec), number);
      return this.get(number)!;
    })();
  }

  /** Where dispatch `number` runs, without reading the rest of its record. */
  placeOf(number: number): { cluster: string; namespace: string } | undefined {
    return this.db.prepare('select cluster, namespace from dispatches where number = ?').get(number) as
      | { cluster: string; namespace: string }
      | undefined;
  }

  get(number: number): DispatchRecord | undefined {
    const row = this.db.prepare('select * from dispatches where number = ?').get(number) as Row | undefined;
    return row ? dispatchFrom(row) : undefined;
  }

  /** Dispatches newest first, filtered; each filter is served by an index (see migration 4). */
  history(q: HistoryQuery): { items: DispatchRecord[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.definition !== undefined) {
      where.push('definition_name = ?');
      params.push(q.definition);
    }
    if (q.actorId !== undefined) {
      where.push('actor_id = ?');
      params.push(q.actorId);
    }
    if (q.states && q.states.length > 0) {
      where.push(`state in (${q.states.map(() => '?').join(', ')})`);
      params.push(...q.states);
    }
    const clause = where.length > 0 ? `where ${where.join(' and ')}` : '';
    const rows = this.db
      .prepare(`select * from dispatches ${clause} order by number desc limit ? offset ?`)
      .all(...params, q.limit, q.offset) as Row[];
    const { total } = this.db
      .prepare(`select count(*) as total from dispatches ${clause}`)
      .get(...params) as { total: number };
    return { items: rows.map(dispatchFrom), total };
  }

  /**
   * Retention: removes the logs of dispatches finished before `olderThan`, then of the oldest ones
   * until the logs take at most `maxBytes`; the dispatches stay and record when. Returns their numbers.
   */
  pruneLogs(limits: { olderThan: string; maxBytes: number }, at: string): number[] {
    return this.db
      .transaction(() => {
        const pruned = new Set<number>();
        const old = this.db
          .prepare(
            `select distinct l.dispatch_number as n from dispatch_logs l join dispatches d on d.number = l.dispatch_number
           where d.finished_at is not null and d.finished_at < ?`,
          )
          .all(limits.olderThan) as { n: number }[];
        for (const { n } of old) pruned.add(n);
        let total = (
          this.db.prepare('select coalesce(sum(length(content)), 0) as b from dispatch_logs').get() as {
            b: number;
          }
        ).b;
        for (const { n } of old) total -= this.logBytes(n);
        if (total > limits.maxBytes) {
          const byAge = this.db
            .prepare(
              `select dispatch_number as n, sum(length(content)) as b from dispatch_logs
             group by dispatch_number order by dispatch_number`,
            )
            .all() as { n: number; b: number }[];
          for (const { n, b } of byAge) {
            if (total <= limits.maxBytes) break;
            if (pruned.has(n)) continue;
            pruned.add(n);
            total -= b;
          }
        }
        const del = this.db.prepare('delete from dispatch_logs where dispatch_number = ?');
        const mark = this.db.prepare('update dispatches set logs_pruned_at = ? where number = ?');
        for (const n of pruned) {
          del.run(n);
          mark.run(at, n);
        }
        return [...pruned].sort((a, b) => a - b);
      })
      .immediate();
  }

  private logBytes(n: number): number {
    return (
      this.db
        .prepare('select coalesce(sum(length(content)), 0) as b from dispatch_logs where dispatch_number = ?')
        .get(n) as { b: number }
    ).b;
  }

  /** Dispatches not yet in a final state: what a restart must carry on. */
  unfinished(terminal: readonly string[]): DispatchRecord[] {
    const marks = terminal.map(() => '?').join(', ');
    return (
      this.db
        .prepare(`select * from dispatches where state not in (${marks}) order by number`)
        .all(...terminal) as Row[]
    ).map(dispatchFrom);
  }

  update(number: number, change: DispatchChange, at: string): DispatchRecord {
    const sets: string[] = ['updated_at = @at'];
    const params: Record<string, unknown> = { at, number };
    for (const [key, column] of Object.entries(COLUMNS) as [keyof DispatchChange, string][]) {
      if (!(key in change)) continue;
      const value = change[key];
      if (key === 'cancelledBy') {
        const by = value as DispatchChange['cancelledBy'];
        sets.push('cancelled_by_id = @cancelledById', 'cancelled_by_name = @cancelledByName');
        params.cancelledById = by?.id ?? null;
        params.cancelledByName = by?.name ?? null;
        continue;
      }
      sets.push(`${column} = @${key}`);
      params[key] =
        key === 'observation'
          ? value === null
            ? null
            : JSON.stringify(value)
          : typeof value === 'boolean'
            ? Number(value)
            : (value ?? null);
    }
    this.db.prepare(`update dispatches set ${sets.join(', ')} where number = @number`).run(params);
    return this.get(number)!;
  }

  /** Dispatches reporting in `channel` recorded after dispatch `number` (the newest few hundred). */
  laterInChannel(number: number, channel: string): number {
    const { n } = this.db
      .prepare(
        'select count(*) as n from (select channel from dispatches where number > ? order by number limit 200) where channel = ?',
      )
      .get(number, channel) as { n: number };
    return n;
  }

  /** The status message went elsewhere (e.g. a DM when the channel refused it). */
  updateChannel(number: number, channel: string, messageTs: string | null, at: string): void {
    this.db
      .prepare('update dispatches set channel = ?, message_ts = ?, updated_at = ? where number = ?')
      .run(channel, messageTs, at, number);
  }

  /** Records a timeline event once; false when it was already there. */
  addEvent(number: number, event: DispatchEvent): boolean {
    const { changes } = this.db
      .prepare(
        'insert into dispatch_events (dispatch_number, key, at, text) values (?, ?, ?, ?) on conflict do nothing',
      )
      .run(number, event.key, event.at, event.text);
    return changes === 1;
  }

  events(number: number): DispatchEvent[] {
    return this.db
      .prepare('select key, at, text from dispatch_events where dispatch_number = ? order by id')
      .all(number) as DispatchEvent[];
  }

  /** Runs `fn` in one transaction; a nested call joins the outer one (as a savepoint). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  saveLog(number: number, log: StoredLog, at: string): void {
    this.db
      .prepare(
        `insert into dispatch_logs (dispatch_number, pod, container, init, previous, original_bytes, truncated, error, content, gathered_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (dispatch_number, pod, container, previous) do update set original_bytes = excluded.original_bytes,
           truncated = excluded.truncated, error = excluded.error, content = excluded.content, gathered_at = excluded.gathered_at`,
      )
      .run(
        number,
        log.pod,
        log.container,
        log.init ? 1 : 0,
        log.previous ? 1 : 0,
        log.originalBytes,
        log.truncated ? 1 : 0,
        log.error,
        gzipSync(log.text),
        at,
      );
  }

  /**
   * The logs of a dispatch, each opened on demand. Only the compressed bytes of one log are held; its
   * text is inflated slice by slice as the reader takes it, so a reader's back-pressure bounds memory.
   */
  logFiles(number: number): StoredLogFile[] {
    const rows = this.db
      .prepare(
        `select pod, container, init, previous, original_bytes, truncated, error from dispatch_logs
         where dispatch_number = ? order by init desc, pod, container, previous desc`,
      )
      .all(number) as Row[];
    const content = this.db.prepare(
      'select content from dispatch_logs where dispatch_number = ? and pod = ? and container = ? and previous = ?',
    );
    return rows.map((r) => ({
      ...logMetaFrom(r),
      open: () => {
        const row = content.get(number, r.pod, r.container, r.previous) as { content: Buffer } | undefined;
        return inflate(row?.content ?? gzipSync(''));
      },
    }));
  }

  logs(number: number): StoredLog[] {
    const rows = this.db
      .prepare(
        'select * from dispatch_logs where dispatch_number = ? order by init desc, pod, container, previous desc',
      )
      .all(number) as Row[];
    return rows.map((r) => ({
      ...logMetaFrom(r),
      text: gunzipSync(r.content as Buffer).toString('utf8'),
    }));
  }
}

const SLICE = 4 * 1024;

/** Feeds gzip bytes to the inflater in small slices, so output is produced only as fast as it is read. */
function inflate(gzipped: Buffer): Readable {
  function* slices() {
    for (let i = 0; i < gzipped.length; i += SLICE) yield gzipped.subarray(i, i + SLICE);
  }
  const source = Readable.from(slices(), { objectMode: false });
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  return source.pipe(gunzip);
}

/** A stored log's row without its content. */
function logMetaFrom(r: Row): Omit<StoredLog, 'text'> {
  return {
    pod: String(r.pod),
    container: String(r.container),
    init: r.init === 1,
    previous: r.previous === 1,
    originalBytes: Number(r.original_bytes),
    truncated: r.truncated === 1,
    error: (r.error as string | null) ?? null,
  };
}
