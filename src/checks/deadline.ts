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
 * Runs `probe` so that the check settles by `ctx.timeoutMs` and on `ctx.signal`, whatever
 * the probe does: a timeout or an abort becomes a `down` outcome at once and aborts the
 * probe's signal; anything the probe throws becomes a `down` outcome with a readable error.
 * Never rejects.
 */
export function withDeadline(ctx: CheckContext, probe: Probe): Promise<CheckOutcome> {
  const startedAt = performance.now();
  if (ctx.signal.aborted) return Promise.resolve(down(0, abortReason(ctx)));
  const controller = new AbortController();
  return new Promise((resolve) => {
    const settle = (outcome: CheckOutcome): void => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const stop = (reason: string): void => {
      settle(down(msSince(startedAt), reason));
      controller.abort();
    };
    const onAbort = (): void => stop(abortReason(ctx));
    const timer = setTimeout(() => stop(timeoutReason(ctx)), ctx.timeoutMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Through an executor, so that a probe throwing synchronously also ends as a rejection.
    new Promise<CheckOutcome>((run) => run(probe(controller.signal, startedAt))).then(
      settle,
      (error: unknown) => settle(down(msSince(startedAt), describeFailure(error))),
    );
  });
}

function timeoutReason(ctx: CheckContext): string {
  return `timeout after ${ctx.timeoutMs} ms`;
}

// The caller may abort ctx.signal with AbortSignal.timeout(), which is a timeout too.
function abortReason(ctx: CheckContext): string {
  const reason: unknown = ctx.signal.reason;
  return reason instanceof DOMException && reason.name === 'TimeoutError'
    ? timeoutReason(ctx)
    : 'check aborted';
}
