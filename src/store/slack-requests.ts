/**
 * The Slack requests Jobbot has taken, by an id Slack keeps when it delivers the same request again:
 * the trigger_id of a slash command or interaction, the event_id of an event. Kept a day, which is far
 * longer than Slack goes on redelivering.
 */
import type { Db } from './db.js';

const KEEP_MS = 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

export class SlackRequestRepository {
  #prunedAt = 0;

  constructor(private readonly db: Db) {}

  /** Records `key`; false when it was recorded before (a redelivery). */
  firstTime(key: string, at: Date): boolean {
    if (at.getTime() - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = at.getTime();
      this.db
        .prepare('delete from slack_requests where received_at < ?')
        .run(new Date(at.getTime() - KEEP_MS).toISOString());
    }
    const { changes } = this.db
      .prepare('insert into slack_requests (key, received_at) values (?, ?) on conflict do nothing')
      .run(key, at.toISOString());
    return changes === 1;
  }
}
