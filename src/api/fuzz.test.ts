/**
 * The API fuzzer (test-fuzz.ts) in the suite: a fixed seed and a bounded number of requests.
 * `npm run fuzz` runs it longer: TIRELESS_FUZZ_SEED and TIRELESS_FUZZ_RUNS choose.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzApi } from './test-fuzz.js';

/** The suite's seed and runs: fixed, so a failure repeats. */
const SEED = 20261202;
const RUNS = 1500;

function setting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  assert.ok(Number.isSafeInteger(value) && value >= 0, `${name} must be a whole number`);
  return value;
}

void describe('the API under a fuzzer', () => {
  void it('answers no 5xx, changes nothing when it refuses, shows no other account', async (t) => {
    const seed = setting('TIRELESS_FUZZ_SEED', SEED);
    const runs = setting('TIRELESS_FUZZ_RUNS', RUNS);
    const started = Date.now();
    const figures = await fuzzApi({ seed, runs });
    const { failures, ...counts } = figures;
    t.diagnostic(
      `fuzz seed ${seed}: ${figures.requests} requests (${JSON.stringify(figures.statuses)}) ` +
        `over ${figures.routesHit}/${figures.routes} routes in ${Date.now() - started} ms; ` +
        `5xx ${figures.serverErrors}, leaks ${figures.leaks}, ` +
        `refused but changed ${figures.refusedButChanged}, ` +
        `changed by a read-only token ${figures.readOnlyChanged}`,
    );
    for (const failure of failures) t.diagnostic(failure);
    assert.equal(figures.requests, runs, 'every run sent its request');
    assert.equal(figures.routesHit, figures.routes, 'every route of the document tried');
    assert.deepEqual(
      {
        serverErrors: counts.serverErrors,
        leaks: counts.leaks,
        changed: counts.refusedButChanged,
        readOnlyChanged: counts.readOnlyChanged,
      },
      { serverErrors: 0, leaks: 0, changed: 0, readOnlyChanged: 0 },
      failures.join('\n\n'),
    );
  });
});
