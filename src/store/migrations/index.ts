/**
 * The schema, one numbered migration at a time. Append only: a released migration is never edited.
 */
import type { Migration } from '../migrate.js';

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
];
