/**
 * A node's link to its cluster, as a pure function of what it knows:
 * - `joined`: it joined, and JetStream answered it within `deadAfterMs`;
 * - `island`: it sees no other node and JetStream does not answer (no server reachable, no
 *   quorum, or it never joined since it started): it checks every monitor it knows, alerts
 *   directly and keeps its results in its outbox;
 * - `no-quorum`: it sees other nodes (core NATS flows) but JetStream does not answer: they
 *   share the work as usual, and results wait in the outboxes.
 * Config writes need `joined`.
 */
export type LinkState = 'joined' | 'island' | 'no-quorum';

export interface LinkFacts {
  /** Whether the join (buckets, key check, config catch-up) is done. */
  joined: boolean;
  /** When JetStream last answered this node, ms since the epoch (-Infinity: never). */
  answeredAt: number;
  /** Why JetStream did not answer (or the join failed), the last time it did not. */
  problem: string | undefined;
  /** Other nodes heard alive now. */
  livePeers: number;
}

export interface LinkView {
  state: LinkState;
  /** When the node entered this state, ms since the epoch. */
  since: number;
  /** Why it is not `joined`, in words for an operator. */
  reason?: string;
}

/** The state for these facts at `now`, and why when it is not `joined`. */
export function linkStateOf(
  facts: LinkFacts,
  now: number,
  deadAfterMs: number,
): { state: LinkState; reason?: string } {
  if (facts.joined && now - facts.answeredAt < deadAfterMs) return { state: 'joined' };
  const problem = facts.problem ?? 'no answer';
  const reason = facts.joined
    ? `JetStream has not answered for ${Math.round((now - facts.answeredAt) / 1000)} s (${problem}): no server reachable, or no quorum`
    : `not joined to the cluster since this node started (${problem})`;
  return { state: facts.livePeers > 0 ? 'no-quorum' : 'island', reason };
}

/**
 * Follows the state over time: `update` gives the view and says when the node has just
 * come back to `joined` from elsewhere (the moment to resume what the outage stopped).
 */
export class LinkTracker {
  private current: LinkView;

  constructor(
    private readonly deadAfterMs: number,
    initial: LinkFacts,
    now: number,
  ) {
    this.current = { ...linkStateOf(initial, now, deadAfterMs), since: now };
  }

  get view(): LinkView {
    return this.current;
  }

  update(facts: LinkFacts, now: number): { view: LinkView; changed: boolean; rejoined: boolean } {
    const next = linkStateOf(facts, now, this.deadAfterMs);
    const previous = this.current.state;
    const changed = next.state !== previous;
    this.current = { ...next, since: changed ? now : this.current.since };
    return { view: this.current, changed, rejoined: changed && next.state === 'joined' };
  }
}
