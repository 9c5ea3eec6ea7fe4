/**
 * A damaged database must not silence the node. The guard holds the store the node writes
 * to; when SQLite reports that file damaged (SQLITE_CORRUPT*, SQLITE_NOTADB, from any call or
 * from an integrity check) it opens a fresh store beside it, with the config, alert states,
 * incidents and delivery queue copied from what is readable of the damaged one, and carries
 * on there: checking and alerting never stop, new results are kept, and the damaged file is
 * left as it is for `tireless restore` to salvage.
 *
 * Files of a data dir: `tireless.db`, then `tireless.fresh-1.db`, `tireless.fresh-2.db`, …
 * (one more each time the store in use is found damaged). A node uses the newest one; a data
 * dir with a fresh store is degraded until it is restored into a new data dir.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import { isCorruption, salvageDatabase, Store } from '../store/index.js';

export const DATABASE_FILE = 'tireless.db';
const FRESH_FILE = /^tireless\.fresh-(\d+)\.db$/;

/** Why a node writes to a fresh store, for /healthz, /metrics and the log. */
export interface Degraded {
  /** What SQLite reported, e.g. `database disk image is malformed`. */
  reason: string;
  /** The damaged file, left untouched. */
  damagedFile: string;
  /** The fresh store the node writes to now. */
  storeFile: string;
  /** When the damage was found, ms since the epoch. */
  since: number;
  /** How to get one whole store back: the exact command. */
  recovery: string;
}

/** The store files of a data dir in the order they were used: tireless.db, then the fresh stores. */
export function storeFiles(dataDir: string): string[] {
  const fresh = existsSync(dataDir)
    ? readdirSync(dataDir)
        .map((name) => ({ name, n: Number(FRESH_FILE.exec(name)?.[1] ?? NaN) }))
        .filter((file) => Number.isInteger(file.n))
        .sort((a, b) => a.n - b.n)
        .map((file) => join(dataDir, file.name))
    : [];
  const main = join(dataDir, DATABASE_FILE);
  return existsSync(main) ? [main, ...fresh] : fresh;
}

export class StoreGuard {
  /**
   * The store in use, whichever file that is: every call goes to the current one, and a call
   * that finds it damaged replaces it and runs once more on the fresh one.
   */
  readonly store: Store;
  private current: Store;
  private currentPath: string;
  private state: Degraded | undefined;
  private readonly listeners: ((degraded: Degraded, cause: 'call' | 'check') => void)[] = [];

  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    const files = storeFiles(dataDir);
    this.currentPath = files[files.length - 1] ?? join(dataDir, DATABASE_FILE);
    let opened: Store;
    try {
      opened = new Store(this.currentPath);
    } catch (error) {
      if (!isCorruption(error)) throw error;
      opened = this.openFresh(describeError(error), this.currentPath);
    }
    this.current = opened;
    if (!this.state && files.length > 1) {
      this.state = this.recordedDamage(files);
      this.log.error(
        { ...this.state },
        `this data dir is degraded since an earlier run: ${this.state.damagedFile} is damaged (${this.state.reason}); writing to ${this.currentPath}. To recover: ${this.state.recovery}`,
      );
    }
    this.store = new Proxy(this.current, {
      get: (_target, property) => {
        const value: unknown = Reflect.get(this.current, property, this.current);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => this.call(property, args);
      },
    });
  }

  /** The file of the store in use. */
  get path(): string {
    return this.currentPath;
  }

  /** Set once the node writes to a fresh store. */
  get degraded(): Degraded | undefined {
    return this.state;
  }

  /** Called after the store in use was replaced by a fresh one. */
  onReplaced(listener: (degraded: Degraded, cause: 'call' | 'check') => void): void {
    this.listeners.push(listener);
  }

  /**
   * The file at `damagedPath` is damaged: if it is still the one in use, carry on with a
   * fresh store. `cause` says whether a call failed or an integrity check found it.
   */
  replace(reason: string, damagedPath: string, cause: 'call' | 'check'): void {
    if (damagedPath !== this.currentPath) return;
    const damaged = this.current;
    const fresh = this.openFresh(reason, damagedPath);
    try {
      damaged.close();
    } catch (error) {
      this.log.warn({ error: describeError(error) }, 'closing the damaged store failed');
    }
    this.current = fresh;
    const degraded = this.state as Degraded;
    for (const listener of this.listeners) listener(degraded, cause);
  }

  private call(property: string | symbol, args: unknown[]): unknown {
    const store = this.current;
    const path = this.currentPath;
    try {
      return (Reflect.get(store, property) as (...a: unknown[]) => unknown).apply(store, args);
    } catch (error) {
      if (!isCorruption(error)) throw error;
      try {
        this.replace(describeError(error), path, 'call');
      } catch (failure) {
        this.log.error({ error: describeError(failure) }, 'opening a fresh store failed');
        throw error;
      }
      const fresh = this.current;
      return (Reflect.get(fresh, property) as (...a: unknown[]) => unknown).apply(fresh, args);
    }
  }

  /**
   * Creates the next fresh store with what is readable of the damaged file's config (built
   * under a temporary name, so a crash never leaves half a fresh store), records why in its
   * meta, and makes it the one in use.
   */
  private openFresh(reason: string, damagedPath: string): Store {
    const files = storeFiles(this.dataDir);
    const last = Number(FRESH_FILE.exec(basename(files[files.length - 1] ?? ''))?.[1] ?? 0);
    const freshPath = join(this.dataDir, `tireless.fresh-${last + 1}.db`);
    const building = `${freshPath}.salvaging`;
    for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
    let salvaged: string;
    try {
      const report = salvageDatabase(damagedPath, building, 'config');
      salvaged = `${report.rows} rows of config, alert state and deliveries, ${report.holes} unreadable stretches skipped`;
    } catch (error) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
      // An empty store would know no monitor and open the setup form to anyone: refuse.
      throw new TirelessError(
        'TIRELESS_CONFIG',
        `the database ${damagedPath} is damaged (${reason}) and nothing of its config can be read (${describeError(error)}); restore from a backup: tireless restore --from <backup file or copy of the data dir> --data <new dir>`,
        { cause: error },
      );
    }
    renameSync(building, freshPath);
    const fresh = new Store(freshPath);
    const since = this.clock.now();
    fresh.setMeta('degraded_reason', reason);
    fresh.setMeta('damaged_file', basename(damagedPath));
    fresh.setMeta('degraded_since', String(since));
    this.currentPath = freshPath;
    this.state = this.describe(reason, damagedPath, since);
    this.log.error(
      { ...this.state, salvaged },
      `the database ${damagedPath} is damaged (${reason}); this node goes on checking and alerting and writes to ${freshPath}. To recover: ${this.state.recovery}`,
    );
    return fresh;
  }

  /** A data dir already degraded by an earlier run: why, from the fresh store's meta. */
  private recordedDamage(files: string[]): Degraded {
    const damaged = this.current.getMeta('damaged_file');
    return this.describe(
      this.current.getMeta('degraded_reason') ?? 'found damaged by an earlier run',
      damaged ? join(this.dataDir, damaged) : (files[files.length - 2] as string),
      Number(this.current.getMeta('degraded_since') ?? this.clock.now()),
    );
  }

  private describe(reason: string, damagedFile: string, since: number): Degraded {
    return {
      reason,
      damagedFile,
      storeFile: this.currentPath,
      since,
      recovery: `stop the node, run \`tireless restore --from ${this.dataDir} --data <new dir>\` (it salvages what is readable of ${basename(damagedFile)} and merges the results written since into one store), then start the node with --data <new dir>`,
    };
  }
}
