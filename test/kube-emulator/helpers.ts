/**
 * Shared setup for the emulator's own tests: an emulator at 100x speed, its kubeconfig on disk,
 * and real @kubernetes/client-node clients loaded from that file.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import {
  type KubeEmulator,
  type KubeEmulatorOptions,
  type StatusBody,
  startKubeEmulator,
} from '../support/kube/index.js';

export interface Harness {
  emu: KubeEmulator;
  kc: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  kubeconfigPath: string;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(opts: KubeEmulatorOptions = {}): Promise<Harness> {
  const emu = await startKubeEmulator({ speed: 100, ...opts });
  const dir = await mkdtemp(join(tmpdir(), 'kube-emulator-'));
  const kubeconfigPath = await emu.writeKubeconfig(join(dir, 'kubeconfig'));
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    emu,
    kc,
    batch: kc.makeApiClient(BatchV1Api),
    core: kc.makeApiClient(CoreV1Api),
    kubeconfigPath,
    dir,
    close: async () => {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface JobOptions {
  image?: string;
  command?: string[];
  restartPolicy?: 'Never' | 'OnFailure' | 'Always';
  containers?: { name: string; image: string; command?: string[] }[];
  spec?: Record<string, unknown>;
  labels?: Record<string, string>;
}

export function jobManifest(name: string, o: JobOptions = {}): V1Job {
  const containers = o.containers ?? [{ name: 'main', image: o.image ?? 'busybox:1.36', command: o.command }];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: o.labels },
    spec: {
      template: { spec: { restartPolicy: o.restartPolicy ?? 'Never', containers } },
      ...o.spec,
    },
  } as V1Job;
}

/** Awaits a rejected client call and returns its ApiException with the Status body parsed. */
export async function apiError(
  promise: Promise<unknown>,
): Promise<{ code: number; status: StatusBody; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const raw = err.body as unknown;
    const status = (typeof raw === 'string' ? JSON.parse(raw) : raw) as StatusBody;
    return { code: err.code, status, headers: err.headers as Record<string, string> };
  }
  throw new Error('expected the call to fail');
}

/** Raw HTTP against a cluster, for what the generated client cannot express. */
export async function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...init.headers },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}
