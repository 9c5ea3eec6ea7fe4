import { z } from 'zod';
import type { Member } from './rendezvous.js';
import { decodeVersioned, WIRE_VERSION } from './wire.js';

/** Largest heartbeat read, bytes (one is about 120). */
export const MAX_HEARTBEAT_BYTES = 4096;

/**
 * What a node says about itself every second on core NATS (not JetStream: liveness must
 * flow even when JetStream has no quorum), version 1 (see WIRE_VERSION). Unknown fields are
 * ignored, so a node of a newer version can add some without confusing an older one.
 */
export const heartbeatSchema = z.object({
  node: z.string().min(1).max(100),
  region: z.string().min(1).max(100),
  version: z.string().max(50),
  /** The sender's clock, ms since the epoch: shown, never trusted for liveness. */
  sentAt: z.number(),
  /** Set in the last heartbeat of a node that stops on purpose: its peers drop it at once. */
  leaving: z.boolean().optional(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** The part of a heartbeat that means the same in every version: who is alive, and where. */
const envelopeSchema = z.object({
  node: z.string().min(1).max(100),
  region: z.string().min(1).max(100),
  version: z.string().max(50).catch('newer'),
  leaving: z.boolean().optional().catch(undefined),
});

/** The heartbeat a node sends, as bytes. */
export function encodeHeartbeat(beat: Heartbeat): string {
  return JSON.stringify({ v: WIRE_VERSION, ...beat });
}

/**
 * Reads a heartbeat. One of a newer version is read by its envelope alone (`newer`), so
 * its sender still counts as alive: nodes of two versions agree on who checks what.
 */
export function decodeHeartbeat(
  data: Uint8Array,
):
  | { outcome: 'ok' | 'newer'; beat: Heartbeat; v: number }
  | { outcome: 'rejected'; reason: string } {
  const decoded = decodeVersioned(data, {
    what: 'heartbeat',
    maxBytes: MAX_HEARTBEAT_BYTES,
    readers: { 1: heartbeatSchema },
  });
  if (decoded.outcome !== 'newer') {
    return decoded.outcome === 'ok'
      ? { outcome: 'ok', beat: decoded.value, v: decoded.v }
      : decoded;
  }
  const envelope = envelopeSchema.safeParse(decoded.json);
  if (!envelope.success) {
    return {
      outcome: 'rejected',
      reason: `heartbeat of version ${decoded.v} without node and region`,
    };
  }
  const { leaving, ...rest } = envelope.data;
  return {
    outcome: 'newer',
    beat: { ...rest, sentAt: 0, ...(leaving === undefined ? {} : { leaving }) },
    v: decoded.v,
  };
}

export interface MemberView extends Member {
  version: string;
  /** When this node last heard it, by this node's clock (ms). */
  lastHeardAt: number;
  alive: boolean;
  self: boolean;
}

/**
 * Who is alive, from the heartbeats heard: a pure table over (heartbeats, now). A node not
 * heard for `deadAfterMs` is dead; this node itself is always alive.
 */
export class MemberTable {
  private readonly heard = new Map<string, { beat: Heartbeat; at: number }>();

  constructor(
    private readonly self: Member & { version: string },
    private readonly deadAfterMs: number,
  ) {}

  /** Records a heartbeat heard at `now` (this node's clock). */
  hear(beat: Heartbeat, now: number): void {
    if (beat.node === this.self.id) return;
    if (beat.leaving) this.heard.delete(beat.node);
    else this.heard.set(beat.node, { beat, at: now });
  }

  /** The live members, this node included, ordered by id. */
  live(now: number): Member[] {
    return this.view(now)
      .filter((member) => member.alive)
      .map(({ id, region }) => ({ id, region }));
  }

  /** Every node heard of, alive or not, for status pages; ordered by id. */
  view(now: number): MemberView[] {
    const others = [...this.heard.values()].map(({ beat, at }) => ({
      id: beat.node,
      region: beat.region,
      version: beat.version,
      lastHeardAt: at,
      alive: now - at < this.deadAfterMs,
      self: false,
    }));
    const self = { ...this.self, lastHeardAt: now, alive: true, self: true };
    return [self, ...others].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** Whether two member lists (ordered by id) name the same nodes in the same regions. */
export function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  return (
    a.length === b.length &&
    a.every((member, i) => member.id === b[i]?.id && member.region === b[i]?.region)
  );
}
