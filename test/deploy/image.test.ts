/**
 * The container image without a container engine: the Dockerfile's runtime stage is replayed in a
 * clean folder (its COPY lines, each produced the way its stage produces it), then Jobbot is started
 * from that folder with the image's CMD and ENV against the Slack and Kubernetes emulators. A package
 * the image lacks (a dev dependency) fails the start; a file written outside /data and /tmp fails the
 * read-only-root check.
 *
 * One shortcut, for time: `npm ci` runs with --ignore-scripts, and the better-sqlite3 addon compiled
 * by this checkout's own `npm ci` (same version, same Node) stands in for the one the image compiles.
 * Compiling it again takes about 80 s of one core here, and install scripts of any other production
 * package would make the test fail rather than be skipped silently.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeEmulator, startKubeEmulator } from '../support/kube/index.js';
import { SlackDriver, type SlackEmulator, startSlackEmulator } from '../support/slack/index.js';
import { waitFor } from '../support/wait.js';
import { copies, env, execForm, ignoredBy, instructions, parseDockerfile, type Stage } from './dockerfile.js';
import { ROOT } from './kustomize.js';

const { args, stages } = parseDockerfile(path.join(ROOT, 'Dockerfile'));
const runtime = stages.at(-1)!;
const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

const workdirOf = (stage: Stage) => instructions(stage, 'WORKDIR').at(-1) ?? '/';
const volumes = () =>
  instructions(runtime, 'VOLUME').flatMap((v) => (v.startsWith('[') ? execForm(v) : v.split(/\s+/)));

describe('the Dockerfile', () => {
  it('builds in stages and runs on the slim Node 20 image, with no build tools in the runtime', () => {
    expect(args.NODE_IMAGE).toMatch(/^node:20(\.\d+)*-\w+-slim(@sha256:[0-9a-f]{64})?$/);
    expect(stages.map((s) => s.from)).toEqual(stages.map(() => args.NODE_IMAGE));
    expect(runtime.name).toBe('runtime');
    const compilers = (s: Stage) => instructions(s, 'RUN').some((r) => /\bapt-get\b.*\bg\+\+/.test(r));
    expect(stages.filter(compilers).map((s) => s.name)).toEqual(['deps']);
    // npm never runs in the runtime stage: no install there, and `npm start` would build first.
    expect(instructions(runtime, 'RUN').filter((r) => /\b(npm|apt-get|npx)\b/.test(r))).toEqual([]);
    expect(execForm(instructions(runtime, 'CMD').at(-1)!)[0]).toBe('node');
  });

  it('runs as a non-root user given by number, keeps its data in /data, stops on SIGTERM', () => {
    const [user, group] = instructions(runtime, 'USER').at(-1)!.split(':');
    expect(Number(user)).toBeGreaterThan(0);
    if (group !== undefined) expect(Number(group)).toBeGreaterThan(0);
    expect(volumes()).toEqual(['/data']);
    expect(path.posix.dirname(env(runtime).JOBBOT_DB!)).toBe('/data');
    expect(instructions(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    const check = execForm(instructions(runtime, 'HEALTHCHECK').at(-1)!);
    expect(check[0]).toBe('node');
    expect(check.join(' ')).toContain('/healthz');
  });

  it('sends only what it copies into the build context', () => {
    for (const stage of stages)
      for (const c of copies(stage).filter((c) => !c.from))
        for (const source of c.sources) expect(ignoredBy(dockerignore, source), source).toBe(false);
    for (const kept of ['node_modules/x', 'dist/main.js', '.env', 'data/jobbot.db', '.git/HEAD', 'test/x.ts'])
      expect(ignoredBy(dockerignore, kept), kept).toBe(true);
  });
});

describe('the image, replayed in a clean folder', () => {
  let work: string;
  let dirs: { app: string; data: string; tmp: string; home: string };
  let slack: SlackEmulator;
  let kube: KubeEmulator;
  let kubeconfig: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'jobbot-image-'));
    dirs = { app: '', data: '', tmp: '', home: '' };
    for (const d of ['app', 'data', 'tmp', 'home'] as const) {
      dirs[d] = path.join(work, d);
      mkdirSync(dirs[d]);
    }
    // Node would find packages in a node_modules of any folder above the app, as no image has.
    for (let dir = work; dir !== path.dirname(dir); dir = path.dirname(dir))
      expect(existsSync(path.join(dir, 'node_modules')), dir).toBe(false);
    const started = Date.now();
    for (const c of copies(runtime)) {
      const dest = path.join(
        dirs.app,
        path.posix.relative(workdirOf(runtime), path.posix.resolve(workdirOf(runtime), c.dest)),
      );
      for (const source of c.sources) {
        const from = c.from ? produced(c.from, source) : path.join(ROOT, source);
        const to =
          c.dest.endsWith('/') && statSync(from).isFile() ? path.join(dest, path.basename(source)) : dest;
        // A stage folder of this test is moved rather than copied: tens of thousands of files.
        if (from.startsWith(work) && !existsSync(to)) renameSync(from, to);
        else cpSync(from, to, { recursive: true });
      }
    }
    console.info(`image folder replayed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    [slack, kube] = await Promise.all([startSlackEmulator(), startKubeEmulator({ namespaces: ['jobs'] })]);
    kubeconfig = await kube.writeKubeconfig(path.join(work, 'kubeconfig'));
  }, 300_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([slack?.close(), kube?.close()]);
    // Removing two node_modules trees can take most of a minute on a busy disk; nothing waits for it.
    if (work) spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
  });

  /** Where the output of `source` in stage `name` comes from here. */
  function produced(name: string, source: string): string {
    const stage = stages.find((s) => s.name === name);
    if (!stage) throw new Error(`COPY --from=${name}: no such stage`);
    const rel = path.posix.relative(workdirOf(stage), source);
    const runs = instructions(stage, 'RUN');
    // The build stage runs tsc -p tsconfig.build.json, as the global setup did for dist/.
    if (rel === 'dist' && runs.includes('npm run build')) {
      expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
      return path.join(ROOT, 'dist');
    }
    if (rel === 'node_modules' && runs.some((r) => r.startsWith('npm ci'))) return replayDeps(stage);
    throw new Error(`the test cannot produce ${source} of stage ${name}: teach test/deploy/image.test.ts`);
  }

  /** Runs the deps stage's steps in a folder of its own, as the image build would. */
  function replayDeps(stage: Stage): string {
    const dir = path.join(work, `stage-${stage.name}`);
    mkdirSync(dir);
    for (const { keyword, args: line } of stage.instructions) {
      if (keyword === 'COPY') {
        for (const c of copies({ ...stage, instructions: [{ keyword, args: line }] }))
          for (const source of c.sources)
            cpSync(path.join(ROOT, source), path.join(dir, path.basename(source)));
      } else if (keyword === 'RUN' && /\bapt-get\b/.test(line)) {
        // The compiler for better-sqlite3: not needed, its addon comes from this checkout (see top).
      } else if (keyword === 'RUN' && line.startsWith('npm ci')) {
        expect(line).toContain('--omit=dev');
        const started = Date.now();
        execFileSync('sh', ['-c', `${line} --prefer-offline --ignore-scripts`], {
          cwd: dir,
          env: npmEnv(),
          stdio: 'pipe',
        });
        console.info(`${line} (--ignore-scripts) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        placeNativeAddon(dir);
      } else if (keyword === 'RUN') {
        execFileSync('sh', ['-c', line], { cwd: dir, stdio: 'pipe' });
      } else if (keyword !== 'WORKDIR') {
        throw new Error(`the test does not replay ${keyword} in stage ${stage.name}`);
      }
    }
    return path.join(dir, 'node_modules');
  }

  function placeNativeAddon(dir: string): void {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean; version?: string }>;
    };
    const scripted = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript && !p.dev);
    expect(scripted.map(([name]) => name)).toEqual(['node_modules/better-sqlite3']);
    const module = 'node_modules/better-sqlite3';
    const version = (d: string) =>
      (JSON.parse(readFileSync(path.join(d, module, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(dir)).toBe(version(ROOT));
    const addon = `${module}/build/Release/better_sqlite3.node`;
    cpSync(path.join(ROOT, addon), path.join(dir, addon));
  }

  /** The environment the image gives Jobbot, its /data and /tmp mapped to folders here. */
  function imageEnv(overrides: Record<string, string>): Record<string, string> {
    const mapped = Object.fromEntries(
      Object.entries(env(runtime)).map(([k, v]) => [
        k,
        v.startsWith('/data/') ? path.join(dirs.data, v.slice(6)) : v,
      ]),
    );
    return { PATH: process.env.PATH ?? '', HOME: dirs.home, TMPDIR: dirs.tmp, ...mapped, ...overrides };
  }

  function appEnv(): Record<string, string> {
    return imageEnv({
      PORT: '0',
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: slack.config.botToken,
      SLACK_SIGNING_SECRET: slack.config.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      KUBECONFIG: kubeconfig,
    });
  }

  function startFromImage(argv: string[]) {
    const child = spawn(process.execPath, argv.slice(1), { cwd: dirs.app, env: appEnv() });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  function snapshot(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => {
        const s = statSync(path.join(dir, f));
        return `${f} ${s.size} ${s.mtimeMs}`;
      })
      .sort();
  }

  it('ships only production dependencies, and dist/ imports no other package', () => {
    const prod = new Set(Object.keys(pkg.dependencies));
    const imported = new Set<string>();
    for (const file of readdirSync(path.join(dirs.app, 'dist'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.js')) continue;
      const text = readFileSync(path.join(dirs.app, 'dist', file), 'utf8');
      // TypeScript's own scanner: static and dynamic imports and requires, never text in strings.
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (fileName.startsWith('.') || fileName.startsWith('node:')) continue;
        const [first = '', second] = fileName.split('/');
        const name = first.startsWith('@') ? `${first}/${second}` : first;
        if (!builtinModules.includes(name)) imported.add(name);
      }
    }
    expect(imported).toContain('@slack/bolt');
    // A devDependency present only because a dependency needs it (ws) would run, but undeclared.
    expect([...imported].filter((n) => !prod.has(n))).toEqual([]);
  });

  it('starts with the image CMD, answers /healthz, its HEALTHCHECK and a signed /job help, then stops on SIGTERM', async () => {
    const before = snapshot(dirs.app);
    const app = startFromImage(execForm(instructions(runtime, 'CMD').at(-1)!));
    const line = await waitFor(
      () => {
        if (app.child.exitCode !== null) throw new Error(`Jobbot exited with ${app.child.exitCode}`);
        return app
          .stdout()
          .split('\n')
          .find((l) => l.includes('"Jobbot started"'));
      },
      60_000,
      'Jobbot to start',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${app.stdout()}\n${app.stderr()}`);
    });
    const { port } = JSON.parse(line) as { port: number };
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, '/readyz');

    const check = execForm(instructions(runtime, 'HEALTHCHECK').at(-1)!);
    const health = spawnSync(process.execPath, check.slice(1), {
      cwd: dirs.app,
      env: imageEnv({ PORT: String(port) }),
    });
    expect(health.status).toBe(0);

    const driver = new SlackDriver({
      emulator: slack,
      transport: 'http',
      appUrl: url,
      signingSecret: slack.config.signingSecret,
    });
    const help = await driver.slashCommand({ command: '/job', text: 'help' });
    expect(help.status).toBe(200);
    expect(JSON.stringify((await help.answer()).body)).toContain('/job run');

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.stdout()).toContain('"Jobbot stopped"');
    // Read-only root file system: the app folder and HOME are unchanged, the database went to /data.
    expect(snapshot(dirs.app)).toEqual(before);
    expect(readdirSync(dirs.home)).toEqual([]);
    expect(readdirSync(dirs.data)).toContain('jobbot.db');

    const audit = spawnSync(process.execPath, ['dist/cli.js', 'audit', 'verify'], {
      cwd: dirs.app,
      env: appEnv(),
      encoding: 'utf8',
    });
    expect(audit.stdout).toMatch(/audit log intact/);
    expect(audit.status).toBe(0);
  }, 120_000);

  it('would fail to start if code used a dev-only dependency at run time', async () => {
    const dev = Object.keys(pkg.devDependencies).find(
      (n) => !n.startsWith('@types/') && !existsSync(path.join(dirs.app, 'node_modules', n)),
    )!;
    const probe = path.join(dirs.app, 'dist', 'dev-dependency-probe.js');
    writeFileSync(probe, `import '${dev}';\nimport './main.js';\n`);
    try {
      const app = startFromImage(['node', 'dist/dev-dependency-probe.js']);
      expect(await app.exited).not.toBe(0);
      expect(app.stderr()).toContain('ERR_MODULE_NOT_FOUND');
      expect(app.stderr()).toContain(`'${dev}'`);
    } finally {
      rmSync(probe);
    }
  }, 30_000);
});

function npmEnv(): NodeJS.ProcessEnv {
  // npx/vitest pass npm_config_* settings down; the replayed `npm ci` must see only the user's npmrc.
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}
