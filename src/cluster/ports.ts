import { TirelessError } from '../errors/index.js';
import type { CheckedResult, ConfigChange, ConfigKind } from '../store/index.js';

export interface ConfigDoc {
  id: string;
  accountId: string;
  revision: number;
  [field: string]: unknown;
}

/** A document as written: everything but the revision the writer assigns. */
export type NewDoc<T extends ConfigDoc> = Omit<T, 'revision'> & { id: string; accountId: string };

/**
 * A name that at most one live entity of the whole cluster may hold: the first-run owner
 * (`owner`), a user's email (`email.<sha256 hex of the lowercased address>`).
 */
export interface UniqueName {
  /** Letters, digits, `_`, `-`, dot-separated (a KV key). */
  name: string;
  /** The 409's message when another entity holds it, e.g. "a user with this email exists". */
  taken: string;
}

/** Writes config. Resolves once the local replica has applied the change (read your writes). */
export interface ConfigWriter {
  /**
   * Creates (`expectedRevision` 0) or replaces (`expectedRevision` = the current revision)
   * an entity, and returns it with its new revision: opaque, higher than the entity's
   * previous one, not necessarily by one. A stale revision is a 409 conflict.
   *
   * With `unique`, the entity is written only if it can hold each name: unclaimed, claimed
   * by it already, or claimed by an entity that is no longer live (deleted, or never
   * written by a node that died after claiming); else a 409 with the name's `taken`. Of two
   * writers racing for a name, on one node or two, exactly one wins.
   */
  put<T extends ConfigDoc>(
    kind: ConfigKind,
    doc: NewDoc<T>,
    expectedRevision: number,
    unique?: readonly UniqueName[],
  ): Promise<T>;
  /** Deletes an entity; with `expectedRevision`, only if it is still at that revision. */
  remove(kind: ConfigKind, accountId: string, id: string, expectedRevision?: number): Promise<void>;
  /**
   * Resolves once this replica holds every change the cluster had stored when it was called
   * (solo: at once): for a lookup that missed, e.g. a token made on another node a moment ago.
   */
  caughtUp(): Promise<void>;
  /** Calls `listener` after every applied change, whoever made it; returns an unsubscribe. */
  onChange(listener: (change: ConfigChange) => void): () => void;
}

/** Which monitors this node checks and which it coordinates (judges and alerts for). */
export interface Assignment {
  checks(monitorId: string): boolean;
  coordinates(monitorId: string): boolean;
  /**
   * How many locations (regions) check the monitor now: its `locations`, fewer when fewer
   * regions are live; at least 1 (solo: always 1).
   */
  locations(monitorId: string): number;
}

/**
 * Where a node's check results go. Solo: the local SQLite (the node's ResultWriter); cluster:
 * the same, with an outbox row per batch in the same transaction, published to the results
 * stream and applied by every node. Either way a result is keyed by (monitor, slot, node,
 * region), so writing it twice changes nothing.
 */
export interface ResultSink {
  /**
   * Takes one result and answers at once; the sink writes it soon (batched). Never throws and
   * never drops a result silently: one it cannot write now is retried, then kept on disk.
   */
  add(result: CheckedResult): void;
  /** Writes everything taken so far; resolves when it is stored (or kept on disk). */
  drain(): Promise<void>;
}

/** A queued delivery as the claims see it. */
export interface DeliveryRef {
  /** Its deterministic id (`notificationKey:channelId`): the same on every node. */
  id: string;
  /** When it was first due, ms (the judged result's check time: the same on every node). */
  createdAt: number;
  /** The monitor it alerts about; null for what only one node queued (a channel test). */
  monitorId: string | null;
}

/** Whether this node sends a delivery now. */
export type ClaimAnswer =
  | { kind: 'send' }
  /** Not now: look again at `until` (ms); another node holds it, or may send it first. */
  | { kind: 'wait'; until: number }
  /** Another node finished it: mark this node's copy so and never send it. */
  | { kind: 'settled'; outcome: 'sent' | 'failed'; node: string };

/** How an attempt ended: sent, failed for good, or failed and tried again at `retryAt` (ms). */
export type DeliveryOutcome =
  { kind: 'sent' } | { kind: 'failed' } | { kind: 'retry'; retryAt: number };

/**
 * Which node sends a notification that every node queued (every replica judges every
 * result). Solo: this node, always. Cluster: the node that claims it first in a KV bucket;
 * its outcome is written back so that no other node sends it again.
 */
export interface DeliveryClaims {
  /** Asks to send `delivery` now. Never throws: without quorum it answers for itself. */
  claim(delivery: DeliveryRef): Promise<ClaimAnswer>;
  /** Records how this node's attempt ended. Never throws. */
  settle(deliveryId: string, outcome: DeliveryOutcome): Promise<void>;
}

/** Whether a unique name may be used as a key. */
export const UNIQUE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The reference to an entity a claim of a unique name stores: `kind.accountId.id`. */
export function claimHolder(kind: ConfigKind, accountId: string, id: string): string {
  return `${kind}.${accountId}.${id}`;
}

/**
 * The 409 of every ConfigWriter when an entity is not at the revision the caller read
 * (`expected` 0: the caller meant to create it).
 */
export function revisionConflict(
  kind: ConfigKind,
  id: string,
  expected: number,
  current: number,
): TirelessError {
  return new TirelessError(
    'TIRELESS_CONFLICT',
    expected === 0
      ? `${kind} ${id} exists already`
      : `${kind} ${id} changed meanwhile (revision ${current}, not ${expected}); reload and retry`,
  );
}

/**
 * Counts requests against a per-minute rate quota. Solo mode needs none (the API counts in
 * process); a cluster counts across its nodes (SharedRates).
 */
export interface RateCounter {
  /**
   * Counts one request of `accountId` of `kind` against `limit` a minute, if under it:
   * `current` is the count with this request (above `limit`: refused, not counted), and
   * `resetInMs` the time until the window ends.
   */
  take(
    kind: 'api' | 'push',
    accountId: string,
    limit: number,
  ): Promise<{ current: number; resetInMs: number }>;
}
