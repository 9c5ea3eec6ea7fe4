/**
 * The slot grid. A monitor with interval `i` seconds owns slots at `k·i·1000 + offset` ms
 * since the epoch, where the offset is a stable hash of its id modulo the interval. Every
 * node computes the same grid, so a result names exactly one slot and a slot nobody
 * checked is a measurable gap.
 */

/** FNV-1a, 32 bit: stable across processes and platforms, cheap, well spread. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The monitor's offset on the grid, in ms, in [0, intervalMs). */
export function slotOffset(monitorId: string, intervalMs: number): number {
  return stableHash(monitorId) % intervalMs;
}

/** The latest slot at or before `at` (ms). */
export function slotAtOrBefore(monitorId: string, intervalMs: number, at: number): number {
  const offset = slotOffset(monitorId, intervalMs);
  return Math.floor((at - offset) / intervalMs) * intervalMs + offset;
}

/** The first slot strictly after `at` (ms). */
export function slotAfter(monitorId: string, intervalMs: number, at: number): number {
  return slotAtOrBefore(monitorId, intervalMs, at) + intervalMs;
}

/** Whether `slot` lies on the monitor's grid. */
export function isOnGrid(monitorId: string, intervalMs: number, slot: number): boolean {
  return slotAtOrBefore(monitorId, intervalMs, slot) === slot;
}
