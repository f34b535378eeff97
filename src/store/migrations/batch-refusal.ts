/**
 * Migration 14: a batch Slack refused for good (the channel is archived, or Jobbot is not in it).
 * Its members are handed back to their own threads, whose status messages fall back to their
 * dispatchers' direct messages, so a refused batch does not silence them; `refused` keeps the
 * reason, and while the channel keeps getting dispatches within the window no new batch opens there.
 */
import type { Migration } from '../migrate.js';

export const batchRefusalMigration: Migration = {
  id: 14,
  name: 'batch_refusal',
  up: 'alter table slack_batches add column refused text;',
};
