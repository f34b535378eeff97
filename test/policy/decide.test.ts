import { describe, expect, it } from 'vitest';
import {
  type Action,
  type Decision,
  decide,
  isAdmin,
  mayDispatchJob,
  mayDispatchSomething,
  OPEN_POLICY,
  type Subject,
} from '../../src/domain/policy/index.js';
import { from, PEOPLE, type Person, POLICY, policyOf } from './fixtures.js';

/** 'allow', 'approval' (allowed once approved), or the rule that refuses. */
function outcome(d: Decision): string {
  if (!d.allowed) return d.rule;
  return d.approval ? 'approval' : 'allow';
}

function expectOneSentence(d: Decision): void {
  if (d.allowed) return;
  expect(d.message).toContain(`(rule: ${d.rule})`);
  expect(d.message).toMatch(/\.$/);
  expect(d.message).not.toMatch(/\.\s+[A-Z]/);
}

const ADMIN_ACTIONS: Action['kind'][] = [
  'definition.manage',
  'pipeline.manage',
  'token.manage',
  'audit.read',
];

describe('decide: admin actions', () => {
  const table: [Person, boolean][] = [
    ['alice', true], // by member ID
    ['bob', true], // by e-mail, in another case
    ['pat', true], // through @platform
    ['carol', false],
    ['erin', false],
    ['sam', false],
    ['eve', false],
  ];
  for (const kind of ADMIN_ACTIONS) {
    for (const [who, allowed] of table) {
      it(`${who} ${allowed ? 'may' : 'may not'} ${kind}`, () => {
        const d = decide(POLICY, PEOPLE[who], { kind } as Action);
        expect(outcome(d)).toBe(allowed ? 'allow' : 'admins');
        expect(isAdmin(POLICY, PEOPLE[who])).toBe(allowed);
        expectOneSentence(d);
      });
    }
  }

  it('says what is refused and whom to ask', () => {
    const d = decide(POLICY, PEOPLE.eve, { kind: 'definition.manage' });
    expect(d).toEqual({
      allowed: false,
      rule: 'admins',
      message:
        'Only admins may create, edit or delete job definitions (rule: admins); ask one of them (<@U0ALICE>, ' +
        'bob@example.com, <!subteam^S0PLATFORM>, @platform), or an admin can add you to `admins` in the Jobbot policy.',
    });
  });

  it('a subject without a user (a token without an owner) is no admin', () => {
    expect(outcome(decide(POLICY, { groups: new Set() }, { kind: 'token.manage' }))).toBe('admins');
  });
});

describe('decide: dispatch', () => {
  // who, job, cluster, namespace, channel → outcome
  const table: [Person, string, string, string, string | undefined, string][] = [
    ['carol', 'deploy-api', 'prod', 'batch', 'C0DEPLOY', 'approval'],
    ['alice', 'deploy-api', 'prod', 'batch', 'C0DEPLOY', 'approval'], // approvals bind admins too
    ['erin', 'deploy-api', 'prod', 'batch', 'C0DEPLOY', 'policies[0] (deploy-*)'],
    ['carol', 'deploy-api', 'prod', 'batch', 'C0OPS', 'policies[0] (deploy-*).dispatch.channels'],
    ['alice', 'deploy-api', 'prod', 'batch', 'C0OPS', 'policies[0] (deploy-*).dispatch.channels'],
    ['carol', 'deploy-api', 'prod', 'batch', undefined, 'clusters.prod.channels'],
    ['carol', 'deploy-api', 'staging', 'default', undefined, 'policies[0] (deploy-*).dispatch.channels'],
    ['eve', 'report-1', 'prod', 'batch', 'C0OPS', 'allow'], // anyone, from C0OPS
    ['eve', 'report-1', 'prod', 'batch', 'C0DEPLOY', 'policies[1] (report-?).dispatch.channels'],
    ['eve', 'report-12', 'staging', 'default', 'C0OPS', 'policies'], // `?` is one character
    ['erin', 'batch-nightly', 'staging', 'anything', undefined, 'allow'],
    ['eve', 'batch-nightly', 'staging', 'default', undefined, 'policies[2] (batch-*)'],
    ['erin', 'batch-nightly', 'prod', 'default', 'C0OPS', 'clusters.prod.namespaces'],
    ['erin', 'batch-nightly', 'dev', 'default', undefined, 'clusters'],
    ['alice', 'batch-nightly', 'dev', 'default', undefined, 'clusters'], // where-rules bind admins too
    ['eve', 'batch-nightly', 'constructor', 'default', undefined, 'clusters'],
    ['alice', 'cleanup', 'staging', 'default', undefined, 'allow'], // no rule: admins only
    ['pat', 'cleanup', 'staging', 'default', undefined, 'allow'],
    ['erin', 'cleanup', 'staging', 'default', undefined, 'policies'],
    ['bob', 'batch-nightly', 'staging', 'default', undefined, 'allow'], // admins pass who-checks
    ['bob', 'deploy-web', 'prod', 'batch', 'C0DEPLOY', 'approval'],
  ];
  for (const [who, job, cluster, namespace, channel, expected] of table) {
    it(`${who} dispatching ${job} to ${cluster}/${namespace} from ${channel ?? 'no channel'}: ${expected}`, () => {
      const d = decide(POLICY, from(PEOPLE[who], channel), { kind: 'dispatch', job, cluster, namespace });
      expect(outcome(d)).toBe(expected);
      expectOneSentence(d);
    });
  }

  it('returns the approval rule with its name', () => {
    const d = decide(POLICY, from(PEOPLE.carol, 'C0DEPLOY'), {
      kind: 'dispatch',
      job: 'deploy-api',
      cluster: 'prod',
      namespace: 'batch',
    });
    expect(d).toEqual({
      allowed: true,
      approval: {
        rule: 'policies[0] (deploy-*)',
        approvals: 2,
        approvers: { users: [], groups: ['@sre'] },
        expiresAfterSeconds: 7200,
        channel: 'C0APPROVALS',
      },
    });
  });

  it('explains each refusal', () => {
    const message = (who: Subject, job: string, cluster = 'staging', namespace = 'default') => {
      const d = decide(POLICY, who, { kind: 'dispatch', job, cluster, namespace });
      return d.allowed ? '' : d.message;
    };
    expect(message(PEOPLE.erin, 'cleanup')).toBe(
      'No rule in the Jobbot policy covers `cleanup`, so only admins may dispatch it (rule: policies); ask an ' +
        'admin to dispatch it, or to add a rule for it under `policies`.',
    );
    expect(message(PEOPLE.eve, 'batch-x')).toBe(
      'You may not dispatch `batch-x` (rule: policies[2] (batch-*)); @engineering may, so ask one of them to ' +
        'dispatch it, or an admin to add you to that rule.',
    );
    expect(message(PEOPLE.carol, 'deploy-x', 'prod', 'batch')).toBe(
      'Jobs on cluster `prod` may only be dispatched from <#C0OPS>, <#C0DEPLOY> (rule: clusters.prod.channels); ' +
        'dispatch from one of those channels.',
    );
    expect(message(PEOPLE.erin, 'batch-x', 'prod', 'web')).toContain('allowed there: `batch`.');
    expect(message(PEOPLE.erin, 'batch-x', 'dev')).toContain('it may use `prod`, `staging`');
  });

  it('the first rule whose glob matches decides, even when a later one would allow', () => {
    const policy = policyOf(`
policies:
  - jobs: "deploy-*"
    dispatch: { users: [U0CAROL] }
  - jobs: "*"
`);
    const dispatch = (job: string): Action => ({ kind: 'dispatch', job, cluster: 'any', namespace: 'any' });
    expect(outcome(decide(policy, PEOPLE.eve, dispatch('deploy-x')))).toBe('policies[0] (deploy-*)');
    expect(outcome(decide(policy, PEOPLE.carol, dispatch('deploy-x')))).toBe('allow');
    expect(outcome(decide(policy, PEOPLE.eve, dispatch('anything-else')))).toBe('allow');
  });
});

describe('decide: approve', () => {
  const dispatched = decide(POLICY, from(PEOPLE.carol, 'C0DEPLOY'), {
    kind: 'dispatch',
    job: 'deploy-api',
    cluster: 'prod',
    namespace: 'batch',
  });
  const approval = dispatched.allowed ? dispatched.approval! : undefined!;

  const table: [Person, string][] = [
    ['sam', 'allow'],
    ['erin', 'policies[0] (deploy-*).approval.approvers'],
    ['alice', 'policies[0] (deploy-*).approval.approvers'], // being an admin is not being an approver
  ];
  for (const [who, expected] of table) {
    it(`${who}: ${expected}`, () => {
      const d = decide(POLICY, PEOPLE[who], { kind: 'approve', approval });
      expect(outcome(d)).toBe(expected);
      expectOneSentence(d);
    });
  }

  it('names who may approve', () => {
    const d = decide(POLICY, PEOPLE.erin, { kind: 'approve', approval });
    expect(d.allowed ? '' : d.message).toContain('@sre may approve it.');
  });

  it('accepts an approval rule without a name', () => {
    const { rule: _rule, ...unnamed } = approval;
    expect(outcome(decide(POLICY, PEOPLE.erin, { kind: 'approve', approval: unnamed }))).toBe(
      'policies.approval.approvers',
    );
  });
});

describe('decide: no policy file, and an empty one', () => {
  const actions: Action[] = [
    ...ADMIN_ACTIONS.map((kind) => ({ kind }) as Action),
    { kind: 'dispatch', job: 'anything', cluster: 'anywhere', namespace: 'kube-system' },
    {
      kind: 'approve',
      approval: { approvals: 1, approvers: { users: ['U0SAM'], groups: [] }, expiresAfterSeconds: 60 },
    },
  ];

  it('OPEN_POLICY allows everyone everything', () => {
    for (const action of actions) expect(decide(OPEN_POLICY, PEOPLE.eve, action)).toEqual({ allowed: true });
    expect(isAdmin(OPEN_POLICY, PEOPLE.eve)).toBe(true);
    expect(mayDispatchSomething(OPEN_POLICY, PEOPLE.eve)).toBe(true);
  });

  it('an empty file refuses everyone everything', () => {
    const empty = policyOf('');
    for (const action of actions) {
      const d = decide(empty, PEOPLE.alice, action);
      expect(d.allowed).toBe(false);
      expectOneSentence(d);
    }
    const d = decide(empty, PEOPLE.alice, { kind: 'audit.read' });
    expect(d.allowed ? '' : d.message).toContain('the Jobbot policy names none (rule: admins)');
    expect(mayDispatchSomething(empty, PEOPLE.alice)).toBe(false);
  });
});

describe('what to offer', () => {
  it('mayDispatchSomething: admins, and whoever some rule lets dispatch', () => {
    const table: [Person, boolean][] = [
      ['alice', true],
      ['erin', true],
      ['eve', true], // report-? is for anyone (from C0OPS)
    ];
    for (const [who, expected] of table) expect(mayDispatchSomething(POLICY, PEOPLE[who])).toBe(expected);
    const strict = policyOf('policies: [{ jobs: "batch-*", dispatch: { groups: ["@engineering"] } }]');
    expect(mayDispatchSomething(strict, PEOPLE.eve)).toBe(false);
    expect(mayDispatchSomething(strict, PEOPLE.erin)).toBe(true);
  });

  it('mayDispatchJob ignores channels but not clusters, namespaces or who', () => {
    const job = (name: string, cluster = 'prod', namespace = 'batch') => ({ name, cluster, namespace });
    expect(mayDispatchJob(POLICY, PEOPLE.carol, job('deploy-api'))).toBe(true);
    expect(mayDispatchJob(POLICY, PEOPLE.erin, job('deploy-api'))).toBe(false);
    expect(mayDispatchJob(POLICY, PEOPLE.erin, job('batch-x', 'prod', 'web'))).toBe(false);
    expect(mayDispatchJob(POLICY, PEOPLE.erin, job('batch-x', 'dev'))).toBe(false);
    expect(mayDispatchJob(POLICY, PEOPLE.alice, job('cleanup'))).toBe(true);
    expect(mayDispatchJob(POLICY, PEOPLE.erin, job('cleanup'))).toBe(false);
    expect(mayDispatchJob(OPEN_POLICY, PEOPLE.eve, job('x', 'y', 'z'))).toBe(true);
  });
});
