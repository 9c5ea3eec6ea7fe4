/**
 * The cluster scenario's figures from what it observed: pure functions, unit-tested in
 * cluster-figures.test.ts.
 */
import { spreadOf, type Spread } from './stats.js';

/** One result as the bench saw it appear in each node's SQLite file. */
export interface SeenResult {
  /** The node that checked it (and stored it first). */
  origin: string;
  /** Node id → when the bench first saw the result in that node's file, ms. */
  firstSeen: ReadonlyMap<string, number>;
}

export interface ReplicationLag {
  /** (seen on another node − seen on the origin), ms, one sample per (result, other node). */
  lag: Spread;
  /** (result, other node) pairs never seen on that node. */
  missing: number;
}

/**
 * Replication lag: committed on the node that checked it → visible on each other node.
 * Only results that appeared on their origin in [notBefore, notAfter] count: those seen at
 * the first poll appeared earlier by an unknown span, and one committed after the window
 * (while the watch goes on for the grace) has not had the grace to replicate, so counting
 * it as never seen would blame the cluster for where the watch stopped.
 */
export function replicationLag(
  results: Iterable<SeenResult>,
  nodes: readonly string[],
  notBefore: number,
  notAfter: number,
): ReplicationLag {
  const samples: number[] = [];
  let missing = 0;
  for (const { origin, firstSeen } of results) {
    const committed = firstSeen.get(origin);
    if (committed === undefined || committed < notBefore || committed > notAfter) continue;
    for (const node of nodes) {
      if (node === origin) continue;
      const seen = firstSeen.get(node);
      if (seen === undefined) missing++;
      // Polls of different files in one round are ms apart: never a negative lag.
      else samples.push(Math.max(0, seen - committed));
    }
  }
  return { lag: spreadOf(samples), missing };
}

/** A stored check: its monitor, when it started (ms) and the node that ran it. */
export interface StoredCheck {
  monitorId: string;
  checkedAt: number;
  node: string;
}

export interface Failover {
  /** Monitors the killed node checked before the kill. */
  monitors: number;
  /** kill → the first check of any of them by another node, ms. */
  firstElsewhereMs: number;
  /** kill → by when every one of them had been checked by another node, ms. */
  allElsewhereMs: number;
  /** Of them, those no other node checked after the kill. */
  neverTakenOver: number;
}

/** How the killed node's monitors (`monitorIds`) moved after `killedAt`, from the checks stored since. */
export function failover(
  checks: Iterable<StoredCheck>,
  victim: string,
  monitorIds: ReadonlySet<string>,
  killedAt: number,
): Failover {
  const firstElsewhere = new Map<string, number>();
  for (const check of checks) {
    if (check.node === victim || check.checkedAt < killedAt) continue;
    if (!monitorIds.has(check.monitorId)) continue;
    const known = firstElsewhere.get(check.monitorId);
    if (known === undefined || check.checkedAt < known) {
      firstElsewhere.set(check.monitorId, check.checkedAt);
    }
  }
  const times = [...firstElsewhere.values()];
  return {
    monitors: monitorIds.size,
    firstElsewhereMs: times.length === 0 ? Number.NaN : Math.min(...times) - killedAt,
    allElsewhereMs:
      times.length < monitorIds.size || times.length === 0
        ? Number.NaN
        : Math.max(...times) - killedAt,
    neverTakenOver: monitorIds.size - times.length,
  };
}
