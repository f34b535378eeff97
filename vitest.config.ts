import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    // Independent files run in parallel in forked processes: better-sqlite3 is a native addon
    // and is safest without worker threads.
    pool: 'forks',
    // A real cluster (JOBBOT_E2E_KUBECONFIG) runs Jobs in real time, with real back-off delays.
    testTimeout: process.env.JOBBOT_E2E_KUBECONFIG ? 300_000 : 20_000,
    hookTimeout: process.env.JOBBOT_E2E_KUBECONFIG ? 120_000 : 20_000,
  },
});
