/**
 * The ports through which a node shares work and data with its peers. Solo mode is the
 * one-member implementation of each; the cluster issue adds JetStream-backed ones (config in
 * a KV bucket, results on a stream, rendezvous-hashed assignment) behind the same shapes.
 */
import { notFound, TirelessError } from '../errors/index.js';
import type { ConfigChange, ConfigKind, Store } from '../store/index.js';
import type { ClusterNode, ClusterNodeOptions } from './cluster-node.js';
import {
  claimHolder,
  revisionConflict,
  type Assignment,
  type ConfigDoc,
  type ConfigWriter,
  type DeliveryClaims,
  type NewDoc,
  type UniqueName,
} from './ports.js';

export type {
  Assignment,
  ClaimAnswer,
  ConfigDoc,
  ConfigWriter,
  DeliveryClaims,
  DeliveryOutcome,
  DeliveryRef,
  NewDoc,
  RateCounter,
  ResultSink,
  UniqueName,
} from './ports.js';
// Types only from the modules that talk to NATS: a solo node never loads the NATS client.
export type { ClusterNode, ClusterNodeOptions, ClusterStatus } from './cluster-node.js';
export { DELIVERIES_BUCKET, RATES_BUCKET, deliveryClaimKey } from './names.js';
export { batchOf, overshootBound, RATE_WINDOW_MS } from './rate-tally.js';

/**
 * Joins the cluster as a node (ClusterNode.join). The cluster's code and the NATS client
 * load here, at the first join, not with this module.
 */
export async function joinAsClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { ClusterNode } = await import('./cluster-node.js');
  return ClusterNode.join(options);
}

/** Solo: the only node checks and coordinates everything. */
export const soloAssignment: Assignment = {
  checks: () => true,
  coordinates: () => true,
  locations: () => 1,
};

/** Solo: the only node sends every delivery; there is nobody to tell the outcome. */
export const soloDeliveryClaims: DeliveryClaims = {
  claim: () => Promise.resolve({ kind: 'send' }),
  settle: () => Promise.resolve(),
};

/**
 * Solo config: writes go straight into the local SQLite, one transaction each. Revisions
 * come from the store's one increasing sequence (as a KV bucket's), not +1 per entity.
 */
export class SoloConfigWriter implements ConfigWriter {
  private readonly listeners: ((change: ConfigChange) => void)[] = [];

  constructor(private readonly store: Store) {}

  put<T extends ConfigDoc>(
    kind: ConfigKind,
    doc: NewDoc<T>,
    expectedRevision: number,
    unique: readonly UniqueName[] = [],
  ): Promise<T> {
    const current = this.store.getConfig<ConfigDoc>(kind, doc.id);
    const currentRevision = current?.revision ?? 0;
    if (current && current.accountId !== doc.accountId) return Promise.reject(notFound(kind));
    if (currentRevision !== expectedRevision) {
      return Promise.reject(revisionConflict(kind, doc.id, expectedRevision, currentRevision));
    }
    // Checked and claimed in one synchronous step (and one transaction): nothing between.
    const holder = claimHolder(kind, doc.accountId, doc.id);
    const taken = unique.find(({ name }) => {
      const claimant = this.store.claimOf(name);
      return claimant !== undefined && claimant !== holder && this.isLive(claimant);
    });
    if (taken) return Promise.reject(new TirelessError('TIRELESS_CONFLICT', taken.taken));
    const saved = { ...doc, revision: this.store.nextConfigRevision() } as T;
    const change: ConfigChange = {
      kind,
      id: doc.id,
      accountId: doc.accountId,
      revision: saved.revision,
      doc: saved,
    };
    const names = unique.map(({ name }) => name);
    if (this.store.applyClaimingConfig(change, names, holder)) this.tell(change);
    return Promise.resolve(saved);
  }

  caughtUp(): Promise<void> {
    return Promise.resolve();
  }

  remove(
    kind: ConfigKind,
    accountId: string,
    id: string,
    expectedRevision?: number,
  ): Promise<void> {
    const current = this.store.getScoped<ConfigDoc>(kind, accountId, id);
    if (!current) return Promise.reject(notFound(kind));
    if (expectedRevision !== undefined && current.revision !== expectedRevision) {
      return Promise.reject(revisionConflict(kind, id, expectedRevision, current.revision));
    }
    this.apply({ kind, id, accountId, revision: this.store.nextConfigRevision(), doc: null });
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
    if (this.store.applyConfig(change)) this.tell(change);
  }

  private tell(change: ConfigChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Whether the entity a claim refers to (`kind.accountId.id`) is live here. */
  private isLive(holder: string): boolean {
    const [kind, accountId, id] = holder.split('.') as [ConfigKind, string, string];
    return this.store.getScoped(kind, accountId, id) !== undefined;
  }
}
