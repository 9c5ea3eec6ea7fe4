import { closeSync, fsyncSync, openSync, statSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Real damage to a real SQLite file, for tests of what a node does with a damaged store. */

/** The byte written over damaged pages: as a page-type byte it is no page SQLite knows. */
const GARBAGE = 0xa5;

/** Overwrites `bytes` of `file` from byte `offset` with garbage, and fsyncs it. */
export function overwriteBytes(file: string, offset: number, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(bytes, GARBAGE), 0, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites 8 KiB in the middle of `file` (page-aligned), as a failing disk might. */
export function overwriteMiddle(file: string, bytes = 8192): { offset: number; bytes: number } {
  const pageSize = 4096;
  const offset = Math.floor(statSync(file).size / 2 / pageSize) * pageSize;
  overwriteBytes(file, offset, bytes);
  return { offset, bytes };
}

/** One b-tree page of a table, as SQLite's dbstat table describes it. */
export interface TablePage {
  /** Page number, from 1. */
  page: number;
  /** Records (leaf) or children (interior) on the page. */
  cells: number;
  /** Byte offset of the page in the file. */
  offset: number;
}

/** The leaf pages of `table` in the database at `file`, in key order (the file must be checkpointed). */
export function leafPages(file: string, table: string): TablePage[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const rows = db
      .prepare(
        `SELECT pageno AS page, ncell AS cells FROM dbstat WHERE name = ? AND pagetype = 'leaf'
         ORDER BY path`,
      )
      .all(table) as { page: number; cells: number }[];
    return rows.map((row) => ({ ...row, offset: (row.page - 1) * pageSize }));
  } finally {
    db.close();
  }
}

/** Overwrites whole pages with garbage; returns the records they held. */
export function damagePages(file: string, pages: readonly TablePage[], pageSize = 4096): number {
  for (const page of pages) overwriteBytes(file, page.offset, pageSize);
  return pages.reduce((sum, page) => sum + page.cells, 0);
}
