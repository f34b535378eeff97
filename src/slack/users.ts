/**
 * Display names for attribution. History must read right after a rename, so the name is taken when
 * the action happens (users.info), cached briefly; if Slack cannot say, the name in the payload is used.
 * A person is waiting inside Slack's 3-second window, so a slow Slack gets `budgetMs` and no more:
 * the payload's name is used then, and the answer, when it comes, fills the cache for next time.
 */
import type { webApi } from '@slack/bolt';
import type { Actor } from '../domain/actor.js';

const TTL_MS = 5 * 60_000;

export class UserDirectory {
  readonly #cache = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly now: () => number = Date.now,
    private readonly budgetMs = 1_000,
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
    const fallback = fallbackName || userId;
    const lookup = this.client.users.info({ user: userId }).then(
      ({ user }) => {
        const name = user?.profile?.display_name || user?.real_name || user?.name || fallback;
        this.#cache.set(userId, { name, at: this.now() });
        return name;
      },
      () => fallback,
    );
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(fallback), this.budgetMs);
      timer.unref();
    });
    return Promise.race([lookup, budget]).finally(() => clearTimeout(timer));
  }
}
