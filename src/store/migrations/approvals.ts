/**
 * Migration 9: approval requests. Glossary:
 * - request: a dispatch someone asked for that a policy holds until enough approvers agree; it keeps
 *   the dispatch request itself (job, values, channels) so approving dispatches exactly that.
 * - vote: one approver's approval; the primary key makes each approver count once.
 * - state: open → approved (then `dispatch_number` is set) | rejected | expired | failed (approved,
 *   but the dispatch could not start: `reason` says why).
 */
import type { Migration } from '../migrate.js';

export const approvalsMigration: Migration = {
  id: 9,
  name: 'approvals',
  up: `create table approval_requests (
      id integer primary key,
      definition_name text not null,
      request text not null check (json_valid(request)),
      requester text not null check (json_valid(requester)),
      rule text not null check (json_valid(rule)),
      state text not null,
      channel text,
      message_ts text,
      dispatch_number integer references dispatches (number),
      closed_by text check (closed_by is null or json_valid(closed_by)),
      reason text,
      created_at text not null,
      expires_at text not null,
      closed_at text
    ) strict;
    create index approval_requests_open on approval_requests (expires_at) where state = 'open';
    create table approval_votes (
      request_id integer not null references approval_requests (id),
      user_id text not null,
      user_name text not null,
      at text not null,
      primary key (request_id, user_id)
    ) strict;`,
};
