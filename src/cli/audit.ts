/**
 * `jobbot audit verify` re-checks the audit log's hash chain; `jobbot audit export` writes it as JSON
 * Lines for a SIEM. Both only read the database, so they run safely beside a running Jobbot.
 */
import { once } from 'node:events';
import { createWriteStream, openSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { exportLine } from '../domain/audit.js';
import { AuditRepository } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { parseCommandArgs } from './args.js';
import { openReadOnly } from './database.js';
import { CliError, type CliIo, errorText, plural } from './io.js';
import { dbPath } from './settings.js';

export function openAuditLog(file: string): { repo: AuditRepository; close(): void } {
  const db: Db = openReadOnly(file);
  const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'audit_log'").get();
  if (!table) {
    db.close();
    throw new CliError(
      'schema_mismatch',
      `${file} has no audit log yet: start this version of Jobbot on it once.`,
    );
  }
  return { repo: new AuditRepository(db), close: () => db.close() };
}

/** Exit 0 when the chain is intact, 2 when an entry was tampered with. */
export function auditVerify(args: readonly string[], io: CliIo): number {
  const flags = parseCommandArgs('audit verify', args, { strings: ['db'] });
  const log = openAuditLog(dbPath(flags.string('db'), io));
  try {
    const result = log.repo.verify();
    if (!log.repo.guarded()) {
      io.stderr.write(
        'warning: the triggers that keep the audit log append-only have been removed or changed.\n',
      );
    }
    if (!result.ok) {
      io.stdout.write(
        `audit log tampered with: entry #${result.firstBadId}: ${result.reason}.\n` +
          `The ${plural(result.count, 'entry', 'entries')} before it check out.\n`,
      );
      return 2;
    }
    io.stdout.write(`audit log intact: ${plural(result.count, 'entry', 'entries')}\n`);
    // Removing the newest entries leaves a valid, shorter chain; a copy of this hash reveals it.
    if (result.count > 0) io.stdout.write(`last hash: ${result.lastHash}\n`);
    return 0;
  } finally {
    log.close();
  }
}

export async function auditExport(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCommandArgs('audit export', args, { strings: ['db', 'since', 'out'] });
  const since = flags.string('since');
  const sinceIso = since === undefined ? undefined : isoTime(since);
  const log = openAuditLog(dbPath(flags.string('db'), io));
  const outFile = flags.string('out');
  let out: Writable = io.stdout;
  if (outFile !== undefined) {
    const file = path.resolve(io.cwd, outFile);
    try {
      // Opened now, so a bad path is reported before anything is read.
      out = createWriteStream('', { fd: openSync(file, 'w') });
    } catch (err) {
      log.close();
      throw new CliError('not_writable', `cannot write ${file}: ${errorText(err)}`);
    }
  }
  let count = 0;
  try {
    for (const entry of log.repo.all({ since: sinceIso })) {
      if (out.destroyed) break;
      count += 1;
      if (!out.write(`${exportLine(entry)}\n`)) await once(out, 'drain');
    }
    if (outFile !== undefined) {
      out.end();
      await once(out, 'finish');
      io.stderr.write(`exported ${plural(count, 'entry', 'entries')} to ${outFile}\n`);
    }
  } catch (err) {
    // A closed pipe (`| head`) is the reader having had enough, not a failure.
    if ((err as { code?: string }).code !== 'EPIPE') throw err;
  } finally {
    log.close();
  }
  return 0;
}

function isoTime(text: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new CliError(
      'usage',
      `--since ${text} is not a time; use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`,
    );
  }
  return time.toISOString();
}
