import type { Connection } from './database.js';

/** Where the results stream position a replica applied is kept (cluster mode). */
export const STREAM_POSITION = 'results_stream_position';

/** Small facts about the database itself (the node id), as text by key. */
export class Meta {
  private readonly sql;

  constructor(db: Connection) {
    this.sql = {
      get: db.prepare('SELECT value FROM meta WHERE key = ?'),
      set: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      keepFirst: (schema: string) =>
        db.prepare(
          `INSERT OR IGNORE INTO main.meta (key, value)
           SELECT key, value FROM ${schema}.meta WHERE key = ?`,
        ),
    };
  }

  get(key: string): string | undefined {
    return (this.sql.get.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.sql.set.run(key, value);
  }

  /** Merge: takes `key` from the attached `schema` unless this database has one already. */
  keepFirst(schema: string, key: string): void {
    this.sql.keepFirst(schema).run(key);
  }
}
