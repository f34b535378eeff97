/**
 * `jobbot export [--out DIR]`: every job definition as DIR/NAME.yaml, a definition file that
 * `jobbot import` reads back unchanged, for a Git repository or another Jobbot. Only reads the
 * database. Files of the same name are replaced; other files in DIR are left alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefinitionRepository } from '../store/definitions.js';
import { parseCommandArgs } from './args.js';
import { openReadOnly } from './database.js';
import { definitionFileText } from './definition-file.js';
import { CliError, type CliIo, errorText, plural } from './io.js';
import { dbPath } from './settings.js';

const PAGE = 500;

export function exportCommand(args: readonly string[], io: CliIo): number {
  const a = parseCommandArgs('export', args, { strings: ['out', 'db'] });
  const dir = path.resolve(io.cwd, a.string('out') ?? '.');
  const db = openReadOnly(dbPath(a.string('db'), io));
  try {
    const repo = new DefinitionRepository(db);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new CliError(
        'not_writable',
        `cannot create ${dir}: ${errorText(err)}. Choose another --out DIR.`,
      );
    }
    // One read transaction: definitions saved meanwhile cannot shift the pages.
    const count = db.transaction(() => {
      let written = 0;
      for (let offset = 0; ; offset += PAGE) {
        const { items } = repo.list({ offset, limit: PAGE });
        for (const def of items) {
          // Definition names are DNS labels, so they are safe file names.
          const file = path.join(dir, `${def.name}.yaml`);
          try {
            writeFileSync(file, definitionFileText(def));
          } catch (err) {
            throw new CliError(
              'not_writable',
              `cannot write ${file}: ${errorText(err)}. Choose another --out DIR.`,
            );
          }
          io.stdout.write(
            `exported ${def.name} (revision ${def.revision}) to ${path.relative(io.cwd, file) || file}\n`,
          );
          written += 1;
        }
        if (items.length < PAGE) return written;
      }
    })();
    io.stdout.write(`${plural(count, 'definition', 'definitions')} exported to ${dir}\n`);
    return 0;
  } finally {
    db.close();
  }
}
