/**
 * Salvage: copies what is still readable in a damaged Tireless database into a new, sound
 * one — table by table, in key order, skipping the pages SQLite cannot read. The copy keeps
 * the source's local integer keys, so it can be merged (mergeInto) like any other copy.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TirelessError } from '../errors/index.js';
import { isCorruption } from './integrity.js';
import { MIGRATIONS } from './migrations.js';
import { Store } from './store.js';

/**
 * `config`: what a node needs to go on checking and alerting — config documents, meta (the
 * node id), alert states, incidents, the delivery queue, pushes; `all`: that and every result,
 * key table and rollup.
 */
export type SalvageScope = 'config' | 'all';

export interface TableSalvage {
  /** Rows copied. */
  rows: number;
  /** Unreadable stretches skipped (each one or more pages); 0 when the table read whole. */
  holes: number;
  /** Set when not even the table's first page could be read. */
  unreadable?: string;
}

export interface SalvageReport {
  tables: Record<string, TableSalvage>;
  /** Rows copied, all tables. */
  rows: number;
  /** Holes, all tables: 0 means every row was read. */
  holes: number;
}

interface TableSpec {
  name: string;
  /** Primary key columns, in key order. */
  key: readonly string[];
  /** The key's leading columns are integers: holes are skipped by probing further keys. */
  integerKey: boolean;
  scope: SalvageScope;
}

/** Every table of the schema, the small ones a node needs first. */
const TABLES: readonly TableSpec[] = [
  { name: 'meta', key: ['key'], integerKey: false, scope: 'config' },
  { name: 'config', key: ['kind', 'id'], integerKey: false, scope: 'config' },
  { name: 'monitor_state', key: ['monitor_id'], integerKey: false, scope: 'config' },
  { name: 'incidents', key: ['id'], integerKey: false, scope: 'config' },
  { name: 'deliveries', key: ['id'], integerKey: false, scope: 'config' },
  { name: 'pushes', key: ['monitor_id'], integerKey: false, scope: 'config' },
  { name: 'keys_account', key: ['n'], integerKey: true, scope: 'all' },
  { name: 'keys_monitor', key: ['n'], integerKey: true, scope: 'all' },
  { name: 'keys_origin', key: ['n'], integerKey: true, scope: 'all' },
  { name: 'error_texts', key: ['n'], integerKey: true, scope: 'all' },
  { name: 'results', key: ['monitor', 'slot', 'origin'], integerKey: true, scope: 'all' },
  { name: 'rollup_minute', key: ['monitor', 'bucket'], integerKey: true, scope: 'all' },
  { name: 'rollup_hour', key: ['monitor', 'bucket'], integerKey: true, scope: 'all' },
  { name: 'rollup_day', key: ['monitor', 'bucket'], integerKey: true, scope: 'all' },
];

/** Rows read per statement while the table reads cleanly. */
const PAGE_ROWS = 1000;

/**
 * Creates a sound database at `destPath` (which must not exist) holding what is readable of
 * the one at `sourcePath`. Throws TIRELESS_BACKUP when the source is not a Tireless database
 * of this schema version or nothing of it can be read.
 */
export function salvageDatabase(
  sourcePath: string,
  destPath: string,
  scope: SalvageScope = 'all',
): SalvageReport {
  if (existsSync(destPath)) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `${destPath} exists already; salvage writes a new file`,
    );
  }
  const source = openSource(sourcePath);
  try {
    new Store(destPath).close();
    const dest = new Database(destPath, { fileMustExist: true });
    try {
      const report: SalvageReport = { tables: {}, rows: 0, holes: 0 };
      for (const spec of TABLES) {
        if (scope === 'config' && spec.scope !== 'config') continue;
        const table = salvageTable(source, dest, spec);
        report.tables[spec.name] = table;
        report.rows += table.rows;
        report.holes += table.holes + (table.unreadable === undefined ? 0 : 1);
      }
      return report;
    } finally {
      dest.close();
    }
  } finally {
    source.close();
  }
}

function openSource(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      throw new TirelessError(
        'TIRELESS_BACKUP',
        `${path} has schema version ${version}; salvage reads version ${MIGRATIONS.length} only`,
      );
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof TirelessError) throw error;
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `${path}: nothing can be salvaged, SQLite cannot read its header or schema: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

type Row = unknown[];

/** Reads one table in key order into `dest`, skipping what cannot be read. */
function salvageTable(
  source: Database.Database,
  dest: Database.Database,
  spec: TableSpec,
): TableSalvage {
  const report: TableSalvage = { rows: 0, holes: 0 };
  const reader = new TableReader(source, spec);
  const insert = dest.prepare(
    `INSERT OR IGNORE INTO ${spec.name} (${reader.columns.join(', ')})
     VALUES (${reader.columns.map(() => '?').join(', ')})`,
  );
  const write = dest.transaction((rows: Row[]) => {
    for (const row of rows) report.rows += insert.run(row).changes;
  });
  let after: Row | undefined;
  let inclusive = false;
  for (;;) {
    const scan = reader.scan(after, inclusive, write);
    if (scan.complete) return report;
    after = scan.last;
    report.holes++;
    if (!spec.integerKey) {
      // Text keys give no way to seek past a hole: read back from the end instead.
      const tail = reader.tail(after);
      write(tail);
      if (after === undefined && tail.length === 0) report.unreadable = scan.error;
      return report;
    }
    const next = reader.nextReadable(after);
    if (next === undefined) {
      if (after === undefined) report.unreadable = scan.error;
      return report;
    }
    // Index b-trees keep records in their interior pages too: the one just before the
    // readable stretch is reached going back from it, not by the seek.
    write(reader.tail(after, next));
    after = next;
    inclusive = true;
  }
}

/** Reads a table by its primary key with row-value comparisons, one statement per page. */
class TableReader {
  readonly columns: string[];
  private readonly keyList: string;
  private readonly keyIndexes: number[];
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly spec: TableSpec,
  ) {
    const info = db.pragma(`table_info(${spec.name})`) as { name: string }[];
    this.columns = info.map((column) => column.name);
    this.keyList = spec.key.join(', ');
    this.keyIndexes = spec.key.map((column) => this.columns.indexOf(column));
  }

  /**
   * Reads forward from `after` (the first row when undefined), handing each page to `write`.
   * On an unreadable page it goes row by row up to it; `last` is the last row read.
   */
  scan(
    after: Row | undefined,
    inclusive: boolean,
    write: (rows: Row[]) => void,
  ): { complete: boolean; last: Row | undefined; error?: string } {
    let from = after === undefined ? undefined : this.keyOf(after);
    let include = inclusive;
    // Rows still to read one by one after a page failed: up to the unreadable one.
    let singly = 0;
    let last = after;
    for (;;) {
      let rows: Row[];
      try {
        rows = this.page('asc', from, include, undefined, singly > 0 ? 1 : PAGE_ROWS);
      } catch (error) {
        if (!isCorruption(error)) throw error;
        if (singly === 0) {
          singly = PAGE_ROWS;
          continue;
        }
        return { complete: false, last, error: (error as Error).message };
      }
      if (singly > 0) singly--;
      const end = rows[rows.length - 1];
      if (end === undefined) return { complete: true, last };
      write(rows);
      last = end;
      from = this.keyOf(end);
      include = false;
    }
  }

  /** The rows after `after` (and before `before`) that can be read going back from the end (from `before`). */
  tail(after: Row | undefined, before?: Row): Row[] {
    const rows: Row[] = [];
    const lower = after === undefined ? undefined : this.keyOf(after);
    let upper = before === undefined ? undefined : this.keyOf(before);
    for (;;) {
      let page: Row[];
      try {
        page = this.page('desc', lower, false, upper, 1);
      } catch (error) {
        if (!isCorruption(error)) throw error;
        return rows;
      }
      const row = page[0];
      if (row === undefined) return rows;
      rows.push(row);
      upper = this.keyOf(row);
    }
  }

  /**
   * The first row that can be read after the hole following `after`: probes keys further and
   * further on (doubling the step) until a seek succeeds, then bisects back to the first key
   * where seeking succeeds, so only the rows of the unreadable pages are lost.
   */
  nextReadable(after: Row | undefined): Row | undefined {
    const key = after === undefined ? [MIN_INT64, MIN_INT64] : this.keyOf(after);
    // A damaged record may hold anything where an integer key belongs: nothing to seek from.
    if (!key.every((value) => Number.isInteger(value) || typeof value === 'bigint')) {
      return undefined;
    }
    let failed = toOrdinal(key, this.probeWidth);
    let found = failed + 1n;
    for (let step = 1n; this.probe(found) === 'unreadable'; step *= 2n) {
      failed = found;
      found = failed + step;
      if (found > maxOrdinal(this.probeWidth)) return undefined;
    }
    while (found - failed > 1n) {
      const middle: bigint = (failed + found) / 2n;
      if (this.probe(middle) === 'unreadable') failed = middle;
      else found = middle;
    }
    const landed = this.probe(found);
    return landed === 'unreadable' ? undefined : landed;
  }

  /** Key columns used to seek: two at most (monitor and slot in results). */
  private get probeWidth(): 1 | 2 {
    return this.spec.key.length === 1 ? 1 : 2;
  }

  /** The first row at or after the key at `ordinal`, none (end of table), or unreadable. */
  private probe(ordinal: bigint): Row | undefined | 'unreadable' {
    const key = fromOrdinal(ordinal, this.probeWidth);
    const columns = this.spec.key.slice(0, this.probeWidth);
    const statement = this.statement(
      `probe`,
      () =>
        `SELECT ${this.columns.join(', ')} FROM ${this.spec.name}
         WHERE (${columns.join(', ')}) >= (${columns.map(() => '?').join(', ')})
         ORDER BY ${this.keyList} LIMIT 1`,
    );
    try {
      return statement.raw(true).get(...key) as Row | undefined;
    } catch (error) {
      if (!isCorruption(error)) throw error;
      return 'unreadable';
    }
  }

  private page(
    direction: 'asc' | 'desc',
    lower: unknown[] | undefined,
    inclusive: boolean,
    upper: unknown[] | undefined,
    limit: number,
  ): Row[] {
    const tuple = `(${this.keyList})`;
    const values = `(${this.spec.key.map(() => '?').join(', ')})`;
    const conditions = [
      ...(lower === undefined ? [] : [`${tuple} ${inclusive ? '>=' : '>'} ${values}`]),
      ...(upper === undefined ? [] : [`${tuple} < ${values}`]),
    ];
    const order = this.spec.key.map((column) => `${column} ${direction.toUpperCase()}`).join(', ');
    const statement = this.statement(
      `${direction}:${conditions.join(' AND ')}`,
      () =>
        `SELECT ${this.columns.join(', ')} FROM ${this.spec.name}
         ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
         ORDER BY ${order} LIMIT ?`,
    );
    return statement.raw(true).all(...(lower ?? []), ...(upper ?? []), limit) as Row[];
  }

  private statement(name: string, sql: () => string): Database.Statement {
    let statement = this.statements.get(name);
    if (!statement) {
      statement = this.db.prepare(sql());
      this.statements.set(name, statement);
    }
    return statement;
  }

  private keyOf(row: Row): unknown[] {
    return this.keyIndexes.map((index) => row[index]);
  }
}

const MIN_INT64 = -(2n ** 63n);
const SPAN = 2n ** 64n;

/** Integer keys of one or two columns as one number, in key order (each column a signed 64-bit integer). */
function toOrdinal(key: unknown[], width: 1 | 2): bigint {
  const column = (value: unknown) => BigInt(value as number | bigint) - MIN_INT64;
  return width === 1 ? column(key[0]) : column(key[0]) * SPAN + column(key[1]);
}

function fromOrdinal(ordinal: bigint, width: 1 | 2): bigint[] {
  return width === 1
    ? [ordinal + MIN_INT64]
    : [ordinal / SPAN + MIN_INT64, (ordinal % SPAN) + MIN_INT64];
}

function maxOrdinal(width: 1 | 2): bigint {
  return width === 1 ? SPAN - 1n : SPAN * SPAN - 1n;
}
