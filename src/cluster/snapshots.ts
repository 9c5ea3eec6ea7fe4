/**
 * Snapshots of a replica in a JetStream object store, for nodes that join with an empty data
 * dir or come back after the results stream has dropped what they missed (its age limit, a
 * limit an operator set, a purge). One node per period publishes one; a joining node merges
 * the latest into its replica, as `tireless restore` merges a copy, and follows the stream
 * from the position the snapshot holds.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Objm, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import { copyReplica, inspectCopy, type Store } from '../store/index.js';

/** The object store bucket of replica snapshots. */
export const SNAPSHOT_BUCKET = 'tireless_snapshots';
/** One object, replaced by each new snapshot (the object store drops the old one's chunks). */
const SNAPSHOT_OBJECT = 'replica';
/** Temporary files in the data dir: the copy being published, the snapshot being loaded. */
const PUBLISH_FILE = 'snapshot-out.tmp';
const LOAD_FILE = 'snapshot-in.tmp';

/** What a published snapshot says of itself (the object's metadata). */
export interface SnapshotMeta {
  /** The results stream position it holds everything up to. */
  position: number;
  /** The node that published it. */
  node: string;
  /** When its copy was taken, ms since the epoch. */
  takenAt: number;
}

/** Creates the snapshot bucket if missing (replicas as the streams'), and opens it. */
export function openSnapshots(js: JetStreamClient, replicas: number): Promise<ObjectStore> {
  return new Objm(js).create(SNAPSHOT_BUCKET, {
    replicas,
    description: 'Tireless replica snapshots, for nodes that join',
  });
}

/** The metadata of the latest snapshot, or undefined when there is none (or it is unreadable). */
export async function latestSnapshot(os: ObjectStore): Promise<SnapshotMeta | undefined> {
  return snapshotMetaOf(await os.info(SNAPSHOT_OBJECT));
}

function snapshotMetaOf(info: ObjectInfo | null): SnapshotMeta | undefined {
  if (!info || info.deleted) return undefined;
  const position = Number(info.metadata?.position);
  const takenAt = Number(info.metadata?.takenAt);
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(takenAt)) return undefined;
  return { position, takenAt, node: info.metadata?.node ?? '?' };
}

/** Where a joining replica stands against the results stream and the latest snapshot. */
export interface CatchUpState {
  /** The stream position the replica applied (0: none, e.g. an empty data dir). */
  applied: number;
  /** The stream's first sequence (0: nothing was ever stored in it). */
  streamFirst: number;
  /** The latest snapshot's position, if there is one. */
  snapshot: number | undefined;
}

export interface CatchUpPlan {
  /** Merge the latest snapshot before following the stream. */
  loadSnapshot: boolean;
  /**
   * Stream positions [from, to] that neither the replica, the snapshot nor the stream
   * holds any more (null: none): their results are only in other nodes' replicas.
   */
  missing: { from: number; to: number } | null;
}

/**
 * A replica that applied nothing yet starts from the snapshot (quicker than replaying, and
 * it holds the hour and day rollups the stream no longer does); one behind the stream's
 * first message needs it to fill the gap. A snapshot no newer than the replica adds nothing.
 */
export function planCatchUp(state: CatchUpState): CatchUpPlan {
  const { applied, streamFirst, snapshot } = state;
  const reachesBack = applied + 1 >= streamFirst;
  const loadSnapshot =
    snapshot !== undefined && snapshot > applied && (applied === 0 || !reachesBack);
  const from = (loadSnapshot ? snapshot : applied) + 1;
  return { loadSnapshot, missing: from < streamFirst ? { from, to: streamFirst - 1 } : null };
}

/** Whether a new snapshot is due: none yet, or the latest is `intervalMs` old. */
export function snapshotDue(now: number, takenAt: number | undefined, intervalMs: number): boolean {
  return takenAt === undefined || now - takenAt >= intervalMs;
}

/**
 * Downloads the latest snapshot into `dir` (streamed to a file, its SHA-256 checked by the
 * client), verifies it as a backup is verified, and merges it into the store by the same
 * code as `tireless restore`; the store then follows the stream from the snapshot's
 * position. Throws when it cannot (the caller goes on without).
 */
async function loadSnapshot(
  os: ObjectStore,
  store: Store,
  dir: string,
  log: Logger,
): Promise<void> {
  const file = join(dir, LOAD_FILE);
  removeCopy(file);
  try {
    const result = await os.get(SNAPSHOT_OBJECT);
    const meta = snapshotMetaOf(result?.info ?? null);
    if (!result || !meta) return;
    await pipeline(Readable.fromWeb(result.data), createWriteStream(file, { flags: 'wx' }));
    const failed = await result.error;
    if (failed) throw failed;
    const copy = inspectCopy(file);
    const startedAt = performance.now();
    const report = store.merge(file);
    store.raiseStreamPosition(copy.streamPosition);
    log.info(
      {
        snapshot: meta,
        results: report.results.added,
        waitingResults: report.waitingResults,
        config: report.config.applied,
        durationMs: Math.round(performance.now() - startedAt),
      },
      `snapshot of ${meta.node} merged into the replica (stream position ${copy.streamPosition})`,
    );
  } finally {
    removeCopy(file);
  }
}

/**
 * Before a joining node follows the results stream: merges the latest snapshot when
 * planCatchUp says so, and warns of stream positions that nothing it can reach holds any
 * more. A snapshot that cannot be loaded is logged and passed over: the node then follows
 * the stream from where it starts (monitoring never waits for a snapshot).
 */
export async function catchUpFromSnapshot(options: {
  os: ObjectStore;
  store: Store;
  /** The results stream's first sequence now. */
  streamFirst: number;
  log: Logger;
}): Promise<void> {
  const { os, store, streamFirst, log } = options;
  const latest = await latestSnapshot(os);
  const plan = planCatchUp({
    applied: store.streamPosition(),
    streamFirst,
    snapshot: latest?.position,
  });
  if (plan.loadSnapshot) {
    try {
      await loadSnapshot(os, store, dirname(store.path), log);
    } catch (error) {
      log.error(
        { error: describeError(error), snapshot: latest },
        'the latest snapshot could not be loaded; following the results stream from where it starts',
      );
    }
  }
  const { missing } = planCatchUp({
    applied: store.streamPosition(),
    streamFirst,
    snapshot: undefined,
  });
  if (missing) {
    log.warn(
      missing,
      `results stream positions ${missing.from}–${missing.to} are in no snapshot and no longer in the stream: this replica lacks their results (the nodes that held them still do; \`tireless restore\` merges a data dir)`,
    );
  }
}

export interface SnapshotPublisherOptions {
  os: ObjectStore;
  /** The database file of the replica (the store in use). */
  storePath: () => string;
  /** Where the copy is written before it is uploaded (the data dir: room for a copy). */
  dir: string;
  node: string;
  clock: Clock;
  log: Logger;
  /** How often a snapshot is published, ms. */
  intervalMs: number;
  /** Whether this node is the one to publish for `key` (the rendezvous top of live members). */
  isPublisher: (key: string) => boolean;
}

/**
 * Publishes a snapshot of this replica when one is due and this node is the rendezvous top
 * for the period (`snapshot:<n>`): one node per period, chosen without a vote. Two that
 * disagree for a moment (members changing) both publish; the later object replaces the
 * earlier, which costs only the work. The copy is SQLite's online backup to a file in the
 * data dir, uploaded in chunks as it is read: bounded memory, whatever the replica's size.
 */
export class SnapshotPublisher {
  private timer: TimerHandle | null = null;
  private stopped = true;
  private publishing: Promise<SnapshotMeta | undefined> | null = null;

  constructor(private readonly options: SnapshotPublisherOptions) {}

  /** Looks first after one period (the node knows its peers by then), then every period. */
  start(): void {
    this.stopped = false;
    this.schedule(this.period);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * Publishes a snapshot now (one in progress is awaited instead), unless this replica holds
   * less of the stream than the latest snapshot (it lags, or is a fresh store after damage):
   * a snapshot is never replaced by one that holds less. Resolves what it published.
   */
  publish(): Promise<SnapshotMeta | undefined> {
    this.publishing ??= this.upload().finally(() => (this.publishing = null));
    return this.publishing;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const { os, clock, intervalMs, log } = this.options;
    try {
      const now = clock.now();
      const latest = await latestSnapshot(os);
      const key = `snapshot:${Math.floor(now / intervalMs)}`;
      if (snapshotDue(now, latest?.takenAt, intervalMs) && this.options.isPublisher(key)) {
        await this.publish();
      }
    } catch (error) {
      if (!this.stopped) log.warn({ error: describeError(error) }, 'snapshot not published');
    }
    this.schedule(this.period);
  }

  /**
   * How often it looks: once a minute, or each interval if shorter (the publisher of the
   * period may be gone, or another node may have published).
   */
  private get period(): number {
    return Math.min(this.options.intervalMs, 60_000);
  }

  private async upload(): Promise<SnapshotMeta | undefined> {
    const { os, dir, node, clock, log } = this.options;
    const file = join(dir, PUBLISH_FILE);
    removeCopy(file);
    try {
      const takenAt = clock.now();
      const copy = await copyReplica(this.options.storePath(), file);
      const meta: SnapshotMeta = { position: copy.streamPosition, node, takenAt };
      const latest = await latestSnapshot(os);
      if (latest && latest.position > meta.position) {
        log.info(
          { position: meta.position, latest },
          'snapshot not published: this replica holds less of the stream than the latest',
        );
        return undefined;
      }
      const info = await os.put(
        {
          name: SNAPSHOT_OBJECT,
          description: `replica of ${node} at results stream position ${meta.position}`,
          metadata: {
            position: String(meta.position),
            node,
            takenAt: String(takenAt),
          },
        },
        Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      );
      log.info({ ...meta, bytes: info.size }, 'snapshot of this replica published');
      return meta;
    } finally {
      removeCopy(file);
    }
  }
}

/** A copy and the rollback journal SQLite may have left beside it. */
function removeCopy(file: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}-journal`, { force: true });
}
