import { down, up } from '../outcome.js';
import type { CheckContext, CheckOutcome, Runner } from '../types.js';
import type { PushOptions } from './options.js';

/**
 * Judges heartbeats, purely from the context: up while the last heartbeat is at most one
 * interval plus `graceSeconds` old. Touches no network, so it ignores the timeout and signal.
 */
export const runPush: Runner<PushOptions> = (options, ctx) =>
  Promise.resolve(judgeHeartbeat(options, ctx));

function judgeHeartbeat(options: PushOptions, ctx: CheckContext): CheckOutcome {
  if (ctx.lastPushAt === undefined) return down(0, 'no heartbeat received yet');
  const silentMs = ctx.now - ctx.lastPushAt;
  if (silentMs <= ctx.intervalMs + options.graceSeconds * 1000) return up(0);
  const silentSeconds = Math.floor(silentMs / 1000);
  const everySeconds = Math.round(ctx.intervalMs / 1000);
  return down(0, `no heartbeat for ${silentSeconds} s (expected every ${everySeconds} s)`);
}
