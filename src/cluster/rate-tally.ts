/**
 * The arithmetic of rate quotas counted across a cluster (pure: no I/O, time passed in).
 *
 * Requests are counted in fixed windows of one minute by the node's clock (window
 * `floor(now / 60 s)`). Each node keeps its own count of each (kind, account, window) and
 * writes it to the rates bucket under its own key, and learns the others' from the bucket's
 * watch: no two nodes write one key, so no compare-and-set is needed. A node admits a
 * request while its own count plus the others' (as last heard) stays under the limit, and
 * while at most `batchOf(limit)` of its own admissions are not yet written: past that, the
 * request waits for the write. So each node admits at most a batch that the others have not
 * heard of, and a cluster of n nodes admits at most `limit + overshootBound(limit, n)` in a
 * window (plus what nodes admit while a written count is on its way to the others' watches,
 * milliseconds on a LAN). Alone (the bucket does not answer: island mode), a node counts
 * only its own requests against the limit, as before clustering.
 */

/** Length of a rate window, ms: the quotas count requests per minute. */
export const RATE_WINDOW_MS = 60_000;

/** Requests whose rates are counted: authenticated API requests, push heartbeats. */
export type RateKind = 'api' | 'push';

/** The window `now` falls in. */
export function windowOf(now: number): number {
  return Math.floor(now / RATE_WINDOW_MS);
}

/** Time left in the window `now` falls in, ms. */
export function windowLeftMs(now: number): number {
  return (windowOf(now) + 1) * RATE_WINDOW_MS - now;
}

/**
 * How many of its own admissions a node may hold unwritten (2 % of the limit, at least 1):
 * large enough that most requests do not wait for a write, small enough to bound the
 * overshoot.
 */
export function batchOf(limit: number): number {
  return Math.max(1, Math.floor(limit / 50));
}

/** The most a cluster of `nodes` admits beyond `limit` in one window: a batch per node. */
export function overshootBound(limit: number, nodes: number): number {
  return nodes * batchOf(limit);
}

/** The bucket key of one node's count of one account's requests of one kind in one window. */
export function rateKey(kind: RateKind, accountId: string, window: number, nodeId: string): string {
  return `${kind}.${Buffer.from(accountId).toString('base64url')}.${window}.${nodeId}`;
}

/** A bucket key read back, or undefined when it is not one of rateKey's. */
export function parseRateKey(
  key: string,
): { kind: RateKind; accountId: string; window: number; nodeId: string } | undefined {
  const match = /^(api|push)\.([A-Za-z0-9_-]+)\.(\d{1,15})\.([a-z0-9][a-z0-9-]{0,62})$/.exec(key);
  if (!match) return undefined;
  const [, kind, account, window, nodeId] = match as unknown as [
    string,
    RateKind,
    string,
    string,
    string,
  ];
  return {
    kind,
    accountId: Buffer.from(account, 'base64url').toString(),
    window: Number(window),
    nodeId,
  };
}

/** What `RateTally.take` decided. */
export type RateDecision =
  /** Counted (`current` ≤ limit) or refused (`current` > limit, not counted), in `key`. */
  | { kind: 'answer'; key: string; current: number; resetInMs: number }
  /** A batch of this node's admissions is not written yet: write, then ask again. */
  | { kind: 'wait'; key: string };

interface Count {
  window: number;
  /** This node's admissions in the window. */
  own: number;
  /** Of them, how many the bucket holds (the last count written and acknowledged). */
  written: number;
  /** The others' counts, by node, as last heard. */
  peers: Map<string, number>;
}

/** One node's counts of the current and the last window, and the others' as heard. */
export class RateTally {
  private readonly counts = new Map<string, Count>();

  constructor(private readonly nodeId: string) {}

  /**
   * Counts one request of `accountId` against `limit` at `now`, if it is under it: `shared`
   * (the bucket answers) with the others' counts and the batch bound, else alone.
   */
  take(
    kind: RateKind,
    accountId: string,
    limit: number,
    now: number,
    shared: boolean,
  ): RateDecision {
    const window = windowOf(now);
    const key = rateKey(kind, accountId, window, this.nodeId);
    const count = this.countOf(key, window);
    let seen = count.own;
    if (shared) {
      for (const peer of count.peers.values()) seen += peer;
    }
    const resetInMs = windowLeftMs(now);
    if (seen >= limit) return { kind: 'answer', key, current: seen + 1, resetInMs };
    if (shared && count.own - count.written >= batchOf(limit)) return { kind: 'wait', key };
    count.own++;
    return { kind: 'answer', key, current: seen + 1, resetInMs };
  }

  /** Whether a batch of the key's count is unwritten (write it now rather than on the timer). */
  full(key: string, limit: number): boolean {
    const count = this.counts.get(key);
    return count !== undefined && count.own - count.written >= batchOf(limit);
  }

  /** The counts with admissions not yet written: the bucket key and the count to write. */
  unwritten(): { key: string; own: number }[] {
    const out: { key: string; own: number }[] = [];
    for (const [key, count] of this.counts) {
      if (count.own > count.written) out.push({ key, own: count.own });
    }
    return out;
  }

  /** The own count of `key` to write now (undefined: nothing unwritten). */
  toWrite(key: string): number | undefined {
    const count = this.counts.get(key);
    return count && count.own > count.written ? count.own : undefined;
  }

  /** The bucket acknowledged `own` as the count of `key`. */
  written(key: string, own: number): void {
    const count = this.counts.get(key);
    if (count && own > count.written) count.written = own;
  }

  /**
   * A count heard from the bucket: another node's, or this node's own from before a restart
   * (kept, so a restarted node does not write a smaller count over it).
   */
  heard(key: string, value: number, now: number): void {
    const parsed = parseRateKey(key);
    if (!parsed || !Number.isSafeInteger(value) || value < 0) return;
    if (parsed.window < windowOf(now) - 1) return;
    const { kind, accountId, window, nodeId } = parsed;
    const own = rateKey(kind, accountId, window, this.nodeId);
    const count = this.countOf(own, window);
    if (nodeId === this.nodeId) {
      count.own = Math.max(count.own, value);
      count.written = Math.max(count.written, value);
    } else count.peers.set(nodeId, Math.max(count.peers.get(nodeId) ?? 0, value));
  }

  /** Forgets the windows before the last one: no request counts in them any more. */
  prune(now: number): void {
    const last = windowOf(now) - 1;
    for (const [key, count] of this.counts) {
      if (count.window < last) this.counts.delete(key);
    }
  }

  private countOf(key: string, window: number): Count {
    let count = this.counts.get(key);
    if (!count) {
      count = { window, own: 0, written: 0, peers: new Map() };
      this.counts.set(key, count);
    }
    return count;
  }
}
