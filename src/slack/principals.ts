/**
 * Who belongs to the user groups a policy names, and people's e-mail addresses, from Slack's Web API
 * (usergroups.list, usergroups.users.list, users.info), cached briefly so a burst of clicks costs one
 * look-up. A look-up that fails keeps what was known before; never known means "not a member", so a
 * Slack outage can refuse a group-based permission but never grant one.
 */
import type { webApi } from '@slack/bolt';
import type { Policy } from '../domain/policy/index.js';
import type { Logger } from '../logger.js';
import type { PrincipalDirectory } from '../services/access.js';

const TTL_MS = 60_000;

interface Cached<T> {
  value: T;
  at: number;
}

export class SlackPrincipals implements PrincipalDirectory {
  #handles: Cached<Map<string, string>> | undefined;
  readonly #members = new Map<string, Cached<Set<string>>>();
  readonly #emails = new Map<string, Cached<string | undefined>>();
  #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async prepare(userId: string, policy: Policy): Promise<void> {
    const refs = groupRefs(policy);
    const work: Promise<void>[] = [];
    if (refs.some((r) => r.startsWith('@')) && this.stale(this.#handles))
      work.push(this.once('handles', () => this.loadHandles()));
    if (usesEmails(policy) && this.stale(this.#emails.get(userId)))
      work.push(this.once(`email:${userId}`, () => this.loadEmail(userId)));
    await Promise.all(work);
    await Promise.all(
      refs
        .map((r) => this.groupId(r))
        .filter((id): id is string => id !== undefined && this.stale(this.#members.get(id)))
        .map((id) => this.once(`group:${id}`, () => this.loadMembers(id))),
    );
  }

  groupsOf(userId: string, policy: Policy): Set<string> {
    const out = new Set<string>();
    for (const ref of groupRefs(policy)) {
      const id = this.groupId(ref);
      if (id && this.#members.get(id)?.value.has(userId)) out.add(ref);
    }
    return out;
  }

  emailOf(userId: string): string | undefined {
    return this.#emails.get(userId)?.value;
  }

  private groupId(ref: string): string | undefined {
    return ref.startsWith('@') ? this.#handles?.value.get(ref.slice(1).toLowerCase()) : ref;
  }

  private stale(c: Cached<unknown> | undefined): boolean {
    return !c || this.now() - c.at > TTL_MS;
  }

  /** One look-up of a kind at a time: concurrent clicks share it. */
  private once(key: string, load: () => Promise<void>): Promise<void> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = load().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  private async loadHandles(): Promise<void> {
    try {
      const res = await this.client.usergroups.list({ include_disabled: false });
      const map = new Map<string, string>();
      for (const g of res.usergroups ?? []) if (g.handle && g.id) map.set(g.handle.toLowerCase(), g.id);
      this.#handles = { value: map, at: this.now() };
    } catch (err) {
      this.log.warn({ err }, 'could not list Slack user groups; group rules match nobody new until it works');
    }
  }

  private async loadMembers(groupId: string): Promise<void> {
    try {
      const res = await this.client.usergroups.users.list({ usergroup: groupId });
      this.#members.set(groupId, { value: new Set(res.users ?? []), at: this.now() });
    } catch (err) {
      this.log.warn({ err, group: groupId }, 'could not read a Slack user group; keeping what was known');
    }
  }

  private async loadEmail(userId: string): Promise<void> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      this.#emails.set(userId, { value: user?.profile?.email?.toLowerCase(), at: this.now() });
    } catch (err) {
      this.log.warn({ err, user: userId }, 'could not read a Slack user; e-mail rules will not match them');
    }
  }
}

function groupRefs(policy: Policy): string[] {
  const refs = new Set<string>(policy.admins.groups);
  for (const p of policy.policies) {
    for (const g of p.dispatchers?.groups ?? []) refs.add(g);
    for (const g of p.approval?.approvers.groups ?? []) refs.add(g);
  }
  return [...refs];
}

function usesEmails(policy: Policy): boolean {
  const users = [
    ...policy.admins.users,
    ...policy.policies.flatMap((p) => [
      ...(p.dispatchers?.users ?? []),
      ...(p.approval?.approvers.users ?? []),
    ]),
  ];
  return users.some((u) => u.includes('@'));
}
