import { down, pending, up } from '../outcome.js';
import type { CheckContext, CheckOutcome, Runner } from '../types.js';
import type { PushOptions } from './options.js';

/**
 * Judges heartbeats, purely from the context: up while the last heartbeat is at most one
 * interval plus `graceSeconds` old. Until that long has passed since checking began (the
 * monitor added, resumed or its interval changed, or the node started) without one, there
 * is no verdict: the job has not had its chance yet. Touches no network, so it ignores the
 * timeout and signal.
 */
export const runPush: Runner<PushOptions> = (options, ctx) =>
  Promise.resolve(judgeHeartbeat(options, ctx));

function judgeHeartbeat(options: PushOptions, ctx: CheckContext): CheckOutcome {
  const allowedMs = ctx.intervalMs + options.graceSeconds * 1000;
  if (ctx.lastPushAt !== undefined && ctx.now - ctx.lastPushAt <= allowedMs) return up(0);
  if (ctx.now - ctx.checkingSince <= allowedMs) return pending();
  if (ctx.lastPushAt === undefined) return down(0, 'no heartbeat received yet');
  const silentSeconds = Math.floor((ctx.now - ctx.lastPushAt) / 1000);
  const everySeconds = Math.round(ctx.intervalMs / 1000);
  return down(0, `no heartbeat for ${silentSeconds} s (expected every ${everySeconds} s)`);
}
