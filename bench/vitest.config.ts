import { defineConfig } from 'vitest/config';

// `npm run bench`: one test file that runs every measurement in turn, prints one table and writes
// bench/results/<date>.json. Kept apart from `npm test` (whose include is test/**/*.test.ts).
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/run.test.ts'],
    // Jobbot runs as `node dist/main.js`, so the production build comes first, as for the tests.
    globalSetup: ['bench/setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 60_000,
    // The table is the output: show console.log of the run as it happens.
    silent: false,
  },
});
