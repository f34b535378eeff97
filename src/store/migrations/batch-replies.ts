/**
 * Migration 12: a batch's latest reply grows until the next one may be posted. Slack allows one post
 * a second per channel, so during a burst a change waited up to a second for the next reply; now the
 * latest reply is edited (chat.update, a separate allowance) to take in what changed since, and a new
 * reply is posted once a second has passed. Glossary (see migration 11 for the rest):
 * - reply_ts: the latest reply, while it may still be edited; reply_from_seq: it tells the changes
 *   after this seq, up to replied_seq; reply_at: when it was posted.
 * - extend_seq: an edit telling changes up to it was started and its outcome is unknown. An edit is
 *   idempotent, so it is made again (covering at least as much) before anything else is sent; no
 *   later reply may tell those changes a second time.
 */
import type { Migration } from '../migrate.js';

export const batchRepliesMigration: Migration = {
  id: 12,
  name: 'batch_replies',
  up: `alter table slack_batches add column reply_ts text;
    alter table slack_batches add column reply_from_seq integer;
    alter table slack_batches add column reply_at text;
    alter table slack_batches add column extend_seq integer;`,
};
