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

/** Writes config. Resolves once the local replica has applied the change (read your writes). */
export interface ConfigWriter {
  /**
   * Creates (`expectedRevision` 0) or replaces (`expectedRevision` = the current revision)
   * an entity, and returns it with its new revision: opaque, higher than the entity's
   * previous one, not necessarily by one. A stale revision is a 409 conflict.
   */
  put<T extends ConfigDoc>(kind: ConfigKind, doc: NewDoc<T>, expectedRevision: number): Promise<T>;
  /** Deletes an entity; with `expectedRevision`, only if it is still at that revision. */
  remove(kind: ConfigKind, accountId: string, id: string, expectedRevision?: number): Promise<void>;
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
