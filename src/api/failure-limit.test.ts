import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureLimiter } from './failure-limit.js';

void describe('failure limiter', () => {
  void it('refuses a key past max failures until its window ends, and only that key', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ max: 3, windowMs: 60_000 }, () => now);
    // [ms from the start, failures recorded by then, refusedFor]: the window opens with the
    // first failure, at +10 ms.
    const steps: [number, number, number][] = [
      [0, 0, 0],
      [10, 1, 0],
      [20, 2, 0],
      [30, 3, 59_980],
      [60_009, 3, 1],
      [60_010, 3, 0],
    ];
    const start = now;
    let recorded = 0;
    for (const [at, failures, refused] of steps) {
      now = start + at;
      while (recorded < failures) {
        limiter.fail('a');
        recorded++;
      }
      assert.equal(limiter.refusedFor('a'), refused, `at +${at} ms after ${failures} failures`);
      assert.equal(limiter.refusedFor('b'), 0);
    }
    // A new window starts empty.
    limiter.fail('a');
    assert.equal(limiter.refusedFor('a'), 0);
  });

  void it('forgets a key that succeeded', () => {
    const limiter = new FailureLimiter({ max: 1, windowMs: 60_000 }, () => 0);
    limiter.fail('a');
    assert.equal(limiter.refusedFor('a'), 60_000);
    limiter.forget('a');
    assert.equal(limiter.refusedFor('a'), 0);
  });

  void it('throws a 429 saying when to retry, and hands the seconds to Retry-After', () => {
    const limiter = new FailureLimiter({ max: 1, windowMs: 10_500 }, () => 0);
    limiter.check('a', 'not yet', () => assert.fail('not refused yet'));
    limiter.fail('a');
    let retryAfter = 0;
    assert.throws(
      () => limiter.check('a', 'too many', (seconds) => (retryAfter = seconds)),
      (error: Error & { code?: string }) =>
        error.code === 'TIRELESS_RATE_LIMITED' && error.message === 'too many; retry in 11 s',
    );
    assert.equal(retryAfter, 11);
  });
});
