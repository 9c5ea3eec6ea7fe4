import { checkUserAgent } from './http/index.js';
import type { CheckContext } from './types.js';

/**
 * A CheckContext for tests: 2 s timeout, a signal nobody aborts, now = Date.now(), checked
 * since an hour ago, a 60 s interval, the User-Agent of node test-node in test-region; `overrides` replace any
 * of these.
 */
export function testContext(overrides: Partial<CheckContext> = {}): CheckContext {
  const now = Date.now();
  return {
    timeoutMs: 2000,
    signal: new AbortController().signal,
    now,
    checkingSince: now - 3_600_000,
    intervalMs: 60_000,
    userAgent: checkUserAgent({ version: '0.0.0', node: 'test-node', region: 'test-region' }),
    ...overrides,
  };
}

/** An address guard that refuses 127.0.0.2, as a shared deployment refuses private ranges. */
export function refuse127002(address: string): string | undefined {
  return address === '127.0.0.2' ? `address ${address} is not allowed` : undefined;
}
