/**
 * Migration 13: a random id for this installation, put on every Job it creates
 * (`jobbot.dev/installation`). Jobbot knows its Jobs by the dispatch label and the name NAME-N, which
 * a second installation dispatching into the same namespace (staging next to production) gives out
 * too: with the id, each watches only its own Jobs and pods, and never takes another's Job as the
 * one it created. Jobs created before this migration carry no id and are still taken as Jobbot's.
 */
import type { Migration } from '../migrate.js';

export const installationUidMigration: Migration = {
  id: 13,
  name: 'installation_uid',
  up: `alter table instance add column uid text;
    update instance set uid = lower(hex(randomblob(8)));`,
};
