/**
 * `jobbot audit` as operators run it: `node dist/cli.js` (built by the global setup) on a database
 * file written by the real store, beside an open writer connection as a running Jobbot would hold.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, entryHash } from '../../src/domain/audit.js';
import { AuditRepository } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';

const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-cli-'));
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function seeded(): { file: string; db: Db } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-cli-db-')), 'jobbot.db');
  const db = openDatabase(file);
  const repo = new AuditRepository(db);
  const days = ['01', '02', '03', '04'];
  for (const [i, day] of days.entries()) {
    repo.append({
      at: `2026-01-${day}T00:00:00.000Z`,
      actor:
        i % 2
          ? { kind: 'token', id: 'T1', name: 'ci', ownerId: 'U2' }
          : { kind: 'slack', id: 'U1', name: 'alice' },
      action: 'dispatch.created',
      target: `dispatch:${i + 1}`,
      details: { definition: 'pi', note: 'line\nbreak' },
    });
  }
  return { file, db };
}

describe('jobbot audit verify', () => {
  it('reports an intact log, then the entry that was tampered with', () => {
    const { file, db } = seeded();
    const ok = cli(['audit', 'verify', '--db', file]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^audit log intact: 4 entries\nlast hash: [0-9a-f]{64}\n$/);

    db.exec('drop trigger audit_log_no_update');
    db.prepare(`update audit_log set details = '{"definition":"other"}' where id = 3`).run();
    const bad = cli(['audit', 'verify', `--db=${file}`]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('entry #3');
    expect(bad.stdout).toMatch(/edited/);
    expect(bad.stderr).toMatch(/triggers .* removed/);
    db.close();
  });

  it('detects a deleted entry', () => {
    const { file, db } = seeded();
    db.exec('drop trigger audit_log_no_delete; delete from audit_log where id = 2;');
    db.close();
    const bad = cli(['audit', 'verify'], { JOBBOT_DB: file });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/entry #3: #2 is missing/);
  });

  it('says clearly when there is no database, and shows help', () => {
    const missing = cli(['audit', 'verify', '--db', '/nonexistent/jobbot.db']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no database at \/nonexistent\/jobbot\.db/);
    expect(cli(['audit', 'verify']).stderr).toMatch(/no database at .*data\/jobbot\.db/);
    expect(cli(['help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('audit export') });
    expect(cli(['audit', 'verify', '--bogus'])).toMatchObject({ code: 1 });
    expect(cli(['frobnicate'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Usage') });
  });
});

describe('jobbot audit export', () => {
  it('writes one parseable JSON object per line, from which the chain can be recomputed', () => {
    const { file, db } = seeded();
    const out = cli(['audit', 'export', '--db', file]);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
    expect(entries.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(entries[1]).toMatchObject({
      actor: { kind: 'token', name: 'ci', ownerId: 'U2' },
      target: 'dispatch:2',
    });
    expect(entries[0]?.actor).toEqual({ kind: 'slack', id: 'U1', name: 'alice', ownerId: null });
    entries.forEach((e, i) => {
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : entries[i - 1]?.hash);
      expect(entryHash(e.prevHash, e)).toBe(e.hash);
    });
    db.close();
  });

  it('exports from a time into a file', () => {
    const { file, db } = seeded();
    db.close();
    const target = path.join(mkdtempSync(path.join(tmpdir(), 'jobbot-cli-out-')), 'audit.jsonl');
    const out = cli(['audit', 'export', '--db', file, '--since', '2026-01-03', '--out', target]);
    expect(out).toMatchObject({ code: 0, stdout: '', stderr: `exported 2 entries to ${target}\n` });
    const ids = readFileSync(target, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEntry).id);
    expect(ids).toEqual([3, 4]);
    expect(cli(['audit', 'export', '--db', file, '--since', 'yesterday'])).toMatchObject({ code: 1 });
  });
});
