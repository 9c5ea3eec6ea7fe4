import { roundMs } from '../http-client/index.js';
import type { CheckDetails, CheckOutcome } from './types.js';

// Latencies are rounded as the HTTP client rounds its timings, so the two compare.
export { roundMs };

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

/** No verdict yet: nothing is recorded (see CheckOutcome.status). */
export function pending(): CheckOutcome {
  return { status: 'pending', latencyMs: 0 };
}
