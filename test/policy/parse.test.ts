import { describe, expect, it } from 'vitest';
import { OPEN_POLICY, parsePolicy, policyWarnings } from '../../src/domain/policy/index.js';
import { POLICY_YAML } from './fixtures.js';

const FILE = '/etc/jobbot/policy.yaml';

function problems(text: string): string[] {
  const result = parsePolicy(text, FILE);
  if (result.ok) throw new Error('expected the policy to be refused');
  expect(result.message).toBe(result.problems.join('\n'));
  return result.problems;
}

function problem(text: string): string {
  const all = problems(text);
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe('parsePolicy: a valid file', () => {
  it('reads every key of the documented example', () => {
    const result = parsePolicy(POLICY_YAML, FILE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy).toEqual({
      configured: true,
      admins: { users: ['U0ALICE', 'bob@example.com'], groups: ['S0PLATFORM', '@platform'] },
      clusters: {
        prod: {
          context: 'prod-eu',
          namespaces: ['batch'],
          channels: ['C0OPS', 'C0DEPLOY'],
          allow: { privileged: false, hostPath: false, hostNetwork: true, hostPID: false, hostIPC: false },
        },
        staging: {
          allow: { privileged: false, hostPath: false, hostNetwork: false, hostPID: false, hostIPC: false },
        },
      },
      policies: [
        {
          rule: 'policies[0] (deploy-*)',
          jobs: 'deploy-*',
          dispatchers: { users: ['U0CAROL'], groups: ['@deployers'], channels: ['C0DEPLOY'] },
          approval: {
            approvals: 2,
            approvers: { users: [], groups: ['@sre'] },
            expiresAfterSeconds: 7200,
            channel: 'C0APPROVALS',
          },
        },
        {
          rule: 'policies[1] (report-?)',
          jobs: 'report-?',
          dispatchers: { users: [], groups: [], channels: ['C0OPS'] },
        },
        {
          rule: 'policies[2] (batch-*)',
          jobs: 'batch-*',
          dispatchers: { users: [], groups: ['@engineering'] },
        },
      ],
      guardrails: {
        images: ['registry.example.com/*', 'busybox:*'],
        maxParallelism: 10,
        maxCompletions: 100,
        maxActiveDeadlineSeconds: 86400,
        maxCpu: '4',
        maxMemory: '8Gi',
      },
      maskPatterns: ['corp_[a-z0-9]{12}'],
    });
    expect(policyWarnings(result.policy)).toEqual([]);
  });

  it('fills in defaults: one approval, open for 24 hours, posted where the dispatch came from', () => {
    const result = parsePolicy(
      'policies: [{ jobs: "*", approval: { approvers: { users: [U0SAM] } } }]',
      FILE,
    );
    expect(result.ok && result.policy.policies[0]).toEqual({
      rule: 'policies[0] (*)',
      jobs: '*',
      approval: { approvals: 1, approvers: { users: ['U0SAM'], groups: [] }, expiresAfterSeconds: 86400 },
    });
  });

  it('reads numbers where quantities are expected', () => {
    const result = parsePolicy('guardrails: { maxCpu: 0.5, maxMemory: 1e9 }', FILE);
    expect(result.ok && result.policy.guardrails).toEqual({ maxCpu: '0.5', maxMemory: '1000000000' });
  });

  it('an empty file is a configured policy that allows nothing, and says so', () => {
    for (const text of ['', '# only a comment\n', '{}']) {
      const result = parsePolicy(text, FILE);
      expect(result).toEqual({
        ok: true,
        policy: { ...OPEN_POLICY, configured: true },
      });
    }
    const empty = parsePolicy('', FILE);
    expect(empty.ok && policyWarnings(empty.policy)).toEqual([
      expect.stringContaining('names no admins'),
      expect.stringContaining('no one can dispatch'),
    ]);
    expect(policyWarnings(OPEN_POLICY)[0]).toContain('No JOBBOT_CONFIG');
  });
});

describe('parsePolicy: each mistake names the file, its line and its rule', () => {
  const table: [string, string, string][] = [
    [
      'approvals below 1',
      'policies:\n  - jobs: "deploy-*"\n    approval:\n      approvals: 0\n      approvers: { groups: ["@sre"] }\n',
      'line 4 (policies[0].approval.approvals): must be at least 1.',
    ],
    [
      'approvers naming no one',
      'policies:\n  - jobs: "*"\n    approval:\n      approvers: {}\n',
      'line 4 (policies[0].approval.approvers): names no one; list the users or groups who may approve.',
    ],
    [
      'approvers missing',
      'policies:\n  - jobs: "*"\n    approval: { approvals: 1 }\n',
      'line 3 (policies[0].approval.approvers): is required.',
    ],
    [
      'more approvals than approvers',
      'policies:\n  - jobs: "*"\n    approval:\n      approvals: 3\n      approvers: { users: [U0SAM, U0TED] }\n',
      'line 4 (policies[0].approval.approvals): asks for 3 approvals but only 2 people may approve',
    ],
    [
      'a channel name',
      'clusters:\n  prod:\n    channels: ["#ops"]\n',
      "line 3 (clusters.prod.channels[0]): `#ops` is a channel name; use the channel ID (C0123…), shown at the bottom of the channel's details",
    ],
    [
      'a user that is not an ID or e-mail',
      'admins:\n  users: [alice]\n',
      'line 2 (admins.users[0]): `alice` must be a member ID (U0123…',
    ],
    [
      'a group in users',
      'admins: { users: [S0SRE] }',
      'line 1 (admins.users[0]): `S0SRE` looks like a user group',
    ],
    [
      'a handle without @',
      'admins: { groups: [sre] }',
      'line 1 (admins.groups[0]): `sre` must be a user group ID (S0123…) or handle with its @: @sre.',
    ],
    [
      'a pasted mention',
      'admins: { users: ["<@U0ALICE|alice>"] }',
      'line 1 (admins.users[0]): `<@U0ALICE|alice>` is a Slack mention; write the member ID alone: U0ALICE.',
    ],
    [
      'a misspelt key',
      'policies:\n  - jobs: "*"\n    apporval: { approvers: { groups: ["@sre"] } }\n',
      'line 3 (policies[0].apporval): unknown key; did you mean `approval`? Allowed here: jobs, dispatch, approval.',
    ],
    [
      'an unknown top-level key',
      'admin: { users: [U0ALICE] }\n',
      'line 1 (admin): unknown key; did you mean `admins`?',
    ],
    [
      'a duration without unit',
      'policies:\n  - jobs: "*"\n    approval: { approvers: { users: [U0A] }, expiresAfter: 3600 }\n',
      'line 3 (policies[0].approval.expiresAfter): must be a duration with a unit',
    ],
    [
      'a duration over 30 days',
      'policies:\n  - jobs: "*"\n    approval:\n      approvers: { users: [U0A] }\n      expiresAfter: 31d\n',
      'line 5 (policies[0].approval.expiresAfter): is 31d; a request may stay open at most 30 days',
    ],
    [
      'a duration in words',
      'policies: [{ jobs: "*", approval: { approvers: { users: [U0A] }, expiresAfter: 2 hours } }]',
      'line 1 (policies[0].approval.expiresAfter): must be a duration such as 30m, 2h, 1d or 1h30m, not the text "2 hours".',
    ],
    [
      'a job glob in capitals',
      'policies:\n  - jobs: Deploy-*\n',
      'line 2 (policies[0].jobs): `Deploy-*` has capitals, but job definition names are lower case: `deploy-*`.',
    ],
    [
      'a job glob with spaces',
      'policies:\n  - jobs: "deploy *"\n',
      'line 2 (policies[0].jobs): `deploy *` must be a job name pattern',
    ],
    [
      'jobs missing',
      'policies:\n  - dispatch: { users: [U0A] }\n',
      'line 2 (policies[0].jobs): is required.',
    ],
    [
      'an empty dispatch',
      'policies:\n  - jobs: "*"\n    dispatch:\n',
      'line 3 (policies[0].dispatch): names nobody; leave `dispatch` out to let anyone dispatch',
    ],
    [
      'an empty namespace list',
      'clusters:\n  prod:\n    namespaces: []\n',
      'line 3 (clusters.prod.namespaces): is empty; leave it out to allow every namespace.',
    ],
    [
      'a bad namespace',
      'clusters: { prod: { namespaces: [Batch] } }',
      'line 1 (clusters.prod.namespaces[0]): `Batch` is not a namespace name',
    ],
    [
      'a cluster called __proto__',
      'clusters: { __proto__: {} }',
      'line 1 (clusters.__proto__): `__proto__` cannot be a key.',
    ],
    ['no clusters', 'clusters: {}\n', 'line 1 (clusters): names no clusters; leave `clusters` out'],
    [
      'an allowance that is not a boolean',
      'clusters:\n  prod:\n    allow: { hostPath: yes }\n',
      'line 3 (clusters.prod.allow.hostPath): must be true or false, not the text "yes".',
    ],
    [
      'a bad quantity',
      'guardrails:\n  maxCpu: 4cores\n',
      'line 2 (guardrails.maxCpu): must be a Kubernetes quantity such as 4 or 500m, not the text "4cores".',
    ],
    [
      'a lower-case unit',
      'guardrails:\n  maxMemory: 8gi\n',
      'line 2 (guardrails.maxMemory): must be a Kubernetes quantity such as 8Gi or 512Mi, not the text "8gi". Units are case-sensitive: 8Gi.',
    ],
    [
      'memory without unit',
      'guardrails:\n  maxMemory: 8\n',
      'line 2 (guardrails.maxMemory): is less than a mebibyte',
    ],
    [
      'a ceiling as text',
      'guardrails:\n  maxParallelism: "10"\n',
      'line 2 (guardrails.maxParallelism): must be a whole number, not the text "10".',
    ],
    [
      'a fractional ceiling',
      'guardrails:\n  maxCompletions: 1.5\n',
      'line 2 (guardrails.maxCompletions): must be a whole number.',
    ],
    [
      'an empty image list',
      'guardrails:\n  images: []\n',
      'line 2 (guardrails.images): is empty; leave it out to allow every image.',
    ],
    [
      'a regex that does not compile',
      "secrets:\n  mask: ['(unclosed']\n",
      'line 2 (secrets.mask[0]): `(unclosed` is not a valid regular expression',
    ],
    [
      'a regex matching nothing at all',
      "secrets:\n  mask: ['x*']\n",
      'line 2 (secrets.mask[0]): `x*` matches empty text',
    ],
    [
      'a list where a mapping belongs',
      'admins: [U0ALICE]\n',
      'line 1 (admins): must be a mapping with users, groups, not a list.',
    ],
    [
      'a rule that can never apply',
      'policies:\n  - jobs: "*"\n  - jobs: "deploy-*"\n',
      'line 3 (policies[1].jobs): can never apply: policies[0] (*) comes first',
    ],
    [
      'a duplicated rule',
      'policies:\n  - jobs: deploy-*\n  - jobs: deploy-a*\n',
      'line 3 (policies[1].jobs): can never apply: policies[0] (deploy-*)',
    ],
    [
      'a YAML syntax error',
      'admins:\n  users: [U0ALICE\n',
      'line 3: is not valid YAML: unexpected end of the stream within a flow collection.',
    ],
    ['a duplicated key', 'admins: {}\nadmins: {}\n', 'line 2: is not valid YAML: duplicated mapping key.'],
    ['a custom tag', 'admins: !!js/function "x"\n', 'line 1: is not valid YAML: unknown tag'],
    [
      'a list at the top',
      '- admins\n',
      'line 1: must be a mapping with admins, clusters, policies, guardrails, secrets, not a list.',
    ],
  ];
  for (const [what, yaml, expected] of table) {
    it(what, () => {
      expect(problem(yaml)).toContain(`JOBBOT_CONFIG ${FILE} ${expected}`);
    });
  }

  it('lets a later rule through when an earlier one cannot cover it', () => {
    expect(
      parsePolicy(
        'policies:\n  - jobs: deploy-a*\n  - jobs: deploy-*\n  - jobs: "a?c"\n  - jobs: "a*c"\n',
        FILE,
      ).ok,
    ).toBe(true);
  });

  it('reports several problems together, in line order, up to ten', () => {
    const found = problems(
      [
        'admins:',
        '  users: [alice]', // 2
        'clusters:',
        '  prod:',
        '    channels: ["#ops"]', // 5
        '    alow: { hostNetwork: true }', // 6
        'policies:',
        '  - jobs: "deploy-*"',
        '    approval: { approvals: 0, approvers: { groups: ["@sre"] } }', // 9
        'guardrails: { maxCpu: lots }', // 10
      ].join('\n'),
    );
    expect(found.map((p) => p.replace(/^JOBBOT_CONFIG \S+ (line \d+) \(([^)]*)\).*$/, '$1 $2'))).toEqual([
      'line 2 admins.users[0]',
      'line 5 clusters.prod.channels[0]',
      'line 6 clusters.prod.alow',
      'line 9 policies[0].approval.approvals',
      'line 10 guardrails.maxCpu',
    ]);

    const many = problems(`admins: { users: [${Array.from({ length: 15 }, (_, i) => `u${i}`).join(', ')}] }`);
    expect(many).toHaveLength(11);
    expect(many[10]).toBe(`JOBBOT_CONFIG ${FILE}: and 5 more problems; fix these first.`);
  });

  it('refuses alias bombs and aliases inside themselves', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    expect(problem(bomb)).toContain('looks like an alias bomb');
    expect(problem('admins: &a { users: *a }')).toContain('(admins.users): contains itself through an alias');
  });

  it('refuses a file too large to be a policy', () => {
    expect(problem(`# ${'x'.repeat(1024 * 1024)}`)).toMatch(
      /^JOBBOT_CONFIG \/etc\/jobbot\/policy.yaml: is \d+ bytes/,
    );
  });

  it('refuses several documents', () => {
    expect(problem('admins: {}\n---\nadmins: {}\n')).toContain(
      'is not valid YAML: expected a single document',
    );
  });
});
