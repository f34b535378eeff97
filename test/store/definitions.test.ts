import { beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import {
  DefinitionRepository,
  type DefinitionState,
  DuplicateNameError,
  StaleRevisionError,
} from '../../src/store/definitions.js';

const alice: Actor = { kind: 'slack', id: 'U1', name: 'alice' };
const bob: Actor = { kind: 'slack', id: 'U2', name: 'bob' };

function state(name: string, extra: Partial<DefinitionState> = {}): DefinitionState {
  return {
    name,
    cluster: 'alpha',
    namespace: 'jobs',
    description: 'computes pi',
    source: 'form',
    template: { spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } } },
    yaml: null,
    ...extra,
  };
}

describe('DefinitionRepository', () => {
  let db: Db;
  let repo: DefinitionRepository;
  beforeEach(() => {
    db = openDatabase(':memory:');
    repo = new DefinitionRepository(db);
  });

  it('creates a definition with revision 1, attributed to its author', () => {
    const d = repo.create(state('pi'), alice, '2026-01-01T00:00:00.000Z');
    expect(d).toMatchObject({ name: 'pi', revision: 1, createdBy: alice, updatedBy: alice, deletedAt: null });
    expect(repo.getByName('pi')?.template).toEqual(state('pi').template);
    expect(repo.revisions(d.id)).toMatchObject([{ revision: 1, changedBy: alice, changes: ['created'] }]);
  });

  it('refuses a second live definition with the same name', () => {
    repo.create(state('pi'), alice, 't1');
    expect(() => repo.create(state('pi'), bob, 't2')).toThrow(DuplicateNameError);
    expect(repo.list({ offset: 0, limit: 10 }).total).toBe(1);
  });

  it('keeps every revision with who changed what', () => {
    const d = repo.create(state('pi'), alice, 't1');
    const e = repo.update(d.id, 1, state('pi', { description: 'more pi' }), bob, ['description'], 't2');
    expect(e).toMatchObject({ revision: 2, description: 'more pi', createdBy: alice, updatedBy: bob });
    expect(repo.revisions(d.id).map((r) => [r.revision, r.changedBy.name, r.changes])).toEqual([
      [2, 'bob', ['description']],
      [1, 'alice', ['created']],
    ]);
  });

  it('refuses a save based on a stale revision and changes nothing', () => {
    const d = repo.create(state('pi'), alice, 't1');
    repo.update(d.id, 1, state('pi', { description: 'first' }), bob, ['description'], 't2');
    expect(() =>
      repo.update(d.id, 1, state('pi', { description: 'second' }), alice, ['description'], 't3'),
    ).toThrow(StaleRevisionError);
    expect(repo.getByName('pi')?.description).toBe('first');
    expect(repo.revisions(d.id)).toHaveLength(2);
  });

  it('a deleted definition leaves lists, keeps its history and frees its name', () => {
    const d = repo.create(state('pi'), alice, 't1');
    expect(repo.markDeleted(d.id, bob, 't2')).toBe(true);
    expect(repo.markDeleted(d.id, bob, 't3')).toBe(false);
    expect(repo.getByName('pi')).toBeUndefined();
    expect(repo.getById(d.id)?.deletedAt).toBe('t2');
    expect(repo.revisions(d.id)).toHaveLength(1);
    expect(repo.list({ offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
    expect(repo.create(state('pi'), alice, 't4').id).not.toBe(d.id);
  });

  it('lists by name in pages', () => {
    for (const n of ['c', 'a', 'b', 'd']) repo.create(state(n), alice, 't');
    const first = repo.list({ offset: 0, limit: 3 });
    expect(first.total).toBe(4);
    expect(first.items.map((d) => d.name)).toEqual(['a', 'b', 'c']);
    expect(repo.list({ offset: 3, limit: 3 }).items.map((d) => d.name)).toEqual(['d']);
    expect(repo.names()).toEqual(['a', 'b', 'c', 'd']);
  });
});
