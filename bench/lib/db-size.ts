/** How many bytes a Jobbot database uses, in all and per table (indexes counted with their table). */
import Database from 'better-sqlite3';

export interface DbSize {
  /** Pages in use × page size: the file without its free pages. */
  bytes: number;
  fileBytes: number;
  byTable: Record<string, number>;
}

export function databaseSize(file: string): DbSize {
  const db = new Database(file, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const owner = new Map(
      (
        db.prepare('select name, tbl_name as t from sqlite_schema').all() as { name: string; t: string }[]
      ).map((r) => [r.name, r.t]),
    );
    const byTable: Record<string, number> = {};
    for (const r of db.prepare('select name, sum(pgsize) as b from dbstat group by name').all() as {
      name: string;
      b: number;
    }[]) {
      const t = owner.get(r.name) ?? r.name;
      byTable[t] = (byTable[t] ?? 0) + r.b;
    }
    return { bytes: (pages - free) * pageSize, fileBytes: pages * pageSize, byTable };
  } finally {
    db.close();
  }
}
