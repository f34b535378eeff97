import { describe, expect, it } from 'vitest';
import type { JobTemplate } from '../../src/domain/definition/types.js';
import { checkGuardrails, OPEN_POLICY, type Violation } from '../../src/domain/policy/index.js';
import { POLICY, policyOf } from './fixtures.js';

/** A Job every guardrail of POLICY accepts; each test breaks one thing. */
function job(change: (j: JobTemplate) => void = () => undefined): JobTemplate {
  const j: JobTemplate = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: {
      parallelism: 2,
      completions: 4,
      activeDeadlineSeconds: 3600,
      template: {
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'setup', image: 'busybox:1.36' }],
          containers: [
            {
              name: 'main',
              image: 'registry.example.com/team/app:1',
              resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 4, memory: '8Gi' } },
            },
          ],
        },
      },
    },
  };
  change(j);
  return j;
}

const main = (j: JobTemplate) => j.spec.template.spec.containers[0]!;
const rules = (v: Violation[]) => v.map((x) => `${x.rule} @ ${x.path}`);

describe('checkGuardrails', () => {
  it('accepts a Job within every guardrail', () => {
    expect(checkGuardrails(POLICY, 'staging', job())).toEqual([]);
  });

  const table: [string, (j: JobTemplate) => void, string[]][] = [
    [
      'an image from elsewhere',
      (j) => {
        main(j).image = 'docker.io/evil:1';
      },
      ['guardrails.images @ spec.template.spec.containers[0].image'],
    ],
    [
      'an init container image from elsewhere',
      (j) => {
        j.spec.template.spec.initContainers![0]!.image = 'alpine:3';
      },
      ['guardrails.images @ spec.template.spec.initContainers[0].image'],
    ],
    [
      'a privileged container',
      (j) => {
        main(j).securityContext = { privileged: true };
      },
      ['clusters.staging.allow.privileged @ spec.template.spec.containers[0].securityContext.privileged'],
    ],
    [
      'a hostPath volume',
      (j) => {
        j.spec.template.spec.volumes = [
          { name: 'empty', emptyDir: {} },
          { name: 'root', hostPath: { path: '/' } },
        ];
      },
      ['clusters.staging.allow.hostPath @ spec.template.spec.volumes[1].hostPath'],
    ],
    [
      'host namespaces',
      (j) => {
        Object.assign(j.spec.template.spec, { hostNetwork: true, hostPID: true, hostIPC: true });
      },
      [
        'clusters.staging.allow.hostNetwork @ spec.template.spec.hostNetwork',
        'clusters.staging.allow.hostPID @ spec.template.spec.hostPID',
        'clusters.staging.allow.hostIPC @ spec.template.spec.hostIPC',
      ],
    ],
    [
      'too much parallelism',
      (j) => {
        j.spec.parallelism = 11;
      },
      ['guardrails.maxParallelism @ spec.parallelism'],
    ],
    [
      'too many completions',
      (j) => {
        j.spec.completions = 101;
      },
      ['guardrails.maxCompletions @ spec.completions'],
    ],
    [
      'too long a deadline',
      (j) => {
        j.spec.activeDeadlineSeconds = 86401;
      },
      ['guardrails.maxActiveDeadlineSeconds @ spec.activeDeadlineSeconds'],
    ],
    [
      'no deadline under a deadline ceiling',
      (j) => {
        delete j.spec.activeDeadlineSeconds;
      },
      ['guardrails.maxActiveDeadlineSeconds @ spec.activeDeadlineSeconds'],
    ],
    [
      'too much cpu, requested and as a limit',
      (j) => {
        main(j).resources = { requests: { cpu: '4001m' }, limits: { cpu: '5' } };
      },
      [
        'guardrails.maxCpu @ spec.template.spec.containers[0].resources.requests.cpu',
        'guardrails.maxCpu @ spec.template.spec.containers[0].resources.limits.cpu',
      ],
    ],
    [
      'too much memory in an init container',
      (j) => {
        j.spec.template.spec.initContainers![0]!.resources = { limits: { memory: '9G' } };
      },
      ['guardrails.maxMemory @ spec.template.spec.initContainers[0].resources.limits.memory'],
    ],
    [
      'a quantity that cannot be compared',
      (j) => {
        main(j).resources = { limits: { memory: 'lots' } };
      },
      ['guardrails.maxMemory @ spec.template.spec.containers[0].resources.limits.memory'],
    ],
  ];
  for (const [what, change, expected] of table) {
    it(`refuses ${what}`, () => {
      const violations = checkGuardrails(POLICY, 'staging', job(change));
      expect(rules(violations)).toEqual(expected);
      for (const v of violations) {
        expect(v.message).toContain(`(rule: ${v.rule})`);
        expect(v.message).toMatch(/\.$/);
      }
    });
  }

  it('says which image is refused and which are allowed', () => {
    const [v] = checkGuardrails(
      POLICY,
      'staging',
      job((j) => (main(j).image = 'docker.io/evil:1')),
    );
    expect(v).toEqual({
      path: 'spec.template.spec.containers[0].image',
      rule: 'guardrails.images',
      message:
        'Image docker.io/evil:1 is not allowed here; allowed: registry.example.com/*, busybox:* (rule: guardrails.images).',
    });
  });

  it('says how to allow a host feature', () => {
    const [v] = checkGuardrails(
      POLICY,
      'staging',
      job((j) => (j.spec.template.spec.hostPID = true)),
    );
    expect(v?.message).toBe(
      'The pod uses hostPID, which the Jobbot policy does not allow on cluster staging (rule: ' +
        'clusters.staging.allow.hostPID); remove it, or an admin can set `allow: { hostPID: true }` for the cluster.',
    );
  });

  it('lets a cluster allow what it lists, and only that', () => {
    const host = job((j) => Object.assign(j.spec.template.spec, { hostNetwork: true, hostPID: true }));
    expect(rules(checkGuardrails(POLICY, 'prod', host))).toEqual([
      'clusters.prod.allow.hostPID @ spec.template.spec.hostPID',
    ]);
  });

  it('refuses host features on a cluster the policy does not list', () => {
    const privileged = job((j) => (main(j).securityContext = { privileged: true }));
    expect(rules(checkGuardrails(policyOf(''), 'anywhere', privileged))).toEqual([
      'clusters.anywhere.allow.privileged @ spec.template.spec.containers[0].securityContext.privileged',
    ]);
  });

  it('allows every host feature where a cluster allows them all', () => {
    const policy = policyOf(
      'clusters:\n  lab:\n    allow: { privileged: true, hostPath: true, hostNetwork: true, hostPID: true, hostIPC: true }\n',
    );
    const everything = job((j) => {
      main(j).securityContext = { privileged: true };
      Object.assign(j.spec.template.spec, {
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      });
    });
    expect(checkGuardrails(policy, 'lab', everything)).toEqual([]);
    expect(checkGuardrails(policy, 'other', everything)).toHaveLength(5);
  });

  it('refuses nothing without a policy file', () => {
    const everything = job((j) => {
      main(j).image = 'docker.io/evil:1';
      main(j).securityContext = { privileged: true };
      main(j).resources = { limits: { cpu: '64', memory: '1Ti' } };
      Object.assign(j.spec, { parallelism: 1000, completions: 1000 });
      delete j.spec.activeDeadlineSeconds;
      Object.assign(j.spec.template.spec, {
        hostNetwork: true,
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      });
    });
    expect(checkGuardrails(OPEN_POLICY, 'prod', everything)).toEqual([]);
  });

  it('does not throw on a malformed Job', () => {
    const broken = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { template: { spec: { containers: [null, 'x'] } } },
    };
    const onlyDeadline = [expect.objectContaining({ rule: 'guardrails.maxActiveDeadlineSeconds' })];
    expect(checkGuardrails(POLICY, 'prod', broken as unknown as JobTemplate)).toEqual(onlyDeadline);
    expect(checkGuardrails(POLICY, 'prod', {} as JobTemplate)).toEqual(onlyDeadline);
  });
});
