/**
 * Definitions and their revisions in SQLite. Glossary:
 * - definition: the row holding a job definition's current state; `revision` counts its saves.
 * - revision: an append-only copy of the whole state at one save, with who saved it and what changed.
 * - deleted: a definition marked deleted keeps its rows (dispatches and audit point at it) but no
 *   longer owns its name, so a new definition may take the name.
 * Updates are optimistic: a save names the revision it was based on, and loses if someone saved in
 * between, instead of silently overwriting their change.
 */
import type { Actor } from '../domain/actor.js';
import type { Db } from './db.js';

export type DefinitionSource = 'yaml' | 'form';

export interface DefinitionState {
  name: string;
  cluster: string;
  namespace: string;
  description: string;
  source: DefinitionSource;
  /** The batch/v1 Job template (no status; name and namespace live on the definition). */
  template: Record<string, unknown>;
  /** The YAML as the user gave it, for definitions created from YAML. */
  yaml: string | null;
}

export interface DefinitionRecord extends DefinitionState {
  id: number;
  revision: number;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
  deletedAt: string | null;
}

export interface RevisionRecord extends DefinitionState {
  definitionId: number;
  revision: number;
  changedAt: string;
  changedBy: Actor;
  /** Human-readable list of what changed against the previous revision. */
  changes: string[];
}

export class DuplicateNameError extends Error {
  constructor(readonly definitionName: string) {
    super(`a definition named ${definitionName} exists`);
  }
}

export class StaleRevisionError extends Error {
  constructor(readonly current: number) {
    super(`the definition is at revision ${current}`);
  }
}

type Row = Record<string, unknown>;

function actorFrom(row: Row, prefix: string): Actor {
  const kind = row[`${prefix}_kind`] as Actor['kind'];
  return { kind, id: String(row[`${prefix}_id`]), name: String(row[`${prefix}_name`]) } as Actor;
}

function stateFrom(row: Row): DefinitionState {
  return {
    name: String(row.name),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    description: String(row.description),
    source: row.source as DefinitionSource,
    template: JSON.parse(String(row.template)) as Record<string, unknown>,
    yaml: (row.yaml as string | null) ?? null,
  };
}

function definitionFrom(row: Row): DefinitionRecord {
  return {
    ...stateFrom(row),
    id: Number(row.id),
    revision: Number(row.revision),
    createdAt: String(row.created_at),
    createdBy: actorFrom(row, 'created_by'),
    updatedAt: String(row.updated_at),
    updatedBy: actorFrom(row, 'updated_by'),
    deletedAt: (row.deleted_at as string | null) ?? null,
  };
}

export class DefinitionRepository {
  constructor(private readonly db: Db) {}

  create(state: DefinitionState, actor: Actor, at: string): DefinitionRecord {
    return this.db.transaction(() => {
      if (this.getByName(state.name)) throw new DuplicateNameError(state.name);
      const { lastInsertRowid } = this.db
        .prepare(
          `insert into definitions (name, cluster, namespace, description, source, template, yaml, revision,
             created_at, created_by_kind, created_by_id, created_by_name,
             updated_at, updated_by_kind, updated_by_id, updated_by_name)
           values (@name, @cluster, @namespace, @description, @source, @template, @yaml, 1,
             @at, @kind, @actorId, @actorName, @at, @kind, @actorId, @actorName)`,
        )
        .run({ ...this.params(state), at, kind: actor.kind, actorId: actor.id, actorName: actor.name });
      const id = Number(lastInsertRowid);
      this.appendRevision(id, 1, state, actor, at, ['created']);
      return this.getById(id)!;
    })();
  }

  update(
    id: number,
    basedOn: number,
    state: DefinitionState,
    actor: Actor,
    changes: string[],
    at: string,
  ): DefinitionRecord {
    return this.db.transaction(() => {
      const current = this.getById(id);
      if (!current || current.deletedAt) throw new StaleRevisionError(current?.revision ?? 0);
      if (current.revision !== basedOn) throw new StaleRevisionError(current.revision);
      if (state.name !== current.name && this.getByName(state.name)) throw new DuplicateNameError(state.name);
      const revision = current.revision + 1;
      this.db
        .prepare(
          `update definitions set name = @name, cluster = @cluster, namespace = @namespace,
             description = @description, source = @source, template = @template, yaml = @yaml,
             revision = @revision, updated_at = @at, updated_by_kind = @kind, updated_by_id = @actorId,
             updated_by_name = @actorName
           where id = @id`,
        )
        .run({
          ...this.params(state),
          revision,
          at,
          kind: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          id,
        });
      this.appendRevision(id, revision, state, actor, at, changes);
      return this.getById(id)!;
    })();
  }

  markDeleted(id: number, actor: Actor, at: string): boolean {
    const { changes } = this.db
      .prepare(
        `update definitions set deleted_at = ?, deleted_by_kind = ?, deleted_by_id = ?, deleted_by_name = ?
         where id = ? and deleted_at is null`,
      )
      .run(at, actor.kind, actor.id, actor.name, id);
    return changes === 1;
  }

  /** The live definition with this name. */
  getByName(name: string): DefinitionRecord | undefined {
    const row = this.db
      .prepare('select * from definitions where name = ? and deleted_at is null')
      .get(name) as Row | undefined;
    return row ? definitionFrom(row) : undefined;
  }

  /** Any definition, deleted or not (dispatch history needs deleted ones too). */
  getById(id: number): DefinitionRecord | undefined {
    const row = this.db.prepare('select * from definitions where id = ?').get(id) as Row | undefined;
    return row ? definitionFrom(row) : undefined;
  }

  /** Live definitions by name, one page at a time. */
  list(page: { offset: number; limit: number }): { items: DefinitionRecord[]; total: number } {
    const rows = this.db
      .prepare('select * from definitions where deleted_at is null order by name limit ? offset ?')
      .all(page.limit, page.offset) as Row[];
    const { total } = this.db
      .prepare('select count(*) as total from definitions where deleted_at is null')
      .get() as {
      total: number;
    };
    return { items: rows.map(definitionFrom), total };
  }

  names(): string[] {
    return (
      this.db.prepare('select name from definitions where deleted_at is null order by name').all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  }

  revisions(id: number): RevisionRecord[] {
    const rows = this.db
      .prepare('select * from definition_revisions where definition_id = ? order by revision desc')
      .all(id) as Row[];
    return rows.map((row) => ({
      ...stateFrom(row),
      definitionId: Number(row.definition_id),
      revision: Number(row.revision),
      changedAt: String(row.changed_at),
      changedBy: actorFrom(row, 'changed_by'),
      changes: JSON.parse(String(row.changes)) as string[],
    }));
  }

  private appendRevision(
    id: number,
    revision: number,
    state: DefinitionState,
    actor: Actor,
    at: string,
    changes: string[],
  ): void {
    this.db
      .prepare(
        `insert into definition_revisions (definition_id, revision, cluster, namespace, description, source,
           template, yaml, changed_at, changed_by_kind, changed_by_id, changed_by_name, changes)
         values (@id, @revision, @cluster, @namespace, @description, @source, @template, @yaml, @at, @kind,
           @actorId, @actorName, @changes)`,
      )
      .run({
        ...this.params(state),
        id,
        revision,
        at,
        kind: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        changes: JSON.stringify(changes),
      });
  }

  private params(state: DefinitionState) {
    return {
      name: state.name,
      cluster: state.cluster,
      namespace: state.namespace,
      description: state.description,
      source: state.source,
      template: JSON.stringify(state.template),
      yaml: state.yaml,
    };
  }
}
