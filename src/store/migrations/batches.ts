/**
 * Migration 11: Slack batches. When many dispatches report in one channel at once, a thread each would
 * need more posts than Slack allows (one a second per channel): 1,000 dispatches took over an hour to
 * reach Slack (BENCHMARKS.md, §3). Past a threshold they join the channel's batch instead: one message
 * summing them up, and replies in its thread listing what changed. Glossary:
 * - batch: one summary message in `channel`, joined by dispatches while they keep coming
 *   (`last_joined_at`); done once every member has finished and Slack has been told everything.
 * - member: a dispatch reported through a batch instead of a thread of its own; `reported` is the
 *   last change recorded for it, so each is told once.
 * - change: a member reached a state worth telling (running, or its verdict); `seq` orders them.
 * - replied_seq: every change up to it is in a reply in Slack. sending_seq: a reply covering changes
 *   up to it was started and its outcome is unknown (in doubt); post_in_doubt: the same for the
 *   summary message. Both are checked in Slack (message metadata) before sending again.
 * - summary_hash: the summary content Slack shows, so an update is sent only when it changed.
 */
import type { Migration } from '../migrate.js';

export const batchesMigration: Migration = {
  id: 11,
  name: 'slack_batches',
  up: `create table slack_batches (
      id integer primary key,
      channel text not null,
      opened_at text not null,
      last_joined_at text not null,
      message_channel text,
      message_ts text,
      post_in_doubt integer not null default 0,
      replied_seq integer not null default 0,
      sending_seq integer,
      summary_hash text,
      summary_at text,
      done_at text
    ) strict;
    create index slack_batches_by_channel on slack_batches (channel, id);
    create index slack_batches_active on slack_batches (id) where done_at is null;
    create table batch_members (
      dispatch_number integer primary key references dispatches (number),
      batch_id integer not null references slack_batches (id),
      reported text
    ) strict;
    create index batch_members_by_batch on batch_members (batch_id);
    create table batch_changes (
      seq integer primary key autoincrement,
      batch_id integer not null references slack_batches (id),
      dispatch_number integer not null,
      state text not null,
      detail text,
      at text not null
    ) strict;
    create index batch_changes_by_batch on batch_changes (batch_id, seq);`,
};
