import { beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DispatchRepository } from '../../src/store/dispatches.js';
import { seedDispatches } from '../support/seed.js';

const USERS = ['U1', 'U2', 'U3', 'U4', 'U5'];
const COUNT = 100_000;

let db: Db;
let repo: DispatchRepository;

beforeAll(() => {
  db = openDatabase(':memory:');
  seedDispatches(db, COUNT, USERS);
  repo = new DispatchRepository(db);
});

describe('dispatch history', () => {
  it('filters by job, user and status, newest first, with a total', () => {
    const page = repo.history({
      definition: 'pi',
      actorId: 'U1',
      states: ['succeeded'],
      offset: 0,
      limit: 15,
    });
    expect(page.items.length).toBe(15);
    expect(
      page.items.every((d) => d.definitionName === 'pi' && d.actor.id === 'U1' && d.state === 'succeeded'),
    ).toBe(true);
    const numbers = page.items.map((d) => d.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(page.total).toBe(COUNT / 20);
  });

  it.each([
    ['everything', {}, 'sqlite_autoindex|INTEGER PRIMARY KEY|USING INTEGER PRIMARY KEY|SCAN dispatches'],
    ['a job', { definition: 'pi' }, 'dispatches_definition'],
    ['a user', { actorId: 'U2' }, 'dispatches_actor'],
    ['a status', { states: ['failed'] }, 'dispatches_state'],
  ] as const)('serves %s from an index (EXPLAIN QUERY PLAN)', (_what, filter, index) => {
    const where: string[] = [];
    const params: unknown[] = [];
    if ('definition' in filter) {
      where.push('definition_name = ?');
      params.push(filter.definition);
    }
    if ('actorId' in filter) {
      where.push('actor_id = ?');
      params.push(filter.actorId);
    }
    if ('states' in filter) {
      where.push('state in (?)');
      params.push(filter.states[0]);
    }
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const plan = (
      db
        .prepare(`explain query plan select * from dispatches ${clause} order by number desc limit 15`)
        .all(...params) as {
        detail: string;
      }[]
    )
      .map((r) => r.detail)
      .join(' | ');
    expect(plan).toMatch(new RegExp(index));
    expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});

describe('log retention', () => {
  it('prunes old logs, then the oldest until under the size limit, and says so on the dispatch', () => {
    const log = {
      container: 'main',
      init: false,
      previous: false,
      originalBytes: 10,
      truncated: false,
      error: null,
    };
    const text = 'x'.repeat(50_000);
    for (const n of [1, 2, 3, 4])
      repo.saveLog(n, { ...log, pod: `p${n}`, text: `${n}${text}${Math.random()}` }, 't');
    const pruned = repo.pruneLogs({ olderThan: '2026-01-01T00:01:30.000Z', maxBytes: 1_000_000 }, 'now');
    expect(pruned).toEqual([1, 2]);
    expect(repo.get(1)!.logsPrunedAt).toBe('now');
    expect(repo.logs(1)).toEqual([]);
    expect(repo.logs(3)).toHaveLength(1);
    const bySize = repo.pruneLogs({ olderThan: '2000-01-01T00:00:00.000Z', maxBytes: 1 }, 'later');
    expect(bySize).toEqual([3, 4]);
    expect(repo.get(4)!.logsPrunedAt).toBe('later');
  });
});
