/**
 * The ports through which a node shares work and data with its peers. Solo mode is the
 * one-member implementation of each; the cluster issue adds JetStream-backed ones (config in
 * a KV bucket, results on a stream, rendezvous-hashed assignment) behind the same shapes.
 */
import { TirelessError } from '../errors/index.js';
import type { CheckedResult, ConfigChange, ConfigKind, Store } from '../store/index.js';

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
   * an entity, and returns it with its new revision. A stale revision is a 409 conflict.
   */
  put<T extends ConfigDoc>(kind: ConfigKind, doc: NewDoc<T>, expectedRevision: number): Promise<T>;
  /** Deletes an entity; with `expectedRevision`, only if it is still at that revision. */
  remove(kind: ConfigKind, accountId: string, id: string, expectedRevision?: number): Promise<void>;
  /** Calls `listener` after every applied change, whoever made it; returns an unsubscribe. */
  onChange(listener: (change: ConfigChange) => void): () => void;
}

/**
 * Where a node's check results go. Solo: the local SQLite (the node's ResultWriter); cluster:
 * a JetStream stream, published with `Nats-Msg-Id = monitor:slot:node`, then applied by every
 * node. Either way a result is keyed by (monitor, slot, node, region), so writing it twice
 * changes nothing.
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

/** Which monitors this node checks and which it coordinates (judges and alerts for). */
export interface Assignment {
  checks(monitorId: string): boolean;
  coordinates(monitorId: string): boolean;
}

/** Solo: the only node checks and coordinates everything. */
export const soloAssignment: Assignment = { checks: () => true, coordinates: () => true };

/** Solo config: writes go straight into the local SQLite, one transaction each. */
export class SoloConfigWriter implements ConfigWriter {
  private readonly listeners: ((change: ConfigChange) => void)[] = [];

  constructor(private readonly store: Store) {}

  put<T extends ConfigDoc>(kind: ConfigKind, doc: NewDoc<T>, expectedRevision: number): Promise<T> {
    const current = this.store.getConfig<ConfigDoc>(kind, doc.id);
    const currentRevision = current?.revision ?? 0;
    if (current && current.accountId !== doc.accountId) {
      return Promise.reject(new TirelessError('TIRELESS_NOT_FOUND', `${kind} not found`));
    }
    if (currentRevision !== expectedRevision) {
      return Promise.reject(
        new TirelessError(
          'TIRELESS_CONFLICT',
          expectedRevision === 0
            ? `${kind} ${doc.id} exists already`
            : `${kind} ${doc.id} changed meanwhile (revision ${currentRevision}, not ${expectedRevision}); reload and retry`,
        ),
      );
    }
    const saved = { ...doc, revision: currentRevision + 1 } as T;
    this.apply({
      kind,
      id: doc.id,
      accountId: doc.accountId,
      revision: saved.revision,
      doc: saved,
    });
    return Promise.resolve(saved);
  }

  remove(
    kind: ConfigKind,
    accountId: string,
    id: string,
    expectedRevision?: number,
  ): Promise<void> {
    const current = this.store.getScoped<ConfigDoc>(kind, accountId, id);
    if (!current)
      return Promise.reject(new TirelessError('TIRELESS_NOT_FOUND', `${kind} not found`));
    if (expectedRevision !== undefined && current.revision !== expectedRevision) {
      return Promise.reject(
        new TirelessError('TIRELESS_CONFLICT', `${kind} ${id} changed meanwhile`),
      );
    }
    this.apply({ kind, id, accountId, revision: current.revision + 1, doc: null });
    return Promise.resolve();
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  private apply(change: ConfigChange): void {
    if (!this.store.applyConfig(change)) return;
    for (const listener of this.listeners) listener(change);
  }
}
