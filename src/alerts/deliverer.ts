import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import {
  soloDeliveryClaims,
  type DeliveryClaims,
  type DeliveryOutcome,
  type DeliveryRef,
} from '../cluster/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import type { Channel } from '../model/index.js';
import type { AddressGuard } from '../net-guard/index.js';
import { getNotifier, type Notification } from '../notify/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { Delivery, Store } from '../store/index.js';
import { fieldProblems } from '../validation/index.js';
import { retryDelay } from './backoff.js';

export interface DelivererOptions {
  /** How often the queue is polled when nothing wakes it, ms. @defaultValue 1000 */
  pollMs?: number;
  /** Limit for one send attempt, ms. @defaultValue 10000 */
  sendTimeoutMs?: number;
  /** Deliveries sent at once at most. @defaultValue 20 */
  batch?: number;
  /**
   * When set, channels may not send to the addresses it refuses (SSRF guard for shared
   * deployments, setting blockPrivateTargets); such a delivery is given up.
   */
  addressGuard?: AddressGuard;
  /** Called after each attempt (metrics). */
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed', delivery: Delivery) => void;
  /**
   * Which node sends a delivery that every node of a cluster queued, asked before each
   * attempt and told its outcome. @defaultValue soloDeliveryClaims (this node, always)
   */
  claims?: DeliveryClaims;
}

/** Limit for one send attempt when none is set, ms. */
const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/**
 * How long a delivery is hidden while it is sent (its lease), ms: three send timeouts. A
 * sender that died is replaced once it ends; in a cluster, other nodes leave a claim alone
 * for as long.
 */
export function deliveryLeaseMs(sendTimeoutMs = DEFAULT_SEND_TIMEOUT_MS): number {
  return 3 * sendTimeoutMs;
}

type DeliveryQueue = Pick<
  Store,
  | 'claimDueDeliveries'
  | 'markDelivered'
  | 'markDeliveryFailed'
  | 'postponeDelivery'
  | 'settleDeliveryElsewhere'
  | 'getScoped'
>;

/**
 * Sends what the durable queue holds: claims due deliveries, sends each through its
 * channel's notifier, and records success, a retry with backoff, or giving up. A failing or
 * slow channel holds up nothing but itself: every send has its own timeout. In a cluster
 * every node queues the same deliveries, and `DeliveryClaims` says which one sends: the
 * others leave their copy pending until they learn the outcome (or the sender dies).
 */
export class Deliverer {
  private timer: TimerHandle | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly busyChannels = new Set<string>();
  private started = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly pollMs: number;
  private readonly sendTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly claims: DeliveryClaims;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: DelivererOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.maxInFlight = options.batch ?? 20;
    this.claims = options.claims ?? soloDeliveryClaims;
    setMaxListeners(0, this.abort.signal); // every send in flight listens to it
  }

  start(): void {
    this.started = true;
    this.poll();
  }

  /** Looks at the queue now (new deliveries were queued). */
  wake(): void {
    this.pump();
  }

  /** Stops taking deliveries; resolves when the sends in flight have settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.abort.abort();
    await Promise.all([...this.inFlight]);
  }

  private poll(): void {
    this.pump();
    if (!this.stopped) this.timer = this.clock.setTimer(() => this.poll(), this.pollMs);
  }

  /**
   * Starts as many due deliveries as there is room for, one at a time per channel. Each send
   * frees its place when it settles and pumps again, so a slow channel holds one place, not
   * the queue.
   */
  private pump(): void {
    // Not before start: in a cluster, not before this node knows its peers.
    if (!this.started || this.stopped) return;
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    const due = this.queue.claimDueDeliveries(
      this.clock.now(),
      room,
      deliveryLeaseMs(this.sendTimeoutMs),
      [...this.busyChannels],
    );
    for (const delivery of due) {
      this.busyChannels.add(delivery.channelId);
      const sending: Promise<void> = this.attempt(delivery).finally(() => {
        this.inFlight.delete(sending);
        this.busyChannels.delete(delivery.channelId);
        this.pump();
      });
      this.inFlight.add(sending);
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const claim = await this.claims.claim(refOf(delivery));
    if (claim.kind === 'wait') {
      // Later rows of the channel wait behind this one: the channel's order holds.
      this.queue.postponeDelivery(delivery.id, claim.until);
      return;
    }
    if (claim.kind === 'settled') {
      this.queue.settleDeliveryElsewhere(
        delivery.id,
        claim.outcome,
        this.clock.now(),
        claim.outcome === 'sent' ? null : `given up by node ${claim.node}`,
      );
      this.log.debug({ delivery: delivery.id, node: claim.node }, 'notification settled elsewhere');
      return;
    }
    let outcome: DeliveryOutcome;
    try {
      await this.send(delivery);
      this.queue.markDelivered(delivery.id, this.clock.now());
      outcome = { kind: 'sent' };
      this.log.info({ delivery: delivery.id, channel: delivery.channelId }, 'notification sent');
    } catch (error) {
      outcome = this.recordFailure(delivery, error);
    }
    await this.claims.settle(delivery.id, outcome);
    this.options.onAttempt?.(outcome.kind, delivery);
  }

  /** Records a failed attempt: a retry with backoff, or giving up. */
  private recordFailure(delivery: Delivery, error: unknown): DeliveryOutcome {
    const retryable = !(error instanceof TirelessError) || error.retryable;
    const delay = this.stopped ? 0 : retryDelay(delivery.attempts, retryable);
    const message = describeError(error);
    const retryAt = delay === null ? null : this.clock.now() + delay;
    this.queue.markDeliveryFailed(delivery.id, message, retryAt);
    this.log.warn(
      {
        delivery: delivery.id,
        channel: delivery.channelId,
        attempts: delivery.attempts + 1,
        error: message,
      },
      retryAt === null ? 'notification failed for good' : 'notification failed; will retry',
    );
    return retryAt === null ? { kind: 'failed' } : { kind: 'retry', retryAt };
  }

  private async send(delivery: Delivery): Promise<void> {
    const channel = this.queue.getScoped<Channel>(
      'channel',
      delivery.accountId,
      delivery.channelId,
    );
    if (!channel) {
      throw new TirelessError('TIRELESS_DELIVERY', 'the channel no longer exists', {
        retryable: false,
      });
    }
    const notifier = getNotifier(channel.type);
    if (!notifier) {
      throw new TirelessError('TIRELESS_DELIVERY', `unknown channel type ${channel.type}`, {
        retryable: false,
      });
    }
    const config = notifier.config.safeParse(
      this.secrets.openFields(
        channel.config,
        notifier.secretFields,
        { accountId: channel.accountId, kind: 'channel', id: channel.id },
        'config.',
      ),
    );
    if (!config.success) {
      const problems = fieldProblems(config.error, 'config').map((p) => `${p.field}: ${p.problem}`);
      throw new TirelessError(
        'TIRELESS_DELIVERY',
        `the channel's settings are invalid: ${problems.join('; ')}`,
        { retryable: false },
      );
    }
    // Each notifier bounds its attempt with a Deadline of timeoutMs under this node's signal.
    await notifier.send(delivery.payload as Notification, config.data, {
      timeoutMs: this.sendTimeoutMs,
      now: this.clock.now(),
      signal: this.abort.signal,
      addressGuard: this.options.addressGuard,
    });
  }
}

/** A delivery as the claims see it; a channel test (queued by one node only) has no monitor. */
function refOf(delivery: Delivery): DeliveryRef {
  const payload = delivery.payload as Partial<Notification> | null;
  const monitorId = delivery.event === 'test' ? null : (payload?.monitor?.id ?? null);
  return { id: delivery.id, createdAt: delivery.createdAt, monitorId };
}
