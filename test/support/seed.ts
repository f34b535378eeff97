/**
 * Putting state straight into a test's database: definitions from YAML (as the app would save them)
 * and, for scale tests and benchmarks, many dispatches at once.
 */

import type { Actor } from '../../src/domain/actor.js';
import { parseJobYaml } from '../../src/domain/definition/index.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DefinitionRepository } from '../../src/store/definitions.js';
import { type DispatchRecord, DispatchRepository } from '../../src/store/dispatches.js';

/** Saves a definition from Job YAML into the database file `dbFile`. */
export function defineJob(
  dbFile: string,
  yaml: string,
  where: { cluster: string; namespace: string },
  actor: Actor,
): void {
  const parsed = parseJobYaml(yaml);
  if (!parsed.ok) throw new Error(`bad fixture: ${JSON.stringify(parsed.errors)}`);
  const db = openDatabase(dbFile);
  try {
    new DefinitionRepository(db).create(
      {
        name: parsed.name!,
        ...where,
        description: '',
        source: 'yaml',
        template: parsed.manifest as never,
        yaml,
      },
      actor,
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
}

/** Dispatch #n as stored now. */
export function readDispatch(dbFile: string, n: number): DispatchRecord | undefined {
  const db = openDatabase(dbFile);
  try {
    return new DispatchRepository(db).get(n);
  } finally {
    db.close();
  }
}

export const SEED_JOBS = ['pi', 'migrate', 'report', 'backup'];
export const SEED_STATES = ['succeeded', 'failed', 'cancelled', 'running'];

/** `count` finished-looking dispatches spread over SEED_JOBS, `users` people and SEED_STATES, a minute apart. */
export function seedDispatches(db: Db, count: number, users: readonly string[]): void {
  const defs = new DefinitionRepository(db);
  const ids = SEED_JOBS.map(
    (name) =>
      defs.create(
        {
          name,
          cluster: 'alpha',
          namespace: 'jobs',
          description: '',
          source: 'yaml',
          template: {},
          yaml: null,
        },
        { kind: 'slack', id: users[0] ?? 'U1', name: 'seed' },
        't',
      ).id,
  );
  const insert = db.prepare(
    `insert into dispatches (definition_id, definition_name, revision, cluster, namespace, job_name, spec, overrides,
       actor_kind, actor_id, actor_name, state, created_at, updated_at, finished_at)
     values (?, ?, 1, 'alpha', 'jobs', ?, '{}', '{"changes":["image: perl:5.34 → perl:5.36"]}', 'slack', ?, 'user', ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const j = i % SEED_JOBS.length;
      const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      insert.run(
        ids[j],
        SEED_JOBS[j],
        `${SEED_JOBS[j]}-${i + 1}`,
        users[i % users.length],
        SEED_STATES[i % SEED_STATES.length],
        at,
        at,
        at,
      );
    }
  })();
}

/** A definition with an empty template, stored as is: for tests of what happens after a dispatch. */
export function bareDefinition(
  db: Db,
  name = 'pi',
  actor = { kind: 'slack' as const, id: 'U0ALICE', name: 'alice' },
): number {
  return new DefinitionRepository(db).create(
    { name, cluster: 'alpha', namespace: 'jobs', description: '', source: 'yaml', template: {}, yaml: null },
    actor,
    't',
  ).id;
}

/** Dispatch of definition `definitionId` (named `name`) reporting in `channel`, recorded at `at`. */
export function channelDispatch(
  db: Db,
  p: { definitionId: number; name?: string; channel: string | null; at: string; actorId?: string },
): number {
  const name = p.name ?? 'pi';
  return new DispatchRepository(db).create(
    {
      definitionId: p.definitionId,
      definitionName: name,
      revision: 1,
      cluster: 'alpha',
      namespace: 'jobs',
      overrides: {},
      actor: { kind: 'slack', id: p.actorId ?? 'U0ALICE', name: 'alice' },
      sourceChannel: p.channel,
      channel: p.channel,
    },
    (n) => ({ jobName: `${name}-${n}`, spec: { metadata: { name: `${name}-${n}` } } }),
    p.at,
  ).number;
}
