import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTcpTarget } from '../testing/index.js';
import { checkers, getChecker, MONITOR_TYPES, type MonitorType } from './index.js';
import { testContext } from './test-context.js';

describe('checker registry', () => {
  it('lists every type once, each checker under its own name', () => {
    assert.deepEqual(MONITOR_TYPES, ['http', 'tcp', 'dns', 'ping', 'tls', 'push']);
    for (const type of MONITOR_TYPES) assert.equal(checkers[type].type, type);
  });

  it('finds checkers by type, and nothing for other names', () => {
    assert.equal(getChecker('http'), checkers.http);
    for (const name of ['nope', 'HTTP', 'constructor', '__proto__', 'toString', '']) {
      assert.equal(getChecker(name), undefined, name);
    }
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(checkers));
    assert.ok(Object.isFrozen(MONITOR_TYPES));
  });
});

/** Every checker meets the Checker contract: the same tests over each implementation. */
describe('checker contract', () => {
  /** Valid options aimed at a closed port on loopback, per type. */
  async function sampleOptions(): Promise<Record<MonitorType, Record<string, unknown>>> {
    const closed = await startTcpTarget();
    await closed.close();
    const { port } = closed;
    return {
      http: { url: `http://127.0.0.1:${port}/` },
      tcp: { host: '127.0.0.1', port },
      dns: { hostname: 'example.test', resolver: `127.0.0.1:${port}` },
      ping: { host: '127.0.0.1', count: 1 },
      tls: { host: '127.0.0.1', port },
      push: {},
    };
  }

  it('rejects unknown option keys', async () => {
    const samples = await sampleOptions();
    for (const type of MONITOR_TYPES) {
      const parsed = checkers[type].options.safeParse({ ...samples[type], surprise: true });
      assert.equal(parsed.success, false, type);
      assert.deepEqual(parsed.error?.issues[0]?.code, 'unrecognized_keys', type);
    }
  });

  it('settles by the deadline with a well-formed outcome, never rejecting', async () => {
    const samples = await sampleOptions();
    for (const type of MONITOR_TYPES) {
      const checker = getChecker(type);
      assert.ok(checker);
      const options = checker.options.parse(samples[type]);
      const started = performance.now();
      const outcome = await checker.run(options, testContext({ timeoutMs: 500 }));
      assert.ok(performance.now() - started < 800, `${type} settled late`);
      assert.ok(outcome.status === 'up' || outcome.status === 'down', type);
      assert.equal(outcome.status === 'down', typeof outcome.error === 'string', type);
      assert.ok(!outcome.error?.includes('\n'), `${type}: one line`);
      assert.ok(Number.isFinite(outcome.latencyMs) && outcome.latencyMs >= 0, type);
      assert.equal(typeof checker.target(options), 'string');
    }
  });

  it('answers at once, down, when the signal is already aborted', async () => {
    const samples = await sampleOptions();
    const signal = AbortSignal.abort();
    for (const type of MONITOR_TYPES) {
      const checker = getChecker(type);
      assert.ok(checker);
      const outcome = await checker.run(
        checker.options.parse(samples[type]),
        testContext({ signal }),
      );
      assert.equal(outcome.status, 'down', type);
    }
  });
});
