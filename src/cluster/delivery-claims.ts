import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import {
  claimSchema,
  decideClaim,
  waitBeforeReading,
  type Claim,
  type ClaimContext,
} from './claim-decision.js';
import { kvCompareAndSet, kvLatest, type KvBucketRef } from './kv-cas.js';
import { deliveryClaimKey } from './names.js';
import type { ClaimAnswer, DeliveryClaims, DeliveryOutcome, DeliveryRef } from './ports.js';

export interface KvDeliveryClaimsOptions {
  /** The deliveries bucket. */
  bucket: KvBucketRef;
  node: string;
  clock: Clock;
  log: Logger;
  /** Ids of the live members now (this node included). */
  live: () => readonly string[];
  /** Whether this node coordinates the monitor now. */
  coordinates: (monitorId: string) => boolean;
  /** How long other nodes leave a new delivery to its monitor's coordinator, ms. */
  graceMs: number;
  /** How long a holder may take for one attempt before others take it over, ms. */
  leaseMs: number;
  /** A delivery is sent without a claim (JetStream did not answer). */
  onUnclaimedSend?: () => void;
  /** How often outcomes that could not be written are tried again, ms. @defaultValue 1000 */
  retryMs?: number;
}

/**
 * Delivery claims in a JetStream KV bucket (one key per delivery), so that one node sends a
 * notification every node queued. The decision is `decideClaim`; this class reads the
 * claim, writes it by compare-and-set (`kvCompareAndSet`: a race has one winner, even on
 * nats-server 2.9) and writes the outcome back. Without quorum it answers for itself (the
 * coordinator sends, unclaimed) and keeps the outcomes it could not write, to write them
 * when the bucket answers again, so that the other nodes do not send them once more.
 */
export class KvDeliveryClaims implements DeliveryClaims {
  private readonly unwritten = new Map<string, DeliveryOutcome>();
  private timer: TimerHandle | null = null;

  constructor(private readonly options: KvDeliveryClaimsOptions) {}

  start(): void {
    const tick = () => {
      void this.writeUnwritten().finally(() => {
        if (this.timer) this.timer = this.options.clock.setTimer(tick, this.retryMs);
      });
    };
    this.timer = this.options.clock.setTimer(tick, this.retryMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  async claim(delivery: DeliveryRef): Promise<ClaimAnswer> {
    const { clock, node, log } = this.options;
    const context = this.contextOf(delivery);
    const early = waitBeforeReading(context);
    if (early) return { kind: 'wait', until: early.until };
    const key = deliveryClaimKey(delivery.id);
    let read: { revision: number; claim: Claim | null };
    try {
      read = await this.read(key);
    } catch (error) {
      log.warn({ delivery: delivery.id, error: describeError(error) }, 'delivery claim not read');
      return this.withoutQuorum(delivery);
    }
    const decision = decideClaim(read.claim, context);
    if (decision.kind === 'wait' || decision.kind === 'settled') return decision;
    // Claim, take over or renew: write this node's claim at the revision read.
    const now = clock.now();
    const mine: Claim = { delivery: delivery.id, node, at: now, until: now + this.options.leaseMs };
    try {
      const outcome = await kvCompareAndSet(
        this.options.bucket,
        key,
        read.revision,
        JSON.stringify(mine),
      );
      // Another node got there first: look again soon (it may send, or die).
      if ('conflict' in outcome) return { kind: 'wait', until: now + this.options.graceMs };
    } catch (error) {
      log.warn({ delivery: delivery.id, error: describeError(error) }, 'delivery not claimed');
      return this.withoutQuorum(delivery);
    }
    if (decision.kind === 'take-over') {
      log.info(
        { delivery: delivery.id, from: read.claim?.node },
        'delivery taken over from a dead or overdue node',
      );
    }
    return { kind: 'send' };
  }

  /** The bucket did not answer: the preferred node sends unclaimed, the others wait. */
  private withoutQuorum(delivery: DeliveryRef): ClaimAnswer {
    const decision = decideClaim('unreachable', this.contextOf(delivery));
    if (decision.kind === 'wait') return decision;
    this.options.onUnclaimedSend?.();
    this.options.log.warn(
      { delivery: delivery.id },
      'sending a notification without a cluster-wide claim (JetStream does not answer): another node may send it too',
    );
    return { kind: 'send' };
  }

  async settle(deliveryId: string, outcome: DeliveryOutcome): Promise<void> {
    if (!(await this.write(deliveryId, outcome, 'warn'))) this.unwritten.set(deliveryId, outcome);
  }

  private get retryMs(): number {
    return this.options.retryMs ?? 1000;
  }

  private contextOf(delivery: DeliveryRef): ClaimContext {
    const { node, clock, live, coordinates, graceMs } = this.options;
    return {
      self: node,
      live: new Set(live()),
      preferred: delivery.monitorId === null || coordinates(delivery.monitorId),
      createdAt: delivery.createdAt,
      now: clock.now(),
      graceMs,
    };
  }

  private async read(key: string): Promise<{ revision: number; claim: Claim | null }> {
    const latest = await kvLatest(this.options.bucket, key);
    if (latest.data === null) return { revision: latest.revision, claim: null };
    const parsed = claimSchema.safeParse(parseJson(latest.data));
    // A malformed claim protects nothing: it is replaced as if its holder were dead.
    if (!parsed.success) {
      return {
        revision: latest.revision,
        claim: { delivery: '', node: '', at: 0, until: 0 },
      };
    }
    return { revision: latest.revision, claim: parsed.data };
  }

  /**
   * Writes an outcome into the claim (compare-and-set, read again on a race); true once it
   * is written or not this node's to write (another node took the claim over and may still
   * send it: a retry of ours must not take it back).
   */
  private async write(
    deliveryId: string,
    outcome: DeliveryOutcome,
    level: 'warn' | 'debug',
  ): Promise<boolean> {
    const { clock, node, log, bucket, leaseMs } = this.options;
    const key = deliveryClaimKey(deliveryId);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const read = await this.read(key);
        if (read.claim?.outcome) return true;
        const ours = read.claim === null || read.claim.node === node;
        if (outcome.kind === 'retry' && !ours) return true;
        const now = clock.now();
        const claim: Claim = {
          delivery: deliveryId,
          node,
          at: now,
          until: outcome.kind === 'retry' ? outcome.retryAt + leaseMs : now,
          ...(outcome.kind === 'retry' ? {} : { outcome: outcome.kind }),
        };
        const written = await kvCompareAndSet(bucket, key, read.revision, JSON.stringify(claim));
        if ('written' in written) return true;
      }
      return false;
    } catch (error) {
      log[level](
        { delivery: deliveryId, outcome: outcome.kind, error: describeError(error) },
        'delivery outcome not written yet (JetStream does not answer); trying again',
      );
      return false;
    }
  }

  private async writeUnwritten(): Promise<void> {
    for (const [deliveryId, outcome] of [...this.unwritten]) {
      // Tried every second while JetStream is away: logged once, by settle.
      if (!(await this.write(deliveryId, outcome, 'debug'))) return;
      if (this.unwritten.get(deliveryId) === outcome) this.unwritten.delete(deliveryId);
    }
  }
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
