/**
 * The App Home tab: published when a person opens it, and again (debounced) when a dispatch changes
 * status while they have looked at it recently, so "running now" does not go stale.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { DefinitionService } from '../services/definitions.js';
import type { DispatchService } from '../services/dispatches.js';
import type { DefinitionRecord } from '../store/definitions.js';
import { STATUS_WORDS } from './subcommands/history.js';
import { HOME_BUDGET, homeView } from './views/home.js';

/** How long after opening Home a person's tab keeps being refreshed. */
const FOLLOW_MS = 60 * 60 * 1000;
const DEBOUNCE_MS = 1_000;
const LIST_LIMIT = 200;

export class AppHome {
  readonly #viewers = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly definitions: DefinitionService,
    private readonly dispatches: DispatchService,
    private readonly command: string,
    private readonly policyNote: () => string | undefined,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** The policy's view: Home offers only the jobs this person may dispatch. */
    private readonly mayDispatch: (userId: string, def: DefinitionRecord) => boolean = () => true,
  ) {}

  async opened(userId: string): Promise<void> {
    this.#viewers.set(userId, this.now());
    await this.publish(userId);
  }

  /** A dispatch changed status: refresh the tabs people are following, once per burst of changes. */
  dispatchChanged(): void {
    if (this.#viewers.size === 0 || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refreshAll();
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  private async refreshAll(): Promise<void> {
    const cutoff = this.now() - FOLLOW_MS;
    for (const [user, at] of this.#viewers) {
      if (at < cutoff) this.#viewers.delete(user);
      else await this.publish(user);
    }
  }

  private async publish(userId: string): Promise<void> {
    const note = this.policyNote();
    // Only the rows Home shows are read; the totals say how many more there are.
    const running = this.dispatches.history({
      states: STATUS_WORDS.running ?? [],
      offset: 0,
      limit: HOME_BUDGET.running,
    });
    const mine = this.dispatches.history({ actorId: userId, offset: 0, limit: HOME_BUDGET.mine });
    const team = this.dispatches.history({ offset: 0, limit: HOME_BUDGET.team });
    const view = homeView({
      userId,
      jobs: this.definitions
        .list({ offset: 0, limit: LIST_LIMIT })
        .items.filter((d) => this.mayDispatch(userId, d)),
      running: running.items,
      mine: mine.items,
      team: team.items,
      totals: { running: running.total, mine: mine.total, team: team.total },
      command: this.command,
      ...(note ? { policyNote: note } : {}),
    });
    try {
      await this.client.views.publish({ user_id: userId, view });
    } catch (err) {
      this.log.warn({ err, user: userId }, 'could not publish App Home');
    }
  }
}
