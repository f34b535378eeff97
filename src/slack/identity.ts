/**
 * Who the bot is in Slack, learnt from auth.test. A rejected token is a settings problem and stops
 * start-up; an unreachable Slack is not: Jobbot keeps retrying in the background, reports not-ready
 * in /readyz meanwhile, and the first successful answer makes it ready.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface BotIdentity {
  teamId: string;
  team: string;
  botId: string;
  botUserId: string;
  url: string;
}

/** auth.test errors that mean the token itself is wrong, not that Slack is briefly unavailable. */
const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

export class SlackTokenRejected extends Error {
  constructor(readonly slackError: string) {
    super(
      `Slack refused SLACK_BOT_TOKEN (${slackError}). Copy the Bot User OAuth Token (xoxb-…) again from "OAuth & Permissions" of the Slack app created from slack-manifest.yml, and reinstall the app to the workspace if it was removed.`,
    );
    this.name = 'SlackTokenRejected';
  }
}

export class SlackIdentity {
  #identity: BotIdentity | undefined;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly retry = { firstMs: 1_000, maxMs: 30_000 },
  ) {}

  get current(): BotIdentity | undefined {
    return this.#identity;
  }

  status(): { ok: boolean; team?: string; botUserId?: string; error?: string } {
    if (this.#identity) return { ok: true, team: this.#identity.team, botUserId: this.#identity.botUserId };
    return { ok: false, error: this.#lastError ?? 'auth.test not answered yet' };
  }

  /**
   * Tries auth.test once; a rejected token throws SlackTokenRejected. Any other failure schedules
   * background retries and resolves undefined, so start-up goes on.
   */
  async start(): Promise<BotIdentity | undefined> {
    const outcome = await this.attempt();
    if (outcome instanceof SlackTokenRejected) throw outcome;
    if (!outcome) this.schedule(this.retry.firstMs);
    return outcome;
  }

  /** The identity, asking Slack once more if it is not known yet (used by Bolt's authorize). */
  async require(): Promise<BotIdentity> {
    const identity = this.#identity ?? (await this.attempt());
    if (identity instanceof SlackTokenRejected) throw identity;
    if (!identity) throw new Error(`Slack has not answered auth.test: ${this.#lastError}`);
    return identity;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  private async attempt(): Promise<BotIdentity | SlackTokenRejected | undefined> {
    try {
      const r = await this.client.auth.test();
      this.#identity = {
        teamId: r.team_id ?? '',
        team: r.team ?? '',
        botId: r.bot_id ?? '',
        botUserId: r.user_id ?? '',
        url: r.url ?? '',
      };
      this.#lastError = undefined;
      this.log.info({ team: this.#identity.team, botUserId: this.#identity.botUserId }, 'connected to Slack');
      return this.#identity;
    } catch (err) {
      const slackError = (err as { data?: { error?: string } }).data?.error;
      if (slackError && TOKEN_ERRORS.has(slackError)) return new SlackTokenRejected(slackError);
      this.#lastError = slackError ?? (err as Error).message;
      this.log.warn({ error: this.#lastError }, 'Slack auth.test failed; will retry');
      return undefined;
    }
  }

  private schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      if (this.#identity || this.#stopped) return;
      const outcome = await this.attempt();
      if (outcome instanceof SlackTokenRejected) {
        this.#lastError = outcome.message;
        this.log.error({ error: outcome.slackError }, outcome.message);
      } else if (!outcome) {
        this.schedule(Math.min(delayMs * 2, this.retry.maxMs));
      }
    }, delayMs);
    this.#timer.unref();
  }
}
