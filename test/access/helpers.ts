/**
 * Helpers for the access-control tests: a policy file the harness starts with (and that tests rewrite
 * to exercise a reload), people by name, and reading what each door answered.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { define } from '../api/helpers.js';
import { E2E } from '../support/cluster.js';
import { shellJobYaml } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { validateMessageBlocks } from '../support/slack/index.js';

export const ALICE = 'U0ALICE001'; // admin; in @ops and @devs
export const BOB = 'U0BOB00001'; // in @devs
export const CAROL = 'U0CAROL001'; // in no group
export const DAVE = 'U0DAVE0001'; // approver only

export function policyYaml(extra = ''): string {
  return `admins:
  users: [${ALICE}]
clusters:
  ${E2E.cluster}:
    namespaces: [${E2E.namespace}]
policies:
  - jobs: "prod-*"
    dispatch: { groups: ["@devs"] }
    approval:
      approvals: 2
      approvers: { users: [${ALICE}, ${BOB}, ${CAROL}, ${DAVE}] }
      expiresAfter: 1h
  - jobs: "safe-*"
    dispatch: { users: [${BOB}], groups: ["@ops"] }
guardrails:
  images: ["busybox:*", "perl:*"]
  maxParallelism: 5
secrets:
  mask: ['sekrit-[a-z0-9]+']
${extra}`;
}

export function writePolicy(dir: string, yaml: string): string {
  const file = path.join(dir, 'policy.yaml');
  writeFileSync(file, yaml);
  return file;
}

export function job(h: Harness, name: string, command: string, image = 'busybox:1.36'): void {
  define(h, shellJobYaml(name, command, image));
}

/**
 * `/job TEXT` as `user`: the ephemeral answer's text (blocks checked against Block Kit), or '' when
 * the command opened a modal instead.
 */
export async function slashAs(h: Harness, user: string, text: string): Promise<string> {
  const res = await h.driver.slashCommand({ command: '/job', text, user });
  const answer = await res.answer({ orModal: true });
  if (answer?.body.blocks) expect(validateMessageBlocks(answer.body.blocks as never)).toEqual([]);
  return answer?.text ?? '';
}

/** The ephemeral replies (response_url) the app sent after `since`. */
export function responsesSince(h: Harness, since: number): string[] {
  return h.slack.responses.slice(since).map((r) => JSON.stringify(r));
}

/** Direct messages the app sent to `user`. */
export function dmsTo(h: Harness, user: string): string[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));
}
