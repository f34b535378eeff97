/** What /metrics reads from the database when scraped: both Slack outboxes and the stored logs. */
import type { Db } from './db.js';

export class StoreGauges {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  outbox(): { depth: number; oldestAgeSeconds: number } {
    const row = this.db
      .prepare(
        `select count(*) as n, min(created_at) as oldest from (
           select created_at from outbox where delivered_at is null
           union all
           select created_at from pipeline_outbox where delivered_at is null)`,
      )
      .get() as { n: number; oldest: string | null };
    const age = row.oldest ? Math.max(0, (this.now() - Date.parse(row.oldest)) / 1000) : 0;
    return { depth: row.n, oldestAgeSeconds: age };
  }

  logBytes(): number {
    return (
      this.db.prepare('select coalesce(sum(length(content)), 0) as b from dispatch_logs').get() as {
        b: number;
      }
    ).b;
  }
}
