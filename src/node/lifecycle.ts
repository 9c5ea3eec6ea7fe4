/**
 * One lifecycle for every part of a node that starts something (timers, threads, sockets):
 * the same start / stop (drain) / close (abort) contract, and one runner that starts the
 * parts in order and stops them in reverse order — as undici's `close` (finish what is in
 * hand) against `destroy` (cut it short).
 */
import type { Logger } from 'pino';
import { describeError } from '../errors/index.js';

export interface Part {
  /** Named in the log lines of the runner. */
  readonly name: string;
  /** Starts the part's work; a throw (or rejection) aborts the node's start. */
  start(): void | Promise<void>;
  /** Drains: takes no new work, finishes (or hands on) what it holds. */
  stop(): void | Promise<void>;
  /**
   * Aborts: cuts short whatever `stop` still waits for, so it settles soon. Called when the
   * stop deadline passes or when `stop` failed; may come during or after `stop`.
   */
  close(): void | Promise<void>;
}

export interface LifecycleOptions {
  /**
   * Time for the whole stop, ms: parts still stopping when it ends are closed, and the parts
   * after them are closed without being stopped. @defaultValue 15_000
   */
  stopDeadlineMs?: number;
  /** How long a close may take before the runner goes on without it, ms. @defaultValue 5_000 */
  closeTimeoutMs?: number;
}

/** What happened to one part during stop, in stop order (reverse start order). */
export interface StopOutcome {
  name: string;
  /** `stopped`: drained; `closed`: aborted (deadline, or its stop failed); `timeout`: not even its close settled in time. */
  how: 'stopped' | 'closed' | 'timeout';
  ms: number;
  error?: string;
}

/**
 * Starts parts in the given order and stops them in reverse, each logged. A part that fails
 * to start stops the ones started before it (and the start rejects); a part that fails to
 * stop is closed and the others still stop. `stop` is idempotent.
 */
export class Lifecycle {
  private readonly started: Part[] = [];
  private stopping: Promise<StopOutcome[]> | undefined;
  private readonly stopDeadlineMs: number;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly parts: readonly Part[],
    private readonly log: Logger,
    options: LifecycleOptions = {},
  ) {
    this.stopDeadlineMs = options.stopDeadlineMs ?? 15_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  }

  async start(): Promise<void> {
    for (const part of this.parts) {
      const startedAt = performance.now();
      try {
        await part.start();
      } catch (error) {
        this.log.error({ part: part.name, error: describeError(error) }, 'part failed to start');
        await this.stop();
        throw error;
      }
      this.started.push(part);
      this.log.debug({ part: part.name, ms: elapsed(startedAt) }, 'part started');
    }
  }

  /** Stops every started part, last started first; resolves with what happened to each. */
  stop(): Promise<StopOutcome[]> {
    return (this.stopping ??= this.stopAll());
  }

  private async stopAll(): Promise<StopOutcome[]> {
    const deadline = performance.now() + this.stopDeadlineMs;
    const outcomes: StopOutcome[] = [];
    let expired = false;
    for (const part of [...this.started].reverse()) {
      const outcome = await this.stopOne(part, expired ? 0 : deadline - performance.now());
      expired ||= outcome.error?.startsWith(DEADLINE) ?? false;
      outcomes.push(outcome);
      const fields = { part: part.name, how: outcome.how, ms: outcome.ms, error: outcome.error };
      if (outcome.how === 'stopped') this.log.info(fields, 'part stopped');
      else this.log.warn(fields, 'part aborted');
    }
    return outcomes;
  }

  private async stopOne(part: Part, leftMs: number): Promise<StopOutcome> {
    const startedAt = performance.now();
    let error: string | undefined;
    if (leftMs > 0) {
      const stopped = settle(() => part.stop());
      const result = await withTimer(stopped, leftMs);
      if (result === 'ok') return { name: part.name, how: 'stopped', ms: elapsed(startedAt) };
      error = result === 'timeout' ? DEADLINE : describeError(result.error);
    } else error = `${DEADLINE} before it began`;
    const closed = await withTimer(
      settle(() => part.close()),
      this.closeTimeoutMs,
    );
    if (closed === 'timeout')
      return { name: part.name, how: 'timeout', ms: elapsed(startedAt), error };
    if (closed !== 'ok') error = `${error}; close failed: ${describeError(closed.error)}`;
    return { name: part.name, how: 'closed', ms: elapsed(startedAt), error };
  }
}

const DEADLINE = 'stop deadline passed';

type Settled = 'ok' | { error: unknown };

/** Runs `action` and reports how it ended, without ever rejecting. */
async function settle(action: () => void | Promise<void>): Promise<Settled> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    return { error };
  }
}

async function withTimer(settled: Promise<Settled>, ms: number): Promise<Settled | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), ms)));
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
