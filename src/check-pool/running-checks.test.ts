import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkers } from '../checks/index.js';
import { startHttpTarget } from '../testing/index.js';
import { RunningChecks, type CheckJob } from './running-checks.js';

function job(url: string, monitorId: string): CheckJob {
  return {
    monitorId,
    type: 'http',
    options: checkers.http.options.parse({ url }),
    timeoutMs: 10_000,
    intervalMs: 60_000,
    now: Date.now(),
    checkingSince: Date.now(),
  };
}

void describe('RunningChecks', () => {
  void it('cuts short the checks running at abortAll, and runs later ones as usual', async () => {
    // Answers /ok at once and leaves every other path hanging.
    const target = await startHttpTarget((req, res) => {
      if (req.url === '/ok') res.end('ok');
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const checks = new RunningChecks({ blockPrivateTargets: false, userAgent: 'test' });
      // More than EventTarget's default of 10 listeners: they all wait on one signal.
      const hanging = Array.from({ length: 30 }, (_, i) =>
        checks.run(job(`${target.url}/hang/${i}`, `m${i}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      checks.abortAll();
      const cut = await Promise.all(hanging);
      assert.deepEqual(new Set(cut.map((ran) => ran.outcome.error)), new Set(['check aborted']));
      const later = await checks.run(job(`${target.url}/ok`, 'later'));
      assert.equal(later.outcome.status, 'up', later.outcome.error);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((warning) => warning.name),
        [],
        'no MaxListenersExceededWarning for many running checks',
      );
    } finally {
      process.off('warning', onWarning);
      await target.close();
    }
  });
});
