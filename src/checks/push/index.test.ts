import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testContext } from '../test-context.js';
import type { CheckContext, CheckOutcome } from '../types.js';
import { runPush } from './index.js';
import { pushOptions, pushSpec } from './options.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';
const DAY = 86_400_000;

/**
 * Judges a push monitor with a 60 s interval at NOW, the last heartbeat `ageMs` ago, checked
 * since a day ago unless `ctx` says otherwise.
 */
function judge(
  ageMs: number | undefined,
  options: Record<string, unknown> = {},
  ctx: Partial<CheckContext> = {},
): Promise<CheckOutcome> {
  const lastPushAt = ageMs === undefined ? undefined : NOW - ageMs;
  const parsed = pushOptions.parse({ token: TOKEN, ...options });
  return runPush(
    parsed,
    testContext({ now: NOW, intervalMs: 60_000, checkingSince: NOW - DAY, lastPushAt, ...ctx }),
  );
}

describe('push checker', () => {
  it('is up while the last heartbeat is at most an interval plus the grace old', async () => {
    for (const ageMs of [0, 30_000, 60_000, 100_000, 120_000]) {
      assert.deepEqual(await judge(ageMs), { status: 'up', latencyMs: 0 }, `age ${ageMs}`);
    }
  });

  it('is down once the heartbeat is later than that', async () => {
    assert.deepEqual(await judge(121_000), {
      status: 'down',
      latencyMs: 0,
      error: 'no heartbeat for 121 s (expected every 60 s)',
    });
  });

  it('honours graceSeconds', async () => {
    const strict = await judge(95_000, { graceSeconds: 0 });
    assert.equal(strict.error, 'no heartbeat for 95 s (expected every 60 s)');
    assert.equal((await judge(60_000, { graceSeconds: 0 })).status, 'up');
    assert.equal((await judge(60_001, { graceSeconds: 0 })).status, 'down');
    assert.equal((await judge(500_000, { graceSeconds: 600 })).status, 'up');
  });

  it('is down before the first heartbeat', async () => {
    const outcome = await judge(undefined);
    assert.deepEqual(outcome, { status: 'down', latencyMs: 0, error: 'no heartbeat received yet' });
  });

  it('gives a job one interval plus the grace from when checking began before judging: no verdict until then', async () => {
    // Just added, just resumed, or its interval just changed: checking began `sinceMs` ago.
    const since = (sinceMs: number, lastPushAgeMs?: number, options = {}, intervalMs = 60_000) =>
      judge(lastPushAgeMs, options, { checkingSince: NOW - sinceMs, intervalMs });
    const pending = { status: 'pending', latencyMs: 0 };
    for (const sinceMs of [0, 1000, 60_000, 120_000]) {
      assert.deepEqual(await since(sinceMs), pending, `new, checked since ${sinceMs} ms`);
      // Resumed after a pause: the heartbeat before it is stale, but the job gets its chance.
      assert.deepEqual(await since(sinceMs, 3 * DAY), pending, `resumed ${sinceMs} ms ago`);
    }
    assert.deepEqual(await since(120_001), {
      status: 'down',
      latencyMs: 0,
      error: 'no heartbeat received yet',
    });
    assert.equal(
      (await since(120_001, 3 * DAY)).error,
      'no heartbeat for 259200 s (expected every 60 s)',
    );
    // A heartbeat within the period counts at once, before the first period is over.
    assert.deepEqual(await since(0, 30_000), { status: 'up', latencyMs: 0 });
    // The grace and the interval (edited to 5 s: the heartbeat 50 s ago is stale) are those in force now.
    assert.equal((await since(360_000, undefined, { graceSeconds: 300 })).status, 'pending');
    assert.equal((await since(360_001, undefined, { graceSeconds: 300 })).status, 'down');
    assert.equal((await since(5_000, 50_000, { graceSeconds: 0 }, 5_000)).status, 'pending');
    assert.equal((await since(5_001, 50_000, { graceSeconds: 0 }, 5_000)).status, 'down');
  });

  it('needs no time and no network: judges even with an aborted signal and a tiny timeout', async () => {
    const ctx = { signal: AbortSignal.abort(), timeoutMs: 1 };
    assert.equal((await judge(1000, {}, ctx)).status, 'up');
    assert.equal((await judge(200_000, {}, ctx)).status, 'down');
  });

  it('makes a random URL-safe token by default, and 60 s of grace', () => {
    const first = pushOptions.parse({});
    const second = pushOptions.parse({});
    assert.match(first.token, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(first.token, second.token);
    assert.equal(first.graceSeconds, 60);
  });

  it('never shows the token in its target', () => {
    assert.equal(pushSpec.target(pushOptions.parse({ token: TOKEN })), 'push');
  });

  it('rejects bad options, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ token: 'short' }, 'token'],
      [{ token: `${TOKEN}/../x` }, 'token'],
      [{ token: 'x'.repeat(129) }, 'token'],
      [{ graceSeconds: -1 }, 'graceSeconds'],
      [{ graceSeconds: 1.5 }, 'graceSeconds'],
      [{ graceSeconds: '60' }, 'graceSeconds'],
    ];
    for (const [input, field] of cases) {
      const parsed = pushOptions.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      assert.deepEqual(parsed.error?.issues[0]?.path, [field], JSON.stringify(input));
    }
    const unknown = pushOptions.safeParse({ url: 'x' });
    assert.equal(unknown.error?.issues[0]?.code, 'unrecognized_keys');
  });
});
