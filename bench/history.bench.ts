/**
 * History queries over 100,000 dispatches (issue 5): each filter of `/job history` is served by an
 * index, so a page costs about the same whatever the size of the history. Run with `npm run bench`.
 */
import { bench, describe } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { DispatchRepository } from '../src/store/dispatches.js';
import { seedDispatches } from '../test/support/seed.js';

const COUNT = 100_000;
const db = openDatabase(':memory:');
seedDispatches(
  db,
  COUNT,
  Array.from({ length: 50 }, (_, i) => `U${i}`),
);
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
