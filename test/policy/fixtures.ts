/**
 * A policy file exercising every key, and the people the decide table asks about. Glossary of the
 * cast: alice and bob are admins (by ID and by e-mail), pat is an admin through @platform, carol may
 * dispatch deploys, erin is an engineer, sam is an SRE (approves deploys), eve is nobody in particular.
 */
import { parsePolicy } from '../../src/domain/policy/index.js';
import type { Policy, Subject } from '../../src/domain/policy/types.js';

export const POLICY_YAML = `# Jobbot policy
admins: { users: [U0ALICE, bob@example.com], groups: [S0PLATFORM, "@platform"] }
clusters:
  prod:
    context: prod-eu
    namespaces: [batch]
    channels: [C0OPS, C0DEPLOY]
    allow: { hostNetwork: true }
  staging:
policies:
  - jobs: "deploy-*"
    dispatch: { users: [U0CAROL], groups: ["@deployers"], channels: [C0DEPLOY] }
    approval: { approvals: 2, approvers: { groups: ["@sre"] }, expiresAfter: 2h, channel: C0APPROVALS }
  - jobs: "report-?"
    dispatch: { channels: [C0OPS] }
  - jobs: "batch-*"
    dispatch: { groups: ["@engineering"] }
guardrails:
  images: ["registry.example.com/*", "busybox:*"]
  maxParallelism: 10
  maxCompletions: 100
  maxActiveDeadlineSeconds: 86400
  maxCpu: "4"
  maxMemory: 8Gi
secrets: { mask: ['corp_[a-z0-9]{12}'] }
`;

export function policyOf(yaml: string): Policy {
  const result = parsePolicy(yaml, 'policy.yaml');
  if (!result.ok) throw new Error(result.message);
  return result.policy;
}

export const POLICY = policyOf(POLICY_YAML);

function person(user: string, groups: string[] = [], email?: string): Subject {
  return { user, groups: new Set(groups), ...(email ? { email } : {}) };
}

export const PEOPLE = {
  alice: person('U0ALICE'),
  bob: person('U0BOB', [], 'Bob@Example.com'),
  pat: person('U0PAT', ['@platform']),
  carol: person('U0CAROL'),
  erin: person('U0ERIN', ['@engineering']),
  sam: person('U0SAM', ['@sre']),
  eve: person('U0EVE'),
} satisfies Record<string, Subject>;

export type Person = keyof typeof PEOPLE;

export function from(subject: Subject, channel: string | undefined): Subject {
  return channel === undefined ? subject : { ...subject, channel };
}
