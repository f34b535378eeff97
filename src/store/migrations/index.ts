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
];
