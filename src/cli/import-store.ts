/**
 * The definition store `jobbot import` saves through. It is the real repository, and it remembers what
 * the last save changed (the lines `/job show NAME --revisions` shows) for the report. In a dry run it
 * writes nothing and answers as the repository would have, so DefinitionService.save runs the very
 * same checks — Kubernetes' rules, the cluster's dry run — and only the final write is left out.
 */
import type { Actor } from '../domain/actor.js';
import type { DefinitionStore } from '../services/definitions.js';
import {
  type DefinitionRecord,
  type DefinitionRepository,
  type DefinitionState,
  StaleRevisionError,
} from '../store/definitions.js';

export class ImportStore implements DefinitionStore {
  /** What the last create or update changed; empty until one ran. */
  lastChanges: string[] = [];

  constructor(
    private readonly repo: DefinitionRepository,
    private readonly dryRun: boolean,
  ) {}

  create(state: DefinitionState, actor: Actor, at: string): DefinitionRecord {
    this.lastChanges = ['created'];
    if (!this.dryRun) return this.repo.create(state, actor, at);
    return {
      ...state,
      id: 0,
      revision: 1,
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      deletedAt: null,
    };
  }

  update(
    id: number,
    basedOn: number,
    state: DefinitionState,
    actor: Actor,
    changes: string[],
    at: string,
  ): DefinitionRecord {
    this.lastChanges = changes;
    if (!this.dryRun) return this.repo.update(id, basedOn, state, actor, changes, at);
    const current = this.repo.getById(id);
    if (!current || current.deletedAt || current.revision !== basedOn)
      throw new StaleRevisionError(current?.revision ?? 0);
    return { ...current, ...state, revision: current.revision + 1, updatedAt: at, updatedBy: actor };
  }

  markDeleted(): boolean {
    throw new Error('jobbot import never deletes a definition');
  }

  getByName(name: string): DefinitionRecord | undefined {
    return this.repo.getByName(name);
  }

  list(page: { offset: number; limit: number }): { items: DefinitionRecord[]; total: number } {
    return this.repo.list(page);
  }

  names(): string[] {
    return this.repo.names();
  }

  revisions(id: number) {
    return this.repo.revisions(id);
  }
}
