import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { type AuditAction, entryHash, GENESIS, REDACTED } from '../../src/domain/audit.js';
import { AuditRepository } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';

const alice: Actor = { kind: 'slack', id: 'U1', name: 'alice' };
const ci: Actor = { kind: 'token', id: 'T1', name: 'ci-pipeline', ownerId: 'U2' };

/** What someone with the database file can do: the triggers are only a guard against mistakes. */
function dropTriggers(db: Db): void {
  db.exec('drop trigger audit_log_no_update; drop trigger audit_log_no_delete;');
}

describe('AuditRepository', () => {
  let db: Db;
  let repo: AuditRepository;
  const add = (actor: Actor, action: AuditAction, target: string, at: string, details = {}) =>
    repo.append({ at, actor, action, target, details });

  beforeEach(() => {
    db = openDatabase(':memory:');
    repo = new AuditRepository(db);
  });

  function seed(): void {
    add(alice, 'definition.created', 'definition:pi', '2026-01-01T00:00:00.000Z', { revision: 1 });
    add(ci, 'dispatch.created', 'dispatch:1', '2026-01-02T00:00:00.000Z', { definition: 'pi' });
    add(alice, 'dispatch.cancelled', 'dispatch:1', '2026-01-03T00:00:00.000Z');
    add(ci, 'dispatch.created', 'dispatch:2', '2026-01-04T00:00:00.000Z', { definition: 'pi' });
    add(alice, 'definition.deleted', 'definition:pi', '2026-01-05T00:00:00.000Z');
  }

  it('chains each entry to the one before', () => {
    const first = add(alice, 'definition.created', 'definition:pi', 't1', { revision: 1 });
    const second = add(ci, 'dispatch.created', 'dispatch:1', 't2');
    expect(first).toMatchObject({ id: 1, prevHash: GENESIS, actor: alice, details: { revision: 1 } });
    expect(first.hash).toBe(entryHash(GENESIS, first));
    expect(second).toMatchObject({ id: 2, prevHash: first.hash, actor: ci });
    expect(second.hash).toBe(entryHash(first.hash, second));
  });

  it('stores the token owner and never a secret value, even when called directly', () => {
    const entry = add(ci, 'token.created', 'token:ci-pipeline', 't1', { label: 'ci', token: 'jbt_x' });
    expect(entry.details).toEqual({ label: 'ci', token: REDACTED });
    expect(db.prepare('select actor_owner, details from audit_log').get()).toEqual({
      actor_owner: 'U2',
      details: `{"label":"ci","token":"${REDACTED}"}`,
    });
  });

  it('lists newest first, filtered by actor, target and time, in pages', () => {
    seed();
    const ids = (q: Parameters<AuditRepository['list']>[0]) => repo.list(q).map((e) => e.id);
    expect(ids({ limit: 10 })).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ limit: 10, actorId: 'T1' })).toEqual([4, 2]);
    expect(ids({ limit: 10, target: 'dispatch:1' })).toEqual([3, 2]);
    expect(ids({ limit: 10, actorId: 'U1', target: 'definition:pi' })).toEqual([5, 1]);
    expect(ids({ limit: 10, since: '2026-01-03T00:00:00.000Z' })).toEqual([5, 4, 3]);
    expect(ids({ limit: 2 })).toEqual([5, 4]);
    expect(ids({ limit: 2, before: 4 })).toEqual([3, 2]);
  });

  it('uses the actor and target indexes', () => {
    const plan = (where: string) =>
      JSON.stringify(
        db.prepare(`explain query plan select * from audit_log where ${where} order by id desc`).all(),
      );
    expect(plan("actor_id = 'U1'")).toContain('audit_actor');
    expect(plan("target = 'dispatch:1'")).toContain('audit_target');
  });

  it('iterates every entry in chain order, optionally from a time', () => {
    seed();
    expect([...repo.all()].map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect([...repo.all({ since: '2026-01-04T00:00:00.000Z' })].map((e) => e.id)).toEqual([4, 5]);
  });

  it('refuses UPDATE and DELETE through the triggers', () => {
    seed();
    expect(() => db.prepare("update audit_log set details = '{}' where id = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('delete from audit_log where id = 2').run()).toThrow(/append-only/);
    expect(repo.guarded()).toBe(true);
    expect(repo.verify()).toEqual({ ok: true, count: 5, lastHash: repo.get(5)?.hash });
  });

  it('verifies an empty log', () => {
    expect(repo.verify()).toEqual({ ok: true, count: 0, lastHash: GENESIS });
  });

  describe('detects tampering by someone who dropped the triggers', () => {
    beforeEach(() => {
      seed();
      dropTriggers(db);
    });

    it('notices the triggers are gone', () => {
      expect(repo.guarded()).toBe(false);
    });

    it('an edited entry', () => {
      db.prepare(`update audit_log set details = '{"definition":"e"}' where id = 2`).run();
      expect(repo.verify()).toMatchObject({
        ok: false,
        firstBadId: 2,
        reason: expect.stringMatching(/edited/),
      });
    });

    it('an edited actor, even in a column the Actor type does not show', () => {
      db.prepare("update audit_log set actor_owner = 'U9' where id = 3").run();
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 3 });
    });

    it('an edited entry whose hash was recomputed: the next link breaks', () => {
      const e = repo.get(2)!;
      const forged = entryHash(e.prevHash, { ...e, details: { definition: 'evil' } });
      db.prepare(`update audit_log set details = '{"definition":"evil"}', hash = ? where id = 2`).run(forged);
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 3, reason: expect.stringMatching(/#2/) });
    });

    it('a deleted entry in the middle', () => {
      db.prepare('delete from audit_log where id = 3').run();
      expect(repo.verify()).toMatchObject({
        ok: false,
        firstBadId: 4,
        reason: expect.stringMatching(/#3 is missing/),
      });
    });

    it('a deleted entry with the later ones renumbered to hide the gap', () => {
      db.exec('delete from audit_log where id = 3; update audit_log set id = id - 1 where id > 3;');
      expect(repo.verify()).toMatchObject({
        ok: false,
        firstBadId: 3,
        reason: expect.stringMatching(/prev_hash/),
      });
    });

    it('a deleted first entry', () => {
      db.prepare('delete from audit_log where id = 1').run();
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 2 });
    });

    it('re-ordered entries', () => {
      db.exec(`update audit_log set id = 100 where id = 2;
        update audit_log set id = 2 where id = 3;
        update audit_log set id = 3 where id = 100;`);
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 2 });
    });

    it('an inserted entry', () => {
      db.exec(
        'update audit_log set id = id + 10 where id >= 3; update audit_log set id = id - 9 where id >= 13;',
      );
      const e = repo.get(2)!;
      db.prepare(
        `insert into audit_log (id, at, actor_kind, actor_id, actor_name, action, target, details, prev_hash, hash)
         values (3, 't', 'slack', 'U1', 'alice', 'dispatch.rerun', 'dispatch:1', '{}', ?, ?)`,
      ).run(
        e.hash,
        entryHash(e.hash, { ...e, action: 'dispatch.rerun', at: 't', actor: alice, details: {} }),
      );
      expect([...repo.all()].map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 4 });
    });

    it('an edited last entry', () => {
      db.prepare("update audit_log set target = 'definition:other' where id = 5").run();
      expect(repo.verify()).toMatchObject({ ok: false, firstBadId: 5, count: 4 });
    });
  });
});

describe('AuditRepository across processes', () => {
  it('keeps one chain when two processes append at the same time', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-audit-')), 'jobbot.db');
    openDatabase(file).close();
    const dist = path.resolve(import.meta.dirname, '../../dist');
    const script = `
      import { openDatabase } from ${JSON.stringify(`${dist}/store/db.js`)};
      import { AuditRepository } from ${JSON.stringify(`${dist}/store/audit.js`)};
      const repo = new AuditRepository(openDatabase(process.argv[1]));
      for (let i = 0; i < 100; i++) {
        repo.append({ at: new Date().toISOString(), actor: { kind: 'slack', id: process.argv[2], name: 'p' },
          action: 'dispatch.created', target: 'dispatch:' + i, details: { i } });
      }`;
    const run = (who: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, who], {
          stdio: 'inherit',
        });
        child.on('exit', resolve);
      });
    expect(await Promise.all([run('A'), run('B')])).toEqual([0, 0]);
    const db = openDatabase(file);
    expect(new AuditRepository(db).verify()).toMatchObject({ ok: true, count: 200 });
    db.close();
  });
});
