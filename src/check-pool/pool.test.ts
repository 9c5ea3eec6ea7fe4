import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { checkers } from '../checks/index.js';
import { startHttpTarget, waitFor, type HttpTarget } from '../testing/index.js';
import { CheckPool, type CheckJob } from './index.js';
import { CHECK_THREAD_OLD_SPACE_MB, CHECK_THREAD_YOUNG_SPACE_MB } from './pool.js';

const log = pino({ level: 'silent' });
const userAgent = 'Tireless/0.0.0 (node pool-test; region here)';

let monitors = 0;

/** A job for a new monitor checking `url`. */
function httpJob(url: string, timeoutMs = 2000): CheckJob {
  return {
    monitorId: `mon_${++monitors}`,
    type: 'http',
    options: checkers.http.options.parse({ url }),
    timeoutMs,
    intervalMs: 60_000,
    now: Date.now(),
    checkingSince: Date.now(),
  };
}

// Worker threads load compiled JavaScript: these tests run from dist/ (npm test).
const exitingWorker = new URL('./test-exiting-worker.js', import.meta.url);
const heapWorker = new URL('./test-heap-worker.js', import.meta.url);

describe('check pool', () => {
  let target: HttpTarget;
  before(async () => {
    target = await startHttpTarget();
  });
  after(() => target.close());

  for (const workers of [0, 1, 2]) {
    it(`runs checks against a real server with ${workers} worker thread(s)`, async () => {
      const pool = new CheckPool({ workers, blockPrivateTargets: false, userAgent, log });
      try {
        const jobs = Array.from({ length: 50 }, (_, i) =>
          httpJob(`${target.url}/${i % 5 === 0 ? 'status/503' : 'ok'}`),
        );
        const handedOverAt = Date.now();
        let started = 0;
        const ran = await Promise.all(
          jobs.map((job) =>
            pool
              .run(job, () => started++)
              .then((r) => {
                assert.ok(started > 0, 'told it started before it settled');
                return r;
              }),
          ),
        );
        assert.equal(started, 50, 'every check said it started');
        const outcomes = ran.map((r) => r?.outcome);
        // Stamped where the check started: after the handover, before its outcome came back.
        for (const r of ran) {
          assert.ok(r && r.startedAt >= handedOverAt && r.startedAt <= Date.now(), 'startedAt');
        }
        assert.equal(outcomes.filter((o) => o?.status === 'up').length, 40);
        const down = outcomes.filter((o) => o?.status === 'down');
        assert.equal(down.length, 10);
        assert.match(down[0]?.error ?? '', /503/);
        assert.equal(outcomes[1]?.details?.statusCode, 200);
        // The node's User-Agent reaches the target from whichever thread checks.
        const echo = {
          ...httpJob(`${target.url}/echo`),
          options: checkers.http.options.parse({
            url: `${target.url}/echo`,
            jsonPath: 'headers.user-agent',
            jsonValue: userAgent,
          }),
        };
        const echoed = await pool.run(echo);
        assert.equal(echoed?.outcome.status, 'up', echoed?.outcome.error);
      } finally {
        await pool.close();
      }
    });
  }

  it('sends a monitor its options again when they change, and after forget', async () => {
    const pool = new CheckPool({ workers: 2, blockPrivateTargets: false, userAgent, log });
    try {
      const first = httpJob(`${target.url}/ok`);
      assert.equal((await pool.run(first))?.outcome.status, 'up');
      assert.equal((await pool.run({ ...first, now: Date.now() }))?.outcome.status, 'up');
      const changed = { ...first, options: httpJob(`${target.url}/status/500`).options };
      assert.match((await pool.run(changed))?.outcome.error ?? '', /got 500/);
      pool.forget(first.monitorId);
      assert.equal((await pool.run(first))?.outcome.status, 'up');
    } finally {
      await pool.close();
    }
  });

  it('refuses private targets in the worker when told to', async () => {
    const pool = new CheckPool({ workers: 1, blockPrivateTargets: true, userAgent, log });
    try {
      const outcome = (await pool.run(httpJob(`${target.url}/ok`)))?.outcome;
      assert.equal(outcome?.status, 'down');
      assert.match(outcome?.error ?? '', /address 127\.0\.0\.1 is private or reserved/);
    } finally {
      await pool.close();
    }
  });

  it('answers a job of an unknown type with a down outcome, not a crash', async () => {
    const pool = new CheckPool({ workers: 1, blockPrivateTargets: false, userAgent, log });
    try {
      const outcome = (await pool.run({ ...httpJob(target.url), type: 'gopher' }))?.outcome;
      assert.deepEqual(outcome, {
        status: 'down',
        latencyMs: 0,
        error: 'unknown monitor type gopher',
      });
    } finally {
      await pool.close();
    }
  });

  it('abortAll settles running checks at once as not run, and later ones too', async () => {
    const pool = new CheckPool({ workers: 1, blockPrivateTargets: false, userAgent, log });
    try {
      const hanging = pool.run(httpJob(`${target.url}/hang`, 60_000));
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      pool.abortAll();
      assert.equal(await hanging, undefined);
      assert.ok(Date.now() - started < 1000);
      assert.equal(await pool.run(httpJob(`${target.url}/ok`)), undefined);
    } finally {
      await pool.close();
    }
  });

  it('replaces a worker that dies; its checks resolve as not run, not as down', async () => {
    const lines: string[] = [];
    const recording = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const pool = new CheckPool({
      workers: 1,
      blockPrivateTargets: false,
      userAgent,
      log: recording,
      workerUrl: exitingWorker,
    });
    try {
      const steady = httpJob(`${target.url}/ok`);
      assert.equal((await pool.run(steady))?.outcome.status, 'up');
      const hanging = pool.run(httpJob(`${target.url}/hang`, 60_000));
      await new Promise((r) => setTimeout(r, 100));
      const exiting = pool.run({ ...httpJob(target.url), type: 'exit' });
      assert.equal(await exiting, undefined);
      assert.equal(await hanging, undefined);
      assert.match(lines.join(''), /check worker exited; replacing it/);
      assert.match(lines.join(''), /"checksLost":2/);
      // The new worker holds no options: the pool must send them again.
      const ran = await waitFor('a replacement worker', () => pool.run(steady));
      assert.equal(ran.outcome.status, 'up');
    } finally {
      await pool.close();
    }
  });

  it('starts its check threads with a bounded old space and a small young generation', async () => {
    const heapLimitMb = async (limits: {
      workerOldSpaceMb?: number;
      workerYoungSpaceMb?: number;
    }) => {
      const pool = new CheckPool({
        workers: 1,
        blockPrivateTargets: false,
        userAgent,
        log,
        workerUrl: heapWorker,
        ...limits,
      });
      try {
        const ran = await pool.run(httpJob(target.url));
        return Number(ran?.outcome.error) / 2 ** 20;
      } finally {
        await pool.close();
      }
    };
    // The heap limit is the old space plus the young generation (48 MB at Node's default).
    const young = CHECK_THREAD_YOUNG_SPACE_MB;
    const byDefault = await heapLimitMb({});
    assert.ok(
      byDefault >= CHECK_THREAD_OLD_SPACE_MB && byDefault <= CHECK_THREAD_OLD_SPACE_MB + young,
      `${byDefault}`,
    );
    const smaller = await heapLimitMb({ workerOldSpaceMb: 300 });
    assert.ok(smaller >= 300 && smaller <= 300 + young, `${smaller}`);
    // A young generation of its own (TIRELESS_CHECK_THREAD_YOUNG_MB): 96 MB instead of 12.
    const youngerLarger = await heapLimitMb({ workerOldSpaceMb: 300, workerYoungSpaceMb: 96 });
    assert.ok(youngerLarger >= 300 + 96 - young && youngerLarger <= 300 + 96, `${youngerLarger}`);
  });
});
