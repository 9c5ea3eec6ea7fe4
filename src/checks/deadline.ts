import { Deadline, interruptionOf, type Interruption } from '../deadline/index.js';
import { describeFailure } from './failure.js';
import { down, msSince } from './outcome.js';
import type { CheckContext, CheckOutcome } from './types.js';

/**
 * One attempt at a target. It receives a signal that aborts when the check must stop (its
 * sockets and child processes must then be released) and the `performance.now()` reading
 * at which the check started.
 */
export type Probe = (signal: AbortSignal, startedAt: number) => Promise<CheckOutcome>;

/**
 * Runs `probe` under a Deadline (the one deadline helper) so that the check settles by
 * `ctx.timeoutMs` and on `ctx.signal`, whatever the probe does: a timeout or an abort
 * becomes a `down` outcome at once and aborts the probe's signal; anything the probe throws
 * becomes a `down` outcome with a readable error. Never rejects.
 */
export function withDeadline(ctx: CheckContext, probe: Probe): Promise<CheckOutcome> {
  const startedAt = performance.now();
  if (ctx.signal.aborted)
    return Promise.resolve(down(0, reasonOf(interruptionOf(ctx.signal), ctx)));
  return new Promise((resolve) => {
    const deadline = new Deadline(ctx.timeoutMs, ctx.signal, (interruption) =>
      resolve(down(msSince(startedAt), reasonOf(interruption, ctx))),
    );
    const settle = (outcome: CheckOutcome): void => {
      deadline.end();
      resolve(outcome);
    };
    const fail = (error: unknown): void => settle(down(msSince(startedAt), describeFailure(error)));
    let probing: Promise<CheckOutcome>;
    try {
      probing = probe(deadline.signal, startedAt);
    } catch (error) {
      // A probe may throw before it returns its promise.
      fail(error);
      return;
    }
    probing.then(settle, fail);
  });
}

function reasonOf(interruption: Interruption, ctx: CheckContext): string {
  return interruption === 'timeout' ? `timeout after ${ctx.timeoutMs} ms` : 'check aborted';
}
