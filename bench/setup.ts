/**
 * Global setup of `npm run bench`: compiles the app with the production build, so Jobbot runs as
 * `node dist/main.js` exactly as `npm start` runs it. Unlike the test suite's setup, a type error
 * elsewhere in the tree (others may be editing it) does not stop the run: tsc still emits the
 * JavaScript, which is what runs, and the warning says so.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  // Measuring another build (see bench/lib/jobbot.ts): nothing to compile here.
  if (process.env.JOBBOT_BENCH_MAIN) return;
  const root = path.resolve(import.meta.dirname, '..');
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, encoding: 'utf8' },
  );
  if (tsc.status !== 0) {
    console.warn(
      `bench: the build reported type errors; measuring the JavaScript tsc emitted anyway:\n${tsc.stdout}`,
    );
  }
}
