/**
 * Shared setup for the Kubernetes adapter tests: the emulator at emulated speed, its kubeconfig loaded
 * the way Jobbot loads one (a ClusterRegistry of its contexts), a captured logger, and dispatch Jobs
 * rendered by the real renderJob so they carry Jobbot's labels.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Container, JobManifest } from '../../src/domain/definition/index.js';
import { renderJob } from '../../src/domain/definition/index.js';
import { ClusterRegistry, clustersFrom, loadKubeConfig } from '../../src/kube/clusters.js';
import { KubeJobs } from '../../src/kube/jobs.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type KubeEmulator, type KubeEmulatorOptions, startKubeEmulator } from '../support/kube/index.js';

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface Fixture {
  emu: KubeEmulator;
  registry: ClusterRegistry;
  jobs: KubeJobs;
  log: Logger;
  logLines: LogLine[];
  kubeConfig(cluster?: string): KubeConfig;
  close(): Promise<void>;
}

export async function startFixture(opts: KubeEmulatorOptions = {}): Promise<Fixture> {
  const emu = await startKubeEmulator({ speed: 100, namespaces: ['jobbot', 'team-a'], ...opts });
  const dir = await mkdtemp(join(tmpdir(), 'jobbot-kube-'));
  const path = await emu.writeKubeconfig(join(dir, 'kubeconfig'));
  const source = { kind: 'files' as const, paths: [path] };
  const logLines: LogLine[] = [];
  const log = createLogger('debug', { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const registry = new ClusterRegistry(clustersFrom(loadKubeConfig(source), source), log);
  return {
    emu,
    registry,
    jobs: new KubeJobs(registry, { interactiveMs: 2_000, backgroundMs: 5_000 }),
    log,
    logLines,
    kubeConfig: (cluster = emu.primary.name) => registry.get(cluster)!.kubeConfig,
    close: async () => {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface DispatchJobOptions {
  definition?: string;
  namespace?: string;
  containers?: Container[];
  initContainers?: Container[];
  restartPolicy?: 'Never' | 'OnFailure';
  backoffLimit?: number;
  /** The Jobbot installation's id (jobbot.dev/installation); none when left out. */
  installation?: string;
}

/** The Job Jobbot creates for dispatch `n` of a definition (default `report`, namespace jobbot). */
export function dispatchJob(n: number, o: DispatchJobOptions = {}): JobManifest {
  return renderJob(
    {
      name: o.definition ?? 'report',
      namespace: o.namespace ?? 'jobbot',
      template: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        spec: {
          ...(o.backoffLimit !== undefined && { backoffLimit: o.backoffLimit }),
          template: {
            spec: {
              restartPolicy: o.restartPolicy ?? 'Never',
              containers: o.containers ?? [{ name: 'main', image: 'busybox:1.36' }],
              ...(o.initContainers && { initContainers: o.initContainers }),
            },
          },
        },
      },
    },
    {
      number: n,
      dispatchedBy: { id: 'U1', name: 'Ada' },
      ...(o.installation ? { installation: o.installation } : {}),
    },
  );
}

/** Polls `probe` until it holds (real time), for state the emulator's waitFor cannot see. */
export async function until<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
