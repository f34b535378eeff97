/**
 * Running `jobbot` as operators do: `node dist/cli.js` (built by the global setup) in its own process.
 * Always asynchronously: the emulators (and the app, in end-to-end tests) live in the test's process,
 * and a blocking spawn would stop them from answering the command it waits for.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '../../src/domain/audit.js';
import { AuditRepository } from '../../src/store/audit.js';
import { openDatabase } from '../../src/store/db.js';
import { type DefinitionRecord, DefinitionRepository } from '../../src/store/definitions.js';
import { PI_YAML } from '../support/fixtures.js';
import { type KubeEmulator, type KubeEmulatorOptions, startKubeEmulator } from '../support/kube/index.js';

export const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

/**
 * For describe blocks that run the command: each run is a new Node process that loads the Kubernetes
 * client (a second or more on a loaded 2-core machine), and a test may run it several times.
 */
export const CLI_TESTS = { timeout: 60_000 };

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runJobbot(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      // HOME is the test's folder, so a developer's ~/.kube/config or .env never leaks in.
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A Kubernetes emulator and an empty, migrated database: what import and export need, without the app. */
export interface CliWorld {
  dir: string;
  kube: KubeEmulator;
  db: string;
  env: Record<string, string>;
  jobbot(...args: string[]): Promise<CliRun>;
  definitions(): DefinitionRecord[];
  audit(): AuditEntry[];
  close(): Promise<void>;
}

export async function startCliWorld(kubeOptions: KubeEmulatorOptions = {}): Promise<CliWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-cli-'));
  const kube = await startKubeEmulator({ speed: 20, namespaces: ['jobs'], ...kubeOptions });
  const kubeconfig = await kube.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const db = path.join(dir, 'jobbot.db');
  openDatabase(db).close();
  // No Slack settings at all: import and export must not need them.
  const env = { KUBECONFIG: kubeconfig, JOBBOT_DB: db };
  const read = <T>(fn: (d: ReturnType<typeof openDatabase>) => T): T => {
    const d = openDatabase(db);
    try {
      return fn(d);
    } finally {
      d.close();
    }
  };
  return {
    dir,
    kube,
    db,
    env,
    jobbot: (...args) => runJobbot(args, env, dir),
    definitions: () => read((d) => new DefinitionRepository(d).list({ offset: 0, limit: 1000 }).items),
    audit: () => read((d) => [...new AuditRepository(d).all({})]),
    close: async () => {
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The docs' pi Job under another name (and optionally with a namespace). */
export function piJob(name: string, namespace?: string): string {
  const yaml = PI_YAML.replace('name: pi\n', `name: ${name}\n`);
  return namespace ? yaml.replace('metadata:\n', `metadata:\n  namespace: ${namespace}\n`) : yaml;
}

/** The lines of an import report, without the summary. */
export function reportLines(stdout: string): string[] {
  return stdout.trimEnd().split('\n').slice(0, -1);
}
