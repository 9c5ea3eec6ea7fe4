/**
 * Rendezvous (highest random weight) hashing: every node computes, from the same list of
 * live members, the same owner for every monitor, with no coordination. When a node dies,
 * only the monitors it owned move, each to the node that scored next for it.
 */

/** A live node of the cluster. */
export interface Member {
  id: string;
  region: string;
}

export interface MonitorOwners {
  /** The nodes that check the monitor: the top-scoring node of each chosen region. */
  checkers: Member[];
  /** The top-scoring node overall: it judges the monitor and sends its notifications. */
  coordinator: Member | undefined;
}

/**
 * Who checks and who coordinates `monitorId` among `members`: nodes are ranked by their
 * score for this monitor; each region is represented by its best node; the `locations`
 * best regions check it (all regions when there are fewer). The coordinator is the best
 * node overall, so it is always one of the checkers.
 */
export function ownersOf(
  monitorId: string,
  members: readonly Member[],
  locations: number,
): MonitorOwners {
  const ranked = members
    .map((member) => ({ member, score: score(monitorId, member.id) }))
    // Ties are all but impossible, but every node must still break them alike.
    .sort((a, b) => b.score - a.score || (a.member.id < b.member.id ? -1 : 1));
  const checkers: Member[] = [];
  const regions = new Set<string>();
  for (const { member } of ranked) {
    if (checkers.length >= locations) break;
    if (regions.has(member.region)) continue;
    regions.add(member.region);
    checkers.push(member);
  }
  return { checkers, coordinator: ranked[0]?.member };
}

/**
 * A well-mixed 53-bit score for (monitor, node): two 32-bit FNV-1a hashes of the pair,
 * each through murmur3's finaliser. Not cryptographic: it only has to spread evenly and be
 * the same on every node, in every version (changing it moves every monitor at once).
 */
export function score(monitorId: string, nodeId: string): number {
  const key = `${monitorId}\u0000${nodeId}`;
  let high = 0x811c9dc5;
  let low = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x01000193) ^ (low >>> 13);
  }
  return (fmix32(high) >>> 11) * 2 ** 32 + fmix32(low);
}

function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
