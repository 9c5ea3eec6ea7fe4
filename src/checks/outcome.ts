import type { CheckDetails, CheckOutcome } from './types.js';

/** Rounds a duration to 0.1 ms: finer is noise, coarser hides loopback and LAN latencies. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Milliseconds elapsed since `start`, a `performance.now()` reading. */
export function msSince(start: number): number {
  return roundMs(performance.now() - start);
}

export function up(latencyMs: number, details?: CheckDetails): CheckOutcome {
  return details ? { status: 'up', latencyMs, details } : { status: 'up', latencyMs };
}

export function down(latencyMs: number, error: string, details?: CheckDetails): CheckOutcome {
  return details
    ? { status: 'down', latencyMs, error, details }
    : { status: 'down', latencyMs, error };
}
