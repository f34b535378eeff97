/**
 * The schema, one numbered migration at a time. Append only: a released migration is never edited.
 */
import type { Migration } from '../migrate.js';
import { approvalsMigration } from './approvals.js';
import { batchRefusalMigration } from './batch-refusal.js';
import { batchRepliesMigration } from './batch-replies.js';
import { batchesMigration } from './batches.js';
import { installationUidMigration } from './installation-uid.js';
import { outboxIndexesMigration } from './outbox-indexes.js';

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'instance',
    // One row identifying this installation; later migrations add the aggregates.
    up: `create table instance (
      id integer primary key check (id = 1),
      created_at text not null
    ) strict;
    insert into instance (id, created_at) values (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
  },
  {
    id: 2,
    name: 'definitions',
    // A definition is a row with its current state; every save appends a revision that keeps the
    // whole state, who saved it and what changed. Deleting only marks the row, so history, dispatches
    // and audit entries keep pointing at it; the name becomes free again.
    up: `create table definitions (
      id integer primary key,
      name text not null,
      cluster text not null,
      namespace text not null,
      description text not null,
      source text not null check (source in ('yaml', 'form')),
      template text not null check (json_valid(template)),
      yaml text,
      revision integer not null,
      created_at text not null,
      created_by_kind text not null,
      created_by_id text not null,
      created_by_name text not null,
      updated_at text not null,
      updated_by_kind text not null,
      updated_by_id text not null,
      updated_by_name text not null,
      deleted_at text,
      deleted_by_kind text,
      deleted_by_id text,
      deleted_by_name text
    ) strict;
    create unique index definitions_live_name on definitions (name) where deleted_at is null;
    create table definition_revisions (
      definition_id integer not null references definitions (id),
      revision integer not null,
      cluster text not null,
      namespace text not null,
      description text not null,
      source text not null,
      template text not null check (json_valid(template)),
      yaml text,
      changed_at text not null,
      changed_by_kind text not null,
      changed_by_id text not null,
      changed_by_name text not null,
      changes text not null check (json_valid(changes)),
      primary key (definition_id, revision)
    ) strict;`,
  },
  {
    id: 3,
    name: 'definition_drafts',
    // A YAML too long for a modal input (taken from a message) waits here while its modal is open.
    up: `create table definition_drafts (
      id integer primary key,
      user_id text not null,
      yaml text not null,
      created_at text not null
    ) strict;`,
  },
  {
    id: 4,
    name: 'dispatches',
    // Glossary:
    // - dispatch: one run of a definition, numbered #N (the row id), written before anything reaches
    //   the cluster, with the effective Job spec and the overrides that made it differ.
    // - state: where the dispatch is in its life (see src/domain/dispatch); `observation` is the last
    //   status read from Kubernetes, kept so a restart resumes with what was already reported.
    // - dispatch event: one line of its timeline; `key` makes recording it idempotent.
    // - dispatch log: one container's output in one pod (gzip), with its original size.
    // - outbox: Slack messages to deliver, in order per dispatch; a pending update of the same
    //   message is replaced instead of queued twice.
    up: `create table dispatches (
      number integer primary key,
      definition_id integer not null references definitions (id),
      definition_name text not null,
      revision integer not null,
      cluster text not null,
      namespace text not null,
      job_name text not null,
      spec text not null check (json_valid(spec)),
      overrides text not null check (json_valid(overrides)),
      actor_kind text not null,
      actor_id text not null,
      actor_name text not null,
      source_channel text,
      channel text,
      state text not null,
      outcome text,
      cancel_requested integer not null default 0,
      observation text check (observation is null or json_valid(observation)),
      verdict text,
      error text,
      message_ts text,
      created_at text not null,
      started_at text,
      finished_at text,
      updated_at text not null,
      cancelled_by_id text,
      cancelled_by_name text,
      logs_pruned_at text
    ) strict;
    create index dispatches_state on dispatches (state, number desc);
    create index dispatches_definition on dispatches (definition_name, number desc);
    create index dispatches_actor on dispatches (actor_id, number desc);
    create table dispatch_events (
      id integer primary key,
      dispatch_number integer not null references dispatches (number),
      key text not null,
      at text not null,
      text text not null,
      unique (dispatch_number, key)
    ) strict;
    create table dispatch_logs (
      dispatch_number integer not null references dispatches (number),
      pod text not null,
      container text not null,
      init integer not null default 0,
      previous integer not null default 0,
      original_bytes integer not null,
      truncated integer not null default 0,
      error text,
      content blob not null,
      gathered_at text not null,
      primary key (dispatch_number, pod, container, previous)
    ) strict;
    create table outbox (
      id integer primary key,
      dispatch_number integer not null references dispatches (number),
      kind text not null check (kind in ('post', 'update', 'reply', 'upload')),
      payload text not null check (json_valid(payload)),
      created_at text not null,
      attempts integer not null default 0,
      next_attempt_at text not null,
      delivered_at text,
      last_error text
    ) strict;
    create index outbox_pending on outbox (dispatch_number, id) where delivered_at is null;`,
  },
  {
    id: 5,
    name: 'audit_log',
    // Glossary:
    // - audit entry: one action (who, what, on what, details), never changed or removed: triggers
    //   refuse UPDATE and DELETE.
    // - hash chain: each entry's hash covers its content and the previous entry's hash, so an edit or
    //   deletion by someone bypassing the triggers is detected by \`jobbot audit verify\`.
    up: `create table audit_log (
      id integer primary key,
      at text not null,
      actor_kind text not null,
      actor_id text not null,
      actor_name text not null,
      actor_owner text,
      action text not null,
      target text not null,
      details text not null check (json_valid(details)),
      prev_hash text not null,
      hash text not null
    ) strict;
    create index audit_actor on audit_log (actor_id, id desc);
    create index audit_target on audit_log (target, id desc);
    create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'the audit log is append-only'); end;
    create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'the audit log is append-only'); end;`,
  },
  {
    id: 6,
    name: 'api_tokens',
    // Glossary:
    // - api token: a secret a CI pipeline sends as a Bearer token. Only its SHA-256 is stored, so a
    //   copy of the database cannot be used to call the API; the secret is shown once, at creation.
    // - job pattern: a glob (\`deploy-*\`) limiting which jobs the token may see and dispatch.
    // - a label is unique among active tokens only, so a revoked token's label can be reused while the
    //   revoked row stays for the audit trail.
    // The dispatches columns keep a token actor's owner and the user it acted for, for attribution.
    up: `create table api_tokens (
      id integer primary key,
      label text not null,
      hash text not null unique,
      job_pattern text not null default '*',
      created_by_id text not null,
      created_by_name text not null,
      created_at text not null,
      revoked_at text,
      revoked_by_id text,
      revoked_by_name text
    ) strict;
    create unique index api_tokens_active_label on api_tokens (label) where revoked_at is null;
    alter table dispatches add column actor_owner text;
    alter table dispatches add column actor_on_behalf_of text;`,
  },
  {
    id: 7,
    name: 'pipelines',
    // Glossary:
    // - pipeline: a named list of stages, each naming jobs that run in parallel (`stages` is JSON).
    // - pipeline run: one run of a pipeline, with its own copy of the stages as they were when it
    //   started; `stage` is the index of the stage running (or last run).
    // - pipeline dispatch: which dispatch runs which job of which stage of a run; written in the same
    //   call that records the dispatch, so after a restart a run knows what it already started.
    // - pipeline outbox: the run's Slack thread (status message, replies), delivered like the
    //   dispatch outbox but keyed by run, since a run's messages belong to no single dispatch.
    up: `create table pipelines (
      id integer primary key,
      name text not null unique,
      stages text not null check (json_valid(stages)),
      yaml text not null,
      revision integer not null,
      created_at text not null,
      updated_at text not null,
      updated_by_id text not null,
      updated_by_name text not null
    ) strict;
    create table pipeline_runs (
      id integer primary key,
      pipeline_id integer not null references pipelines (id),
      pipeline_name text not null,
      revision integer not null,
      stages text not null check (json_valid(stages)),
      stage integer not null default 0,
      state text not null,
      actor text not null check (json_valid(actor)),
      channel text,
      message_ts text,
      verdict text,
      created_at text not null,
      finished_at text
    ) strict;
    create index pipeline_runs_unfinished on pipeline_runs (id) where state = 'running';
    create table pipeline_dispatches (
      dispatch_number integer primary key references dispatches (number),
      run_id integer not null references pipeline_runs (id),
      stage integer not null,
      job integer not null,
      unique (run_id, stage, job)
    ) strict;
    create table pipeline_outbox (
      id integer primary key,
      run_id integer not null references pipeline_runs (id),
      kind text not null,
      payload text not null check (json_valid(payload)),
      created_at text not null,
      attempts integer not null default 0,
      next_attempt_at text not null,
      delivered_at text,
      last_error text
    ) strict;
    create index pipeline_outbox_pending on pipeline_outbox (run_id, id) where delivered_at is null;`,
  },
  {
    id: 8,
    name: 'exactly_once_delivery',
    // Glossary:
    // - in doubt: a Slack call for this outbox entry was started and its outcome is unknown (the
    //   process died, or the call timed out or hit a 5xx). Before sending it again the notifier looks
    //   in Slack for the message it may already have posted, so nobody sees it twice.
    // - slack request: the id of a slash command, interaction or event Jobbot has taken (its
    //   trigger_id, or event_id), so a redelivery by Slack (x-slack-retry-num) is acknowledged and
    //   dropped instead of handled again. Kept a day.
    up: `alter table outbox add column in_doubt integer not null default 0;
    create table slack_requests (
      key text primary key,
      received_at text not null
    ) strict;
    create index slack_requests_age on slack_requests (received_at);`,
  },
  approvalsMigration,
  outboxIndexesMigration,
  batchesMigration,
  batchRepliesMigration,
  installationUidMigration,
  batchRefusalMigration,
];
