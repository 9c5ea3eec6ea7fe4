import type { Logger } from 'pino';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import {
  decodeHeartbeat,
  encodeHeartbeat,
  MemberTable,
  sameMembers,
  type MemberView,
} from './members.js';
import type { Member } from './rendezvous.js';
import type { WireLog } from './wire.js';

export const HEARTBEAT_SUBJECT = 'tireless.v1.heartbeat';

export interface MembershipOptions {
  nc: NatsConnection;
  self: Member & { version: string };
  clock: Clock;
  log: Logger;
  /** How often this node says it is alive, ms. @defaultValue 1000 */
  heartbeatMs?: number;
  /** A node not heard for this long is dead, ms. @defaultValue 3000 */
  deadAfterMs?: number;
  /** Counts and logs the heartbeats passed over. */
  wire: WireLog;
  /** Called with the new live members (ordered by id) whenever they change. */
  onChange?: (members: readonly Member[]) => void;
}

/**
 * Cluster membership over core NATS heartbeats: every node publishes one every second and
 * listens to everyone's; the live set is a pure function of what was heard and when
 * (`MemberTable`). A malformed heartbeat is counted and logged (`WireLog`), never fatal;
 * one of a newer version counts by its envelope (see WIRE_VERSION).
 */
export class Membership {
  private readonly table: MemberTable;
  private readonly heartbeatMs: number;
  private members: Member[];
  private subscription: Subscription | null = null;
  private timer: TimerHandle | null = null;

  constructor(private readonly options: MembershipOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.table = new MemberTable(options.self, options.deadAfterMs ?? 3000);
    this.members = this.table.live(options.clock.now());
  }

  /** The live members now, this node included, ordered by id. */
  get live(): readonly Member[] {
    return this.members;
  }

  /** Every node heard of, for `GET /api/v1/cluster`. */
  view(): MemberView[] {
    return this.table.view(this.options.clock.now());
  }

  start(): void {
    const subscription = this.options.nc.subscribe(HEARTBEAT_SUBJECT, {
      callback: (error, message) => {
        if (error) return;
        this.receive(message.data);
      },
    });
    this.subscription = subscription;
    this.tick();
  }

  /** Says goodbye (peers drop this node at once) and stops. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    const subscription = this.subscription;
    this.subscription = null;
    if (this.options.nc.isClosed()) return;
    this.publish(true);
    await subscription?.drain();
  }

  private tick(): void {
    this.publish(false);
    this.refresh();
    this.timer = this.options.clock.setTimer(() => this.tick(), this.heartbeatMs);
  }

  private publish(leaving: boolean): void {
    const { self, clock, nc, log } = this.options;
    const beat = {
      node: self.id,
      region: self.region,
      version: self.version,
      sentAt: clock.now(),
      ...(leaving ? { leaving } : {}),
    };
    try {
      nc.publish(HEARTBEAT_SUBJECT, encodeHeartbeat(beat));
    } catch (error) {
      log.warn({ error: describeError(error) }, 'heartbeat not sent');
    }
  }

  private receive(data: Uint8Array): void {
    const decoded = decodeHeartbeat(data);
    if (decoded.outcome === 'rejected') {
      this.options.wire.rejected('heartbeats', decoded.reason, { bytes: data.length });
      return;
    }
    const { beat } = decoded;
    if (decoded.outcome === 'newer') {
      this.options.wire.newer('heartbeats', decoded.v, { node: beat.node });
    }
    this.options.log.trace({ node: beat.node }, 'heartbeat');
    this.table.hear(beat, this.options.clock.now());
    if (beat.leaving) this.refresh();
  }

  private refresh(): void {
    const live = this.table.live(this.options.clock.now());
    if (sameMembers(live, this.members)) return;
    this.members = live;
    this.options.log.info({ members: live.map((m) => `${m.id}@${m.region}`) }, 'cluster members');
    this.options.onChange?.(live);
  }
}
