import { TirelessError } from '../errors/index.js';
import type { ConfigChange, ConfigKind } from '../store/index.js';
import type {
  ClaimAnswer,
  ConfigDoc,
  ConfigWriter,
  DeliveryClaims,
  DeliveryOutcome,
  DeliveryRef,
  NewDoc,
  UniqueName,
} from './ports.js';

/**
 * A cluster node's config writer, whether or not it is joined: writes go to the KV writer
 * while the node is joined, and are refused at once with a 503 that says why while it is
 * not (island mode, no quorum, not joined since the start). Listeners stay registered here,
 * so those registered before the node joined hear every change applied after.
 */
export class LinkedConfigWriter implements ConfigWriter {
  private writer: ConfigWriter | null = null;
  private readonly listeners: ((change: ConfigChange) => void)[] = [];

  /** `refusal` answers why writes cannot be stored now, or undefined when they can. */
  constructor(private readonly refusal: () => string | undefined) {}

  /** The KV writer of the joined node; pass it `changed` as its `onChange`. */
  attach(writer: ConfigWriter): void {
    this.writer = writer;
  }

  /** The KV writer calls this for every change it applied. */
  readonly changed = (change: ConfigChange): void => {
    for (const listener of this.listeners) listener(change);
  };

  async put<T extends ConfigDoc>(
    kind: ConfigKind,
    doc: NewDoc<T>,
    expectedRevision: number,
    unique?: readonly UniqueName[],
  ): Promise<T> {
    return this.writable(kind).put(kind, doc, expectedRevision, unique);
  }

  async remove(
    kind: ConfigKind,
    accountId: string,
    id: string,
    expectedRevision?: number,
  ): Promise<void> {
    return this.writable(kind).remove(kind, accountId, id, expectedRevision);
  }

  /** The joined node's catch-up; until a node joins, its replica is all it has. */
  caughtUp(): Promise<void> {
    return this.writer?.caughtUp() ?? Promise.resolve();
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  private writable(kind: ConfigKind): ConfigWriter {
    const why = this.refusal();
    if (why !== undefined || this.writer === null) {
      throw new TirelessError(
        'TIRELESS_UNAVAILABLE',
        `the ${kind} cannot be stored now: ${why ?? 'this node has not joined the cluster'}. Config changes need the cluster; nothing was changed. Monitoring and alerts go on, and results wait in this node's outbox`,
      );
    }
    return this.writer;
  }
}

/**
 * A cluster node's delivery claims, whether or not it is joined: the cluster's claims once
 * it joined. Before that (island mode since the start) the node coordinates every monitor
 * and sends each notification unclaimed, keeping the outcomes to write into the cluster's
 * claims when it joins, so that the others do not send them again once they judge its
 * results.
 */
export class LinkedClaims implements DeliveryClaims {
  private claims: DeliveryClaims | null = null;
  private readonly kept = new Map<string, DeliveryOutcome>();

  constructor(private readonly onUnclaimedSend?: () => void) {}

  /** The joined node's claims: the outcomes kept so far go to them. */
  attach(claims: DeliveryClaims): void {
    this.claims = claims;
    for (const [id, outcome] of this.kept) void claims.settle(id, outcome);
    this.kept.clear();
  }

  claim(delivery: DeliveryRef): Promise<ClaimAnswer> {
    if (this.claims) return this.claims.claim(delivery);
    this.onUnclaimedSend?.();
    return Promise.resolve({ kind: 'send' });
  }

  settle(deliveryId: string, outcome: DeliveryOutcome): Promise<void> {
    if (this.claims) return this.claims.settle(deliveryId, outcome);
    if (outcome.kind !== 'retry') this.kept.set(deliveryId, outcome);
    return Promise.resolve();
  }
}
