/**
 * History queries over 100,000 dispatches (issue 5): each filter of `/job history` is served by an
 * index, so a page costs about the same whatever the size of the history. Run with `npm run bench`.
 */
import { bench, describe } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { DefinitionRepository } from '../src/store/definitions.js';
import { DispatchRepository } from '../src/store/dispatches.js';

const COUNT = 100_000;
const JOBS = ['pi', 'migrate', 'report', 'backup'];
const STATES = ['succeeded', 'failed', 'cancelled', 'running'];

const db = openDatabase(':memory:');
const defs = new DefinitionRepository(db);
const ids = JOBS.map(
  (name) =>
    defs.create(
      {
        name,
        cluster: 'alpha',
        namespace: 'jobs',
        description: '',
        source: 'yaml',
        template: {},
        yaml: null,
      },
      { kind: 'slack', id: 'U1', name: 'alice' },
      't',
    ).id,
);
const insert = db.prepare(
  `insert into dispatches (definition_id, definition_name, revision, cluster, namespace, job_name, spec, overrides,
     actor_kind, actor_id, actor_name, state, created_at, updated_at)
   values (?, ?, 1, 'alpha', 'jobs', ?, '{}', '{"changes":["image: perl:5.34 → perl:5.36"]}', 'slack', ?, 'user', ?, ?, ?)`,
);
db.transaction(() => {
  for (let i = 0; i < COUNT; i++) {
    const j = i % JOBS.length;
    const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    insert.run(ids[j], JOBS[j], `${JOBS[j]}-${i}`, `U${i % 50}`, STATES[i % STATES.length], at, at);
  }
})();
const repo = new DispatchRepository(db);

describe(`/job history over ${COUNT.toLocaleString('en-US')} dispatches (one page of 20)`, () => {
  bench('latest', () => {
    repo.history({ offset: 0, limit: 20 });
  });
  bench('one job', () => {
    repo.history({ definition: 'migrate', offset: 0, limit: 20 });
  });
  bench('one person', () => {
    repo.history({ actorId: 'U7', offset: 0, limit: 20 });
  });
  bench('one status', () => {
    repo.history({ states: ['failed'], offset: 0, limit: 20 });
  });
  bench('job + person + status, page 50', () => {
    repo.history({ definition: 'pi', actorId: 'U4', states: ['succeeded'], offset: 1000, limit: 20 });
  });
});
