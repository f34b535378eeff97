/**
 * Migration 10: the outboxes by thread. Queueing a status update asks for the thread's last reply or
 * upload (`max(id) … where dispatch_number = ?`) over delivered rows too, which the partial
 * `outbox_pending` index (undelivered rows only) cannot answer: every update scanned the whole table,
 * 0.25 ms at 1,000 rows and 35 ms at 800,000 (BENCHMARKS.md, §3). With `(thread, id)` that look-up
 * reads a few index entries whatever the table's size. The pipeline outbox asks the same per run.
 *
 * The pipeline outbox also gets `in_doubt` (as the dispatch outbox has since migration 8): set while
 * an entry's call is under way, so a newer status is never merged into content already being sent,
 * where it would be marked delivered unsent.
 */
import type { Migration } from '../migrate.js';

export const outboxIndexesMigration: Migration = {
  id: 10,
  name: 'outbox_indexes',
  up: `create index outbox_by_dispatch on outbox (dispatch_number, id);
    create index pipeline_outbox_by_run on pipeline_outbox (run_id, id);
    alter table pipeline_outbox add column in_doubt integer not null default 0;`,
};
