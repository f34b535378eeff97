/**
 * The Kubernetes manifests as `kubectl apply -k` would send them: the base and the example overlay
 * render, every object is valid for its kind, and the Deployment is wired and locked down the way the
 * README promises (one replica, Recreate, probes, limits, non-root with a read-only root file system).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { BASE, EXAMPLE, find, JOBBOT_SA, type KubeObject, one, render } from './kustomize.js';
import { schemaErrors, unknownFields } from './schema.js';

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
}
interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    strategy: { type: string };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        enableServiceLinks?: boolean;
        securityContext?: Record<string, unknown>;
        containers: Container[];
        volumes: {
          name: string;
          persistentVolumeClaim?: { claimName: string };
          configMap?: { name: string };
          emptyDir?: object;
        }[];
      };
    };
  };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

const rendered: Record<string, KubeObject[]> = {};
beforeAll(async () => {
  [rendered.base, rendered.example] = await Promise.all([render(BASE), render(EXAMPLE)]);
});

describe.each(['base', 'example'])('the %s kustomization', (which) => {
  const objects = () => rendered[which]!;

  it('renders objects that are valid for their kind, with no unknown fields', () => {
    const problems = objects().flatMap((o) =>
      [...schemaErrors(o), ...unknownFields(o).map((f) => `unknown field ${f}`)].map(
        (p) => `${o.kind} ${o.metadata.name}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
    expect(new Set(objects().map((o) => o.kind))).toEqual(
      new Set([
        'Namespace',
        'ServiceAccount',
        'Role',
        'RoleBinding',
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'PersistentVolumeClaim',
        'Deployment',
        'Service',
        ...(which === 'example' ? ['Secret'] : []),
      ]),
    );
  });

  it('names the namespace of every namespaced object, and creates those namespaces', () => {
    // Without one, `kubectl apply` would put the object in whatever namespace the context points at.
    const namespaced = objects().filter((o) => !CLUSTER_SCOPED.has(o.kind));
    expect(
      namespaced.filter((o) => !o.metadata.namespace).map((o) => `${o.kind} ${o.metadata.name}`),
    ).toEqual([]);
    const created = new Set(find(objects(), 'Namespace').map((n) => n.metadata.name));
    for (const o of namespaced) expect(created).toContain(o.metadata.namespace);
    const own = one<KubeObject>(objects(), 'Namespace', JOBBOT_SA.namespace);
    expect(own.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs one replica, recreated, as the service account the RBAC binds', () => {
    const d = one<Deployment>(objects(), 'Deployment', 'jobbot');
    expect(d.metadata.namespace).toBe(JOBBOT_SA.namespace);
    // SQLite and Socket Mode want a single writer; a rolling update would briefly run two.
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe('Recreate');
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe(JOBBOT_SA.name);
    one(objects(), 'ServiceAccount', JOBBOT_SA.name);
    // A Service named jobbot would otherwise inject JOBBOT_* variables beside Jobbot's own settings.
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('locks the container down: non-root, no escalation, read-only root, no capabilities, seccomp', () => {
    const pod = one<Deployment>(objects(), 'Deployment', 'jobbot').spec.template.spec;
    const [container, ...others] = pod.containers;
    expect(others).toEqual([]);
    // The container's own securityContext wins over the pod's, field by field.
    const effective = (field: string) => container!.securityContext?.[field] ?? pod.securityContext?.[field];
    expect(effective('runAsNonRoot')).toBe(true);
    expect(effective('runAsUser')).not.toBe(0);
    expect(effective('allowPrivilegeEscalation')).toBe(false);
    expect(effective('readOnlyRootFilesystem')).toBe(true);
    expect(effective('privileged') ?? false).toBe(false);
    expect(effective('seccompProfile')).toEqual({ type: 'RuntimeDefault' });
    expect(container!.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(container!.securityContext?.capabilities?.add ?? []).toEqual([]);
    const mount = (p: string) => container!.volumeMounts?.find((m) => m.mountPath === p);
    const tmp = pod.volumes.find((v) => v.name === mount('/tmp')?.name);
    expect(tmp?.emptyDir, 'a writable /tmp beside the read-only root').toBeDefined();
  });

  it('probes /healthz for liveness and /readyz for readiness on the HTTP port', () => {
    const container = one<Deployment>(objects(), 'Deployment', 'jobbot').spec.template.spec.containers[0]!;
    const port = (p: Probe | undefined) => {
      const named = p?.httpGet?.port;
      return container.ports?.find((c) => c.name === named || c.containerPort === named)?.containerPort;
    };
    const env = (name: string) => container.env?.find((e) => e.name === name)?.value;
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(port(container.livenessProbe)).toBe(Number(env('PORT')));
    expect(port(container.readinessProbe)).toBe(Number(env('PORT')));
    if (container.startupProbe) expect(container.startupProbe.httpGet?.path).toBe('/healthz');
  });

  it('asks for CPU and memory, and limits both', () => {
    const { resources } = one<Deployment>(objects(), 'Deployment', 'jobbot').spec.template.spec
      .containers[0]!;
    for (const kind of ['requests', 'limits'] as const) {
      expect(Object.keys(resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('keeps the database on the claim at /data and reads the policy from the ConfigMap', () => {
    const pod = one<Deployment>(objects(), 'Deployment', 'jobbot').spec.template.spec;
    const container = pod.containers[0]!;
    const env = (name: string) => container.env?.find((e) => e.name === name)?.value ?? '';
    const volumeAt = (file: string) => {
      const m = container.volumeMounts?.find((v) => file.startsWith(`${v.mountPath}/`));
      return pod.volumes.find((v) => v.name === m?.name);
    };
    expect(path.dirname(env('JOBBOT_DB'))).toBe('/data');
    const claim = volumeAt(env('JOBBOT_DB'))?.persistentVolumeClaim?.claimName;
    expect(find(objects(), 'PersistentVolumeClaim', claim).map((c) => c.metadata.namespace)).toEqual([
      'jobbot',
    ]);
    const configMap = volumeAt(env('JOBBOT_CONFIG'))?.configMap?.name;
    const data = one<KubeObject & { data: Record<string, string> }>(objects(), 'ConfigMap', configMap).data;
    expect(Object.keys(data)).toContain(path.basename(env('JOBBOT_CONFIG')));
  });

  it('serves the container port through the Service', () => {
    const d = one<Deployment>(objects(), 'Deployment', 'jobbot');
    const svc = one<
      KubeObject & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
    >(objects(), 'Service', 'jobbot');
    expect(d.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const names = d.spec.template.spec.containers[0]!.ports!.map((p) => p.name);
    for (const p of svc.spec.ports) expect(names).toContain(p.targetPort);
  });

  it('ships an obviously-example policy that Jobbot accepts, naming the namespaces it has rights in', () => {
    const d = one<Deployment>(objects(), 'Deployment', 'jobbot');
    const configMap = d.spec.template.spec.volumes.find((v) => v.configMap)!.configMap!.name;
    const text = one<KubeObject & { data: Record<string, string> }>(objects(), 'ConfigMap', configMap).data[
      'jobbot.yaml'
    ]!;
    expect(text).toMatch(/^# EXAMPLE/);
    const policy = yaml.load(text) as Record<string, unknown>;
    expect(Object.keys(policy)).toEqual(
      expect.arrayContaining(['admins', 'clusters', 'policies', 'guardrails']),
    );
    expect(acceptedByJobbot(text)).toBe(true);
    // A namespace in the policy without the Role fails every dispatch; a Role without it is unused.
    const clusters = policy.clusters as Record<string, { namespaces?: string[] }>;
    const bound = find(objects(), 'RoleBinding').map((b) => b.metadata.namespace);
    expect([...(clusters['in-cluster']?.namespaces ?? [])].sort()).toEqual([...bound].sort());
  });
});

describe('the example overlay', () => {
  it('carries the Slack secret as placeholders only, clearly marked', () => {
    const secret = one<KubeObject & { stringData: Record<string, string> }>(
      rendered.example!,
      'Secret',
      'jobbot-slack',
    );
    expect(Object.keys(secret.stringData).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/EXAMPLE-REPLACE-ME$/);
    expect(readFileSync(path.join(EXAMPLE, 'secret.example.yaml'), 'utf8')).toMatch(/^# EXAMPLE ONLY/);
    const d = one<Deployment>(rendered.example!, 'Deployment', 'jobbot');
    expect(d.spec.template.spec.containers[0]!.envFrom).toEqual([{ secretRef: { name: 'jobbot-slack' } }]);
  });

  it('keeps real secrets out of the base, so applying it never overwrites the one you created', () => {
    expect(find(rendered.base!, 'Secret')).toEqual([]);
  });

  it('pins the image it runs', () => {
    const { image } = one<Deployment>(rendered.example!, 'Deployment', 'jobbot').spec.template.spec
      .containers[0]!;
    expect(image).toMatch(/^[^:]+(:\d[\w.-]*|@sha256:[0-9a-f]{64})$/);
  });
});

/** Jobbot's own settings loader accepts the policy as JOBBOT_CONFIG (it throws, naming each problem). */
function acceptedByJobbot(policy: string): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-policy-'));
  try {
    writeFileSync(path.join(dir, 'jobbot.yaml'), policy);
    const config = loadConfig({
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', JOBBOT_CONFIG: 'jobbot.yaml' },
      cwd: dir,
      home: dir,
      inCluster: true,
    });
    return config.filePath !== undefined && config.policy.configured;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
