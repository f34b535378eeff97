/**
 * Pruning delivered rows of an outbox table (the dispatch outbox, the pipeline outbox): up to `limit`
 * rows delivered before `before`. Nothing pending or in doubt goes, and neither does the newest row,
 * so ids, which name messages in Slack (the notifiers' markers), are never handed out twice.
 */
import type { Db } from './db.js';

export function pruneDeliveredRows(
  db: Db,
  table: 'outbox' | 'pipeline_outbox',
  before: string,
  limit: number,
): number {
  return db
    .prepare(
      `delete from ${table} where id in (
         select id from ${table} where delivered_at is not null and delivered_at < ? and in_doubt = 0
         and id < (select max(id) from ${table}) limit ?)`,
    )
    .run(before, limit).changes;
}
