import { z } from 'zod';

/**
 * A delivery's claim as kept in the deliveries bucket: who sends it, since when, until
 * when others leave it alone, and how it ended.
 */
export const claimSchema = z.object({
  /** The delivery id (the key is an encoding of it). */
  delivery: z.string(),
  /** The node that holds it. */
  node: z.string(),
  /** When it was claimed or last renewed, by the holder's clock (ms). */
  at: z.number(),
  /** Until when the holder may take to send it (or to retry it), ms. */
  until: z.number(),
  /** Set once the holder sent it or gave up: no node sends it again. */
  outcome: z.enum(['sent', 'failed']).optional(),
});
export type Claim = z.infer<typeof claimSchema>;

export interface ClaimContext {
  /** This node's id. */
  self: string;
  /** Ids of the live members (this node included). */
  live: ReadonlySet<string>;
  /**
   * Whether this node should try first: it coordinates the delivery's monitor, or it alone
   * queued the delivery (a channel test).
   */
  preferred: boolean;
  /** When the delivery was first due, ms (the same on every node). */
  createdAt: number;
  now: number;
  /** How long other nodes leave a new delivery to the preferred one, ms. */
  graceMs: number;
}

/** What to do with a delivery, given its claim as read (or that the bucket did not answer). */
export type ClaimDecision =
  /** Nobody holds it: create the claim, then send. */
  | { kind: 'claim' }
  /** Its holder is dead or overdue: replace the claim at the revision read, then send. */
  | { kind: 'take-over' }
  /** This node holds it already (a retry, or a restart after a crash): renew, then send. */
  | { kind: 'renew' }
  /** No quorum and this node should send: send without a claim (a copy may go twice). */
  | { kind: 'send-unclaimed' }
  | { kind: 'wait'; until: number }
  | { kind: 'settled'; outcome: 'sent' | 'failed'; node: string };

/**
 * Before reading the bucket: a node that is not preferred leaves a new delivery to the
 * preferred one for `graceMs` after it was due (`undefined`: read the claim now).
 */
export function waitBeforeReading(context: ClaimContext): { until: number } | undefined {
  const until = context.createdAt + context.graceMs;
  return context.preferred || context.now >= until ? undefined : { until };
}

/**
 * Decides from a delivery's claim (null: none; `unreachable`: the bucket did not answer)
 * whether this node sends it. Pure: a table of fixed times tests it.
 */
export function decideClaim(claim: Claim | null | 'unreachable', c: ClaimContext): ClaimDecision {
  const recheck = c.now + c.graceMs;
  if (claim === 'unreachable') {
    // A missing alert is worse than a duplicate, but every node sending would be three: the
    // preferred node — the coordinator, computed over the live members — sends alone; when
    // it dies, the next one is preferred.
    return c.preferred ? { kind: 'send-unclaimed' } : { kind: 'wait', until: recheck };
  }
  if (claim === null) {
    const early = waitBeforeReading(c);
    return early ? { kind: 'wait', until: early.until } : { kind: 'claim' };
  }
  if (claim.outcome) return { kind: 'settled', outcome: claim.outcome, node: claim.node };
  if (claim.node === c.self) return { kind: 'renew' };
  if (!c.live.has(claim.node) || c.now >= claim.until) return { kind: 'take-over' };
  // Its holder is alive and within its time: look again soon, in case it dies.
  return { kind: 'wait', until: Math.min(claim.until, recheck) };
}
