import type { CheckJob, CheckPool } from '../check-pool/index.js';
import type { Clock } from '../clock/index.js';
import type { Metrics } from '../metrics/index.js';
import {
  monitorLocations,
  monitorOptions,
  TIMING_PHASES,
  type Monitor,
  type ResultTiming,
} from '../model/index.js';
import type { CheckedResult } from '../store/index.js';

/** A monitor as the scheduler keeps it: parsed once, checked many times. */
export interface ScheduledMonitor {
  id: string;
  accountId: string;
  type: string;
  intervalSeconds: number;
  paused: boolean;
  timeoutMs: number;
  options: Record<string, unknown>;
  /** Its `locations` (regions that check it). */
  locations: number;
}

export function toScheduled(monitor: Monitor): ScheduledMonitor {
  return {
    id: monitor.id,
    accountId: monitor.accountId,
    type: monitor.type,
    intervalSeconds: monitor.intervalSeconds,
    paused: monitor.paused,
    timeoutMs: Math.round(monitor.timeoutSeconds * 1000),
    options: monitorOptions(monitor),
    locations: monitorLocations(monitor).locations,
  };
}

export interface SlotCheckerDeps {
  clock: Clock;
  node: string;
  region: string;
  metrics: Metrics;
  pool: CheckPool;
  lastPushAt(monitorId: string): number | undefined;
  /** How many locations check a monitor of several now (this node's assignment). */
  checkingLocations(monitorId: string): number;
  record(result: CheckedResult): void;
}

/**
 * Runs one check of one slot in the check pool and records its result. A check the pool
 * could not run (shutting down, worker replaced) records nothing: its slot stays a gap.
 */
export function createSlotChecker(deps: SlotCheckerDeps) {
  return async (
    monitor: ScheduledMonitor,
    slot: number,
    started: () => void,
    checkingSince: number,
  ): Promise<void> => {
    const handedOverAt = deps.clock.now();
    const lastPushAt = monitor.type === 'push' ? deps.lastPushAt(monitor.id) : undefined;
    const job: CheckJob = {
      monitorId: monitor.id,
      type: monitor.type,
      options: monitor.options,
      timeoutMs: monitor.timeoutMs,
      intervalMs: monitor.intervalSeconds * 1000,
      now: handedOverAt,
      checkingSince,
      ...(lastPushAt === undefined ? {} : { lastPushAt }),
    };
    const ran = await deps.pool.run(job, started);
    if (!ran) return;
    // When the check really started (in its thread, before connecting), not when it was handed over.
    const { outcome, startedAt: checkedAt } = ran;
    deps.metrics.lateness.observe(Math.max(0, checkedAt - slot) / 1000);
    deps.metrics.checks.inc({ type: monitor.type, status: outcome.status });
    deps.metrics.checkDuration.observe({ type: monitor.type }, outcome.latencyMs / 1000);
    // No verdict yet (a push monitor's first period): the slot stays a gap.
    if (outcome.status === 'pending') return;
    // The phases go with the result itself (stored, sent); the rest of the details are judged only.
    const { timing, ...details } = outcome.details ?? {};
    deps.record({
      monitorId: monitor.id,
      slot,
      checkedAt,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      node: deps.node,
      region: deps.region,
      // Recorded with the result, so that every replica judges its slot alike.
      ...(monitor.locations < 2 ? {} : { locationsChecking: deps.checkingLocations(monitor.id) }),
      ...(timing === undefined ? {} : { timing: phasesOf(timing) }),
      ...(Object.keys(details).length === 0 ? {} : { details }),
    });
  };
}

/** The phases a result keeps of an HTTP check's timing (its total is the result's latency). */
function phasesOf(timing: ResultTiming): ResultTiming {
  return Object.fromEntries(
    TIMING_PHASES.flatMap((phase) => (timing[phase] === undefined ? [] : [[phase, timing[phase]]])),
  );
}
