/**
 * Rendering the kustomizations under manifests/ with `kubectl kustomize` (kustomize as kubectl ships
 * it, so what the test sees is what `kubectl apply -k` would send) into plain objects.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BASE = path.join(ROOT, 'manifests/base');
export const EXAMPLE = path.join(ROOT, 'manifests/overlays/example');

/** The ServiceAccount Jobbot runs as. */
export const JOBBOT_SA = { namespace: 'jobbot', name: 'jobbot' };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const run = promisify(execFile);

const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export async function render(dir: string): Promise<KubeObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(KUBECTL, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    // The manifests use kustomize v5 fields (labels, patches with targets): kubectl 1.27 or newer.
    const version = await run(KUBECTL, ['version', '--client']).then(
      (r) => r.stdout.trim(),
      () => 'no kubectl',
    );
    throw new Error(
      `kubectl kustomize ${dir} failed (${version}): ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  return (yaml.loadAll(stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null);
}

export function find<T = KubeObject>(objects: KubeObject[], kind: string, name?: string): T[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as T[];
}

export function one<T = KubeObject>(objects: KubeObject[], kind: string, name?: string): T {
  const found = find<T>(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}
