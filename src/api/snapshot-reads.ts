import type { MonitorEvent } from '../events/index.js';
import type { ApiDeps } from './deps.js';
import { accountStates, type StateItem } from './monitor-states.js';
import { readInPages } from './paged-read.js';

/**
 * One read of an account's snapshot, shared by every stream of the account that opens while
 * it runs: 20 dashboards opening at once cost one read (2 MB at 10,000 monitors), not 20.
 */
export interface SnapshotRead {
  /** Every monitor's state item, once read. */
  items: Promise<StateItem[]>;
  /**
   * The batches the waiting streams heard since the read began, in order, each once (the hub
   * hands every listener of an account the same array). A page read before a change does not
   * show it: these are sent after the snapshot, so nothing falls between.
   */
  heard: Set<readonly MonitorEvent[]>;
}

/** A read in progress, and how many streams wait for it. */
interface Reading extends SnapshotRead {
  waiting: number;
}

/**
 * The account's snapshot reads in progress. Only a read in progress is shared, never a
 * finished one: a snapshot kept after its read would miss the changes made since, which no
 * stream heard for it. A read is read in pages (readInPages), the event loop running between
 * them, as the shared list and summary are.
 */
export class SnapshotReads {
  private readonly reading = new Map<string, Reading>();

  constructor(private readonly deps: ApiDeps) {}

  /**
   * The read of `accountId`'s snapshot to wait for: the one in progress, or a new one. Call it
   * once subscribed to the account's events (in the same synchronous step), add what the
   * listener hears to `heard` until the items arrive, and `leave` when done waiting.
   */
  join(accountId: string): SnapshotRead {
    const kept = this.reading.get(accountId);
    if (kept) {
      kept.waiting++;
      return kept;
    }
    const waiters = { waiting: 1, heard: new Set<readonly MonitorEvent[]>() };
    const items = readInPages(
      // Once nobody waits, the rest of the pages are not read.
      (page) =>
        waiters.waiting > 0
          ? accountStates(this.deps, accountId, 0, [], page).map((state) => state.item)
          : [],
      (item) => item.monitorId,
    );
    const reading: Reading = Object.assign(waiters, { items });
    this.reading.set(accountId, reading);
    items.then(
      () => this.forget(accountId, reading),
      (error: unknown) => {
        this.deps.log.error({ err: error, accountId }, 'the event snapshot could not be read');
        this.forget(accountId, reading);
      },
    );
    return reading;
  }

  /** A stream no longer waits for `read` (it has its items, or it closed). */
  leave(accountId: string, read: SnapshotRead): void {
    const reading = this.reading.get(accountId);
    if (reading !== read) return;
    // Who opens later must not share it: while nobody waited, nobody heard the changes.
    if (--reading.waiting === 0) this.forget(accountId, reading);
  }

  private forget(accountId: string, reading: Reading): void {
    if (this.reading.get(accountId) === reading) this.reading.delete(accountId);
  }
}
