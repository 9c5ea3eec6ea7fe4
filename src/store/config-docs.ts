import { createHash } from 'node:crypto';
import type { Connection } from './database.js';

/**
 * A page of an account's entities in id order: those whose id sorts after `after` (''
 * from the first), at most `limit` (-1: no limit).
 */
export interface Page {
  after: string;
  limit: number;
}

export type ConfigKind =
  | 'account'
  | 'user'
  | 'membership'
  | 'invitation'
  | 'token'
  | 'monitor'
  | 'channel'
  | 'maintenance'
  | 'status-page';

/**
 * A config document as a KV entry holds it: applying one is idempotent by revision.
 * Revisions are opaque: they only increase per key (a JetStream KV revision is the bucket's
 * sequence number), so never expect one to be the previous plus one.
 */
export interface ConfigChange {
  kind: ConfigKind;
  id: string;
  accountId: string;
  revision: number;
  /** The whole document; null deletes the entity (a tombstone keeps its revision). */
  doc: Record<string, unknown> | null;
}

/** A stored config row: a document, or the tombstone of a deleted one. */
export interface ConfigEntry extends ConfigChange {
  /** When the tombstone was written (ms since the epoch); null for a document. */
  deletedAt: number | null;
}

/**
 * What applying a change did. `applied`: it was newer (or the key was new); `stale`: the
 * store holds a newer revision; `same`: it holds this very revision and content; `tie-won` /
 * `tie-lost`: it holds the same revision with other content (two diverged copies), and the
 * change did / did not win by {@link tieWinner}.
 */
export type ConfigOutcome = 'applied' | 'stale' | 'same' | 'tie-won' | 'tie-lost';

/** Whether the change is what the store now holds. */
export function wasApplied(outcome: ConfigOutcome): boolean {
  return outcome === 'applied' || outcome === 'tie-won';
}

/**
 * Of two contents stored under one revision (JSON text, null for a tombstone), the one every
 * copy keeps, whatever the merge order: a tombstone (a delete is never undone by a tie), else
 * the content whose SHA-256 (hex) is larger.
 */
function tieWinner(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return sha256(a) > sha256(b) ? a : b;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface Row {
  kind: ConfigKind;
  id: string;
  account_id: string;
  revision: number;
  doc: string | null;
  deleted_at: number | null;
}

const LIVE = 'doc IS NOT NULL';

/**
 * Reads the config table through its (kind, account_id) index, in id order (the index ends
 * with the primary key). Without ANALYZE statistics SQLite walks the primary key of every
 * account's entities of the kind instead: for one account's list among 100 accounts of 300
 * monitors, 3.8 ms against 0.23.
 */
export const BY_ACCOUNT = 'INDEXED BY config_by_account';

/** SQL for the ids of the monitors that are not deleted: a merge copies rows of these only. */
export const LIVE_MONITOR_IDS = `SELECT id FROM main.config WHERE kind = 'monitor' AND ${LIVE}`;

/**
 * The config documents (the replica of the KV bucket): apply by revision, tombstones for
 * deletes, and the store-wide revision sequence. Every read skips tombstones.
 */
export class ConfigDocs {
  private readonly sql;

  constructor(private readonly db: Connection) {
    this.sql = {
      row: db.prepare('SELECT revision, doc FROM config WHERE kind = ? AND id = ?'),
      deleted: db.prepare('SELECT 1 FROM config WHERE kind = ? AND id = ? AND doc IS NULL').pluck(),
      write: db.prepare(
        `INSERT INTO config (kind, id, account_id, revision, doc, deleted_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET account_id = excluded.account_id,
           revision = excluded.revision, doc = excluded.doc, deleted_at = excluded.deleted_at`,
      ),
      sequence: db.prepare('SELECT revision FROM config_sequence WHERE id = 1').pluck(),
      raiseSequence: db.prepare(
        'UPDATE config_sequence SET revision = max(revision, ?) WHERE id = 1',
      ),
      get: db.prepare(`SELECT doc FROM config WHERE kind = ? AND id = ? AND ${LIVE}`).pluck(),
      getScoped: db
        .prepare(`SELECT doc FROM config WHERE kind = ? AND id = ? AND account_id = ? AND ${LIVE}`)
        .pluck(),
      listScoped: db
        .prepare(
          `SELECT doc FROM config ${BY_ACCOUNT} WHERE kind = ? AND account_id = ? AND ${LIVE} ORDER BY id`,
        )
        .pluck(),
      listScopedPage: db
        .prepare(
          `SELECT doc FROM config ${BY_ACCOUNT} WHERE kind = ? AND account_id = ? AND ${LIVE} AND id > ?
           ORDER BY id LIMIT ?`,
        )
        .pluck(),
      listAll: db.prepare(`SELECT doc FROM config WHERE kind = ? AND ${LIVE} ORDER BY id`).pluck(),
      countAll: db.prepare(`SELECT count(*) FROM config WHERE kind = ? AND ${LIVE}`).pluck(),
      countScoped: db
        .prepare(
          `SELECT count(*) FROM (SELECT 1 FROM config ${BY_ACCOUNT} WHERE kind = ? AND account_id = ? AND ${LIVE} LIMIT ?)`,
        )
        .pluck(),
      userByEmail: db
        .prepare(
          `SELECT doc FROM config WHERE kind = 'user' AND ${LIVE}
           AND json_extract(doc, '$.email') = ? COLLATE NOCASE`,
        )
        .pluck(),
      entries: (schema: string) =>
        db.prepare(
          `SELECT kind, id, account_id, revision, doc, deleted_at FROM ${schema}.config
           ORDER BY kind, id`,
        ),
      pruneTombstones: db.prepare('DELETE FROM config WHERE doc IS NULL AND deleted_at < ?'),
      // json_extract of an API token's null expiry is NULL, which is never < anything. Without
      // ANALYZE statistics SQLite would rather walk every token by the primary key.
      pruneExpiredTokens: db.prepare(
        `DELETE FROM config INDEXED BY config_token_expiry
         WHERE kind = 'token' AND json_extract(doc, '$.expiresAt') < ?`,
      ),
    };
  }

  /**
   * Applies `change` unless the stored revision is newer, or equal with the same content; at
   * an equal revision with other content, {@link tieWinner} decides. A delete writes a
   * tombstone stamped `deletedAt` (ms), so no older revision brings the entity back. Raises
   * the revision sequence. Run it inside the caller's transaction.
   */
  apply(change: ConfigChange, deletedAt: number): ConfigOutcome {
    const stored = this.sql.row.get(change.kind, change.id) as
      { revision: number; doc: string | null } | undefined;
    const doc = change.doc === null ? null : JSON.stringify(change.doc);
    let outcome: ConfigOutcome = 'applied';
    if (stored && change.revision < stored.revision) return 'stale';
    if (stored && change.revision === stored.revision) {
      if (stored.doc === doc) return 'same';
      if (tieWinner(doc, stored.doc) !== doc) return 'tie-lost';
      outcome = 'tie-won';
    }
    this.sql.write.run(
      change.kind,
      change.id,
      change.accountId,
      change.revision,
      doc,
      doc === null ? deletedAt : null,
    );
    this.sql.raiseSequence.run(change.revision);
    return outcome;
  }

  /** The highest revision applied to (or merged into) this store. */
  sequence(): number {
    return this.sql.sequence.get() as number;
  }

  /** The sequence of a copy attached as `schema`. */
  sequenceOf(schema: string): number {
    return this.db
      .prepare(`SELECT revision FROM ${schema}.config_sequence`)
      .pluck()
      .get() as number;
  }

  /** Merge: never hand out a revision below one a copy has used (even for a pruned tombstone). */
  raiseSequence(revision: number): void {
    this.sql.raiseSequence.run(revision);
  }

  /** Whether the entity was deleted (its tombstone is here). */
  isDeleted(kind: ConfigKind, id: string): boolean {
    return this.sql.deleted.get(kind, id) !== undefined;
  }

  get<T>(kind: ConfigKind, id: string): T | undefined {
    return parsed<T>(this.sql.get.get(kind, id));
  }

  getScoped<T>(kind: ConfigKind, accountId: string, id: string): T | undefined {
    return parsed<T>(this.sql.getScoped.get(kind, id, accountId));
  }

  listScoped<T>(kind: ConfigKind, accountId: string): T[] {
    return (this.sql.listScoped.all(kind, accountId) as string[]).map(
      (doc) => JSON.parse(doc) as T,
    );
  }

  listScopedPage<T>(kind: ConfigKind, accountId: string, page: Page): T[] {
    return (this.sql.listScopedPage.all(kind, accountId, page.after, page.limit) as string[]).map(
      (doc) => JSON.parse(doc) as T,
    );
  }

  listAll<T>(kind: ConfigKind): T[] {
    return (this.sql.listAll.all(kind) as string[]).map((doc) => JSON.parse(doc) as T);
  }

  countAll(kind: ConfigKind): number {
    return this.sql.countAll.get(kind) as number;
  }

  /** An account's live entities of a kind, counted up to `most` (LIMIT -1: all). */
  countScoped(kind: ConfigKind, accountId: string, most = -1): number {
    return this.sql.countScoped.get(kind, accountId, most) as number;
  }

  findUserByEmail<T>(email: string): T | undefined {
    return parsed<T>(this.sql.userByEmail.get(email));
  }

  /**
   * Every row of `schema` (`main`, or an attached copy being merged), tombstones included,
   * by kind and id. A merge reads few rows (config, not results): the statement is prepared
   * per call because it names the attached copy.
   */
  entries(schema = 'main'): ConfigEntry[] {
    return (this.sql.entries(schema).all() as Row[]).map((row) => ({
      kind: row.kind,
      id: row.id,
      accountId: row.account_id,
      revision: row.revision,
      doc: row.doc === null ? null : (JSON.parse(row.doc) as Record<string, unknown>),
      deletedAt: row.deleted_at,
    }));
  }

  /** Removes tombstones written before `before` (ms). */
  pruneTombstones(before: number): number {
    return this.sql.pruneTombstones.run(before).changes;
  }

  /** Removes tokens whose expiry (ms) is before `now`: they are refused already. */
  pruneExpiredTokens(now: number): number {
    return this.sql.pruneExpiredTokens.run(now).changes;
  }
}

function parsed<T>(doc: unknown): T | undefined {
  return typeof doc === 'string' ? (JSON.parse(doc) as T) : undefined;
}
