import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry, clustersFrom, loadKubeConfig } from '../../src/kube/clusters.js';
import { KubeJobs } from '../../src/kube/jobs.js';
import { createLogger } from '../../src/logger.js';
import { DefinitionService } from '../../src/services/definitions.js';
import { openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { DraftRepository } from '../../src/store/drafts.js';
import { type KubeEmulator, startKubeEmulator } from '../support/kube/index.js';

const YAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34.0
`;
const actor = { kind: 'slack' as const, id: 'U1', name: 'alice' };

let kube: KubeEmulator;
let service: DefinitionService;
beforeAll(async () => {
  kube = await startKubeEmulator({ namespaces: ['jobs'] });
  const file = await kube.writeKubeconfig(
    path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-svc-')), 'kubeconfig'),
  );
  const source = { kind: 'files' as const, paths: [file] };
  const registry = new ClusterRegistry(clustersFrom(loadKubeConfig(source), source), createLogger('silent'));
  const db = openDatabase(':memory:');
  service = new DefinitionService(
    new DefinitionRepository(db),
    new KubeJobs(registry, 2_000),
    new DraftRepository(db),
  );
});
afterAll(async () => {
  await kube.close();
});

describe('DefinitionService.save', () => {
  it('refuses an unknown cluster, naming the known ones', async () => {
    const result = await service.save(
      { mode: 'yaml', cluster: 'gamma', namespace: 'jobs', description: '', yaml: YAML },
      actor,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.find((e) => e.path === 'cluster')?.message).toMatch(/gamma/);
  });

  it('refuses a namespace the cluster does not have', async () => {
    const result = await service.save(
      { mode: 'yaml', cluster: 'alpha', namespace: 'nowhere', description: '', yaml: YAML },
      actor,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.find((e) => e.path === 'namespace')?.message).toMatch(/nowhere/);
  });

  it('saves a valid definition', async () => {
    const result = await service.save(
      { mode: 'yaml', cluster: 'alpha', namespace: 'jobs', description: 'pi', yaml: YAML },
      actor,
    );
    expect(result.ok && result.definition.name).toBe('pi');
  });
});
