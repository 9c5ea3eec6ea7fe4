import { performance } from 'node:perf_hooks';
import type { AddressGuard, CheckOutcome } from '../checks/index.js';
// The zod-free side of checks: a check thread loads runners, not the schemas (see runners.ts).
import { getRunner } from '../checks/runners.js';
import { describeError } from '../errors/index.js';
import { guardOf } from '../net-guard/index.js';

/** One check to run: plain data, so it can cross to a worker thread. */
export interface CheckJob {
  monitorId: string;
  type: string;
  /**
   * The monitor's checker options. Keep one object per monitor version: a worker is sent
   * them again only when the object changes, and checkers cache what they derive from it.
   */
  options: Record<string, unknown>;
  timeoutMs: number;
  intervalMs: number;
  /** When the check is judged, ms since the epoch (push monitors compare against it). */
  now: number;
  /** When this node began checking the monitor as it is now, ms (see CheckContext). */
  checkingSince: number;
  /** push monitors: the last heartbeat, ms since the epoch. */
  lastPushAt?: number;
}

/** What every check of a node runs with, on whichever thread. */
export interface CheckSettings {
  /** Refuse private, loopback and link-local targets (see net-guard). */
  blockPrivateTargets: boolean;
  /** Networks (IPs or CIDRs) the guard lets through all the same. @defaultValue none */
  blockPrivateTargetsExcept?: readonly string[];
  /** The User-Agent of HTTP checks, naming node and region (`checkUserAgent`). */
  userAgent: string;
}

/** A check that ran: what it found, and when it really started. */
export interface RanCheck {
  outcome: CheckOutcome;
  /**
   * When the check started, just before its checker connected, ms since the epoch: Date.now()
   * in the thread that ran it. The system clock is one for every thread and process, so it
   * compares with slots computed on the main thread; performance.now() would not (it counts
   * from each thread's own start, its `performance.timeOrigin`).
   */
  startedAt: number;
}

/**
 * The checks running on one thread, all under one abort signal, so that shutdown can cut them
 * all short. One signal, not one controller per check: each check's Deadline listens on it
 * (through one listener for all of them, see deadline/) and lets go when the check ends,
 * which costs less than a controller per check.
 */
export class RunningChecks {
  private stopping = new AbortController();

  private readonly addressGuard: AddressGuard | undefined;
  private readonly userAgent: string;

  constructor(settings: CheckSettings) {
    this.addressGuard = guardOf(settings);
    this.userAgent = settings.userAgent;
  }

  /** Runs the job's runner. Never throws: a runner that throws is a down outcome. */
  async run(job: CheckJob): Promise<RanCheck> {
    const startedAt = Date.now();
    const run = getRunner(job.type);
    if (!run) {
      const error = `unknown monitor type ${job.type}`;
      return { outcome: { status: 'down', latencyMs: 0, error }, startedAt };
    }
    const began = performance.now();
    try {
      const outcome = await run(job.options, {
        // Checkers enforce timeoutMs themselves.
        timeoutMs: job.timeoutMs,
        signal: this.stopping.signal,
        now: job.now,
        checkingSince: job.checkingSince,
        intervalMs: job.intervalMs,
        userAgent: this.userAgent,
        lastPushAt: job.lastPushAt,
        addressGuard: this.addressGuard,
      });
      return { outcome, startedAt };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - began);
      const why = `check failed: ${describeError(error)}`;
      return { outcome: { status: 'down', latencyMs, error: why }, startedAt };
    }
  }

  /** Cuts short the checks running now; checks started later run as usual. */
  abortAll(): void {
    this.stopping.abort();
    this.stopping = new AbortController();
  }
}
