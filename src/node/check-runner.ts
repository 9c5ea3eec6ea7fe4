import { getChecker, type AddressGuard, type CheckOutcome } from '../checks/index.js';
import type { Clock } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import { monitorOptions, type Monitor } from '../model/index.js';
import type { CheckedResult } from '../store/index.js';

/** A monitor as the scheduler keeps it: parsed once, checked many times. */
export interface ScheduledMonitor {
  id: string;
  type: string;
  intervalSeconds: number;
  paused: boolean;
  timeoutMs: number;
  options: Record<string, unknown>;
}

export function toScheduled(monitor: Monitor): ScheduledMonitor {
  return {
    id: monitor.id,
    type: monitor.type,
    intervalSeconds: monitor.intervalSeconds,
    paused: monitor.paused,
    timeoutMs: Math.round(monitor.timeoutSeconds * 1000),
    options: monitorOptions(monitor),
  };
}

export interface CheckRunnerDeps {
  clock: Clock;
  node: string;
  region: string;
  metrics: Metrics;
  /** Aborted at shutdown. */
  shutdown: AbortSignal;
  addressGuard?: AddressGuard;
  lastPushAt(monitorId: string): number | undefined;
  record(result: CheckedResult): void;
}

/**
 * Runs one check of one slot and records its result; a checker that throws is a down result.
 * Each check gets its own abort signal, aborted at shutdown through a set: thousands of
 * listeners on one shared signal would make every removal scan them all.
 */
export function createCheckRunner(deps: CheckRunnerDeps) {
  const running = new Set<AbortController>();
  deps.shutdown.addEventListener('abort', () => {
    for (const check of running) check.abort();
  });
  return async (monitor: ScheduledMonitor, slot: number): Promise<void> => {
    const checkedAt = deps.clock.now();
    deps.metrics.lateness.observe(Math.max(0, checkedAt - slot) / 1000);
    const abort = new AbortController();
    running.add(abort);
    if (deps.shutdown.aborted) abort.abort();
    const outcome = await runChecker(monitor, checkedAt, abort.signal, deps).finally(() =>
      running.delete(abort),
    );
    if (deps.shutdown.aborted && outcome.status === 'down') return; // cut short by shutdown: not a finding
    deps.metrics.checks.inc({ type: monitor.type, status: outcome.status });
    deps.metrics.checkDuration.observe({ type: monitor.type }, outcome.latencyMs / 1000);
    deps.record({
      monitorId: monitor.id,
      slot,
      checkedAt,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      node: deps.node,
      region: deps.region,
      ...(outcome.details === undefined
        ? {}
        : { details: outcome.details as Record<string, unknown> }),
    });
  };
}

async function runChecker(
  monitor: ScheduledMonitor,
  startedAt: number,
  signal: AbortSignal,
  deps: CheckRunnerDeps,
): Promise<CheckOutcome> {
  const checker = getChecker(monitor.type);
  if (!checker)
    return { status: 'down', latencyMs: 0, error: `unknown monitor type ${monitor.type}` };
  try {
    const lastPushAt = monitor.type === 'push' ? deps.lastPushAt(monitor.id) : undefined;
    return await checker.run(monitor.options, {
      // Checkers enforce timeoutMs themselves.
      timeoutMs: monitor.timeoutMs,
      signal,
      now: startedAt,
      intervalMs: monitor.intervalSeconds * 1000,
      ...(lastPushAt === undefined ? {} : { lastPushAt }),
      ...(deps.addressGuard ? { addressGuard: deps.addressGuard } : {}),
    });
  } catch (error) {
    // A checker must not throw; if one does, the monitor is down with the reason, and the loop goes on.
    return {
      status: 'down',
      latencyMs: deps.clock.now() - startedAt,
      error: `check failed: ${describeError(error)}`,
    };
  }
}
