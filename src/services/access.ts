/**
 * Access control: who may do what, where (see domain/policy for the rules). Every service that
 * changes something asks this gate with the actor it was given, so every door (slash commands,
 * buttons, modals, App Home, message shortcuts, the HTTP API) meets the same check, and a button is
 * re-checked when pressed rather than trusted because it was shown. Glossary:
 * - directory: knows which of the policy's user groups a person belongs to, and their e-mail; it is
 *   asked ahead (`prepare`) by the doors, so the checks themselves stay synchronous.
 * - reload: a new policy replaces the old one at once; work already admitted is not re-judged.
 */
import { type Actor, personOf } from '../domain/actor.js';
import type { JobTemplate } from '../domain/definition/index.js';
import { JobbotError } from '../domain/errors.js';
import {
  type Action,
  type ApprovalRule,
  checkGuardrails,
  createMasker,
  type Decision,
  decide,
  type Masker,
  mayDispatchJob,
  mayDispatchSomething,
  OPEN_POLICY,
  type Policy,
  type Subject,
  type Violation,
} from '../domain/policy/index.js';
import type { Logger } from '../logger.js';

export interface PrincipalDirectory {
  /** Reads what groupsOf/emailOf need for this person when the cache is stale; never throws. */
  prepare(userId: string, policy: Policy): Promise<void>;
  /** The policy's group references (as written there) this person belongs to, from the cache. */
  groupsOf(userId: string, policy: Policy): Set<string>;
  emailOf(userId: string): string | undefined;
}

export const NO_DIRECTORY: PrincipalDirectory = {
  prepare: async () => undefined,
  groupsOf: () => new Set(),
  emailOf: () => undefined,
};

export type ApprovalNeeded = ApprovalRule & { rule: string };

/** What the services ask; OPEN_GATE (no policy) allows everything. */
export interface AccessGate {
  /** Throws `forbidden` with the refusing rule; returns the approval the action needs, if any. */
  require(actor: Actor, action: Action, channel?: string | null): ApprovalNeeded | undefined;
  /** What the guardrails refuse in a Job for this cluster (empty: nothing). */
  guardrails(cluster: string, template: JobTemplate): Violation[];
  /** Namespaces of a cluster the policy lets Jobbot use, out of those given. */
  namespaces(cluster: string, all: readonly string[]): string[];
  maskText(text: string): string;
  /** A copy with secret-looking values masked (env values whose name looks secret, tokens…). */
  maskObject<T>(value: T): T;
}

export class AccessService implements AccessGate {
  #policy: Policy;
  #masker: Masker;

  constructor(
    policy: Policy,
    private readonly directory: PrincipalDirectory,
    private readonly log: Logger,
  ) {
    this.#policy = policy;
    this.#masker = createMasker(policy.maskPatterns);
  }

  get policy(): Policy {
    return this.#policy;
  }

  get mask(): Masker {
    return this.#masker;
  }

  /** A reloaded policy: takes effect for the next check. */
  replace(policy: Policy): void {
    this.#policy = policy;
    this.#masker = createMasker(policy.maskPatterns);
  }

  prepare(userId: string): Promise<void> {
    if (!this.#policy.configured) return Promise.resolve();
    return this.directory.prepare(userId, this.#policy);
  }

  subject(userId: string | undefined, channel?: string | null): Subject {
    const email = userId ? this.directory.emailOf(userId) : undefined;
    return {
      ...(userId ? { user: userId } : {}),
      ...(email ? { email } : {}),
      groups: userId ? this.directory.groupsOf(userId, this.#policy) : new Set(),
      ...(channel ? { channel } : {}),
    };
  }

  decide(actor: Actor, action: Action, channel?: string | null): Decision {
    // Jobbot's own work (finishing, resuming, the CLI run by an operator on the host) is not a person.
    if (actor.kind === 'system' || !this.#policy.configured) return { allowed: true };
    return decide(this.#policy, this.subject(personOf(actor), channel), action);
  }

  require(actor: Actor, action: Action, channel?: string | null): ApprovalNeeded | undefined {
    const d = this.decide(actor, action, channel);
    if (!d.allowed) {
      this.log.info({ actor: actor.id, action: action.kind, rule: d.rule }, 'access refused');
      throw new JobbotError('forbidden', d.message, { rule: d.rule });
    }
    return d.approval;
  }

  /** Whether `userId` may run this job from some channel: what lists and App Home offer. */
  mayDispatch(userId: string, job: { name: string; cluster: string; namespace: string }): boolean {
    return mayDispatchJob(this.#policy, this.subject(userId), job);
  }

  allows(userId: string, action: Action): boolean {
    return !this.#policy.configured || decide(this.#policy, this.subject(userId), action).allowed;
  }

  /** Whether `/job help` offers a subcommand: admin-only ones to admins, `run` to anyone with a job. */
  offers(userId: string, sub: { name: string; requires?: Action }): boolean {
    if (!this.#policy.configured) return true;
    if (sub.requires) return this.allows(userId, sub.requires);
    if (sub.name === 'run' || sub.name === 'cancel')
      return mayDispatchSomething(this.#policy, this.subject(userId));
    return true;
  }

  /** Secret-looking values replaced, for anything shown or stored (logs, messages, audit). */
  maskText(text: string): string {
    return this.#masker.text(text);
  }

  maskObject<T>(value: T): T {
    return this.#masker.object(value);
  }

  guardrails(cluster: string, template: JobTemplate): Violation[] {
    return checkGuardrails(this.#policy, cluster, template);
  }

  namespaces(cluster: string, all: readonly string[]): string[] {
    const allowed = this.#policy.clusters?.[cluster]?.namespaces;
    return allowed ? all.filter((n) => allowed.includes(n)) : [...all];
  }
}

export const OPEN_GATE: AccessGate = {
  require: () => undefined,
  guardrails: () => [],
  namespaces: (_cluster, all) => [...all],
  maskText: (text) => text,
  maskObject: (value) => value,
};

export { OPEN_POLICY };
