/**
 * Vitest global setup: compiles the app once with the production build, so process-level tests
 * run `node dist/main.js` exactly as `npm start` does.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  // For a quick run of tests that spawn nothing while dist/ is known to be current.
  if (process.env.JOBBOT_TEST_SKIP_BUILD === '1') return;
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
