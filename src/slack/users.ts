/**
 * Display names for attribution. History must read right after a rename, so the name is taken when
 * the action happens (users.info), cached briefly; if Slack cannot say, the name in the payload is used.
 */
import type { webApi } from '@slack/bolt';
import type { Actor } from '../domain/actor.js';

const TTL_MS = 5 * 60_000;

export class UserDirectory {
  readonly #cache = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async actor(userId: string, fallbackName: string | undefined): Promise<Actor> {
    return { kind: 'slack', id: userId, name: await this.displayName(userId, fallbackName) };
  }

  /** A user id for a user id or e-mail address (the pipeline API's onBehalfOf); undefined if unknown. */
  async resolve(ref: string): Promise<string | undefined> {
    try {
      if (ref.includes('@')) {
        const { user } = await this.client.users.lookupByEmail({ email: ref });
        return user?.id && !user.deleted ? user.id : undefined;
      }
      if (!/^[UW][A-Z0-9]{2,}$/.test(ref)) return undefined;
      const { user } = await this.client.users.info({ user: ref });
      return user?.id && !user.deleted ? user.id : undefined;
    } catch {
      return undefined;
    }
  }

  async displayName(userId: string, fallbackName: string | undefined): Promise<string> {
    const hit = this.#cache.get(userId);
    if (hit && this.now() - hit.at < TTL_MS) return hit.name;
    try {
      const { user } = await this.client.users.info({ user: userId });
      const name = user?.profile?.display_name || user?.real_name || user?.name || fallbackName || userId;
      this.#cache.set(userId, { name, at: this.now() });
      return name;
    } catch {
      return fallbackName || userId;
    }
  }
}
