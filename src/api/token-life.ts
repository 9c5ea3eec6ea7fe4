/**
 * When a token stops working, and when a request records that a session was used: pure
 * functions of the token, the settings and `now`.
 */
import type { Token } from '../model/index.js';

/** How long sessions live. */
export interface SessionLimits {
  /** A session not used for this long ends, ms. */
  idleMs: number;
  /** A session ends this long after it began, used or not, ms. */
  maxAgeMs: number;
}

/**
 * How old a session's recorded `lastSeenAt` may get before a request records it again, ms.
 * The idle clock so costs one config write (in a cluster, a replicated KV write) per active
 * session per 5 minutes, not one per request; the price is that a session may end up to this
 * much before `idleMs` of real idleness (never after).
 */
export const LAST_SEEN_EVERY_MS = 5 * 60_000;

/**
 * When `token` stops working, ms since the epoch; null: never (an API token without expiry).
 * A session ends at the first of: its stored `expiresAt`, `maxAgeMs` after it began, and
 * `idleMs` after it was last seen. Limits are those in force now: lowering a setting
 * shortens sessions that exist; raising one does not outlast their stored `expiresAt`.
 */
export function tokenEndsAt(token: Token, limits: SessionLimits): number | null {
  if (token.kind !== 'session') return token.expiresAt;
  const lastSeen = token.lastSeenAt ?? token.createdAt;
  return Math.min(
    token.expiresAt ?? Infinity,
    token.createdAt + limits.maxAgeMs,
    lastSeen + limits.idleMs,
  );
}

/** Whether `token` no longer works at `now`. */
export function isExpired(token: Token, now: number, limits: SessionLimits): boolean {
  const endsAt = tokenEndsAt(token, limits);
  return endsAt !== null && endsAt <= now;
}

/** Whether a request at `now` records that `token` was seen: a session seen LAST_SEEN_EVERY_MS ago or more. */
export function lastSeenDue(token: Token, now: number): boolean {
  return (
    token.kind === 'session' && now - (token.lastSeenAt ?? token.createdAt) >= LAST_SEEN_EVERY_MS
  );
}
