import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBlackholeTcpTarget, startTcpTarget, type Target } from '../../testing/index.js';
import { refuse127002, testContext } from '../test-context.js';
import { runTcp } from './index.js';
import { tcpOptions, tcpSpec } from './options.js';

describe('tcp checker', () => {
  let target: Target;
  let blackhole: Target;
  before(async () => {
    [target, blackhole] = await Promise.all([startTcpTarget(), startBlackholeTcpTarget()]);
  });
  after(() => Promise.all([target.close(), blackhole.close()]));

  it('is up when the port accepts, with the connect time as latency', async () => {
    const outcome = await runTcp({ host: '127.0.0.1', port: target.port }, testContext());
    assert.equal(outcome.status, 'up');
    assert.ok(outcome.latencyMs >= 0 && outcome.latencyMs < 1000);
    assert.equal(outcome.error, undefined);
  });

  it('resolves host names', async () => {
    const outcome = await runTcp({ host: 'localhost', port: target.port }, testContext());
    assert.equal(outcome.status, 'up');
  });

  it('is down with a readable reason when the connection is refused', async () => {
    const closed = await startTcpTarget();
    await closed.close();
    const outcome = await runTcp({ host: '127.0.0.1', port: closed.port }, testContext());
    assert.equal(outcome.status, 'down');
    assert.equal(outcome.error, `connection refused (ECONNREFUSED 127.0.0.1:${closed.port})`);
  });

  it('is down at the deadline when the connection never completes', async () => {
    const started = performance.now();
    const outcome = await runTcp(
      { host: '127.0.0.1', port: blackhole.port },
      testContext({ timeoutMs: 300 }),
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'timeout after 300 ms']);
    assert.ok(performance.now() - started < 1000);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await runTcp(
      { host: '127.0.0.1', port: blackhole.port },
      testContext({ signal: controller.signal }),
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'check aborted']);
    assert.ok(outcome.latencyMs < 1000);
  });

  it('refuses addresses the guard rejects', async () => {
    const ctx = testContext({ addressGuard: refuse127002 });
    const refused = await runTcp({ host: '127.0.0.2', port: target.port }, ctx);
    assert.deepEqual([refused.status, refused.error], ['down', 'address 127.0.0.2 is not allowed']);
    const allowed = await runTcp({ host: '127.0.0.1', port: target.port }, ctx);
    assert.equal(allowed.status, 'up');
  });

  it('refuses resolved addresses the guard rejects', async () => {
    const ctx = testContext({ addressGuard: () => 'loopback is not allowed' });
    const outcome = await runTcp({ host: 'localhost', port: target.port }, ctx);
    assert.deepEqual(
      [outcome.status, outcome.error],
      [
        'down',
        'localhost resolves to a private or reserved address; this server refuses to contact it',
      ],
    );
  });

  it('renders its target', () => {
    assert.equal(tcpSpec.target({ host: 'db.example', port: 5432 }), 'db.example:5432');
    assert.equal(tcpSpec.target({ host: '::1', port: 22 }), '[::1]:22');
  });

  it('rejects bad options, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ host: 'example.com' }, 'port'],
      [{ host: 'example.com', port: 0 }, 'port'],
      [{ host: 'example.com', port: 70000 }, 'port'],
      [{ host: 'example.com', port: 80.5 }, 'port'],
      [{ host: 'http://example.com', port: 80 }, 'host'],
      [{ host: 'example.com:80', port: 80 }, 'host'],
      [{ host: '-oProxyCommand', port: 80 }, 'host'],
    ];
    for (const [input, field] of cases) {
      const parsed = tcpOptions.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      assert.deepEqual(parsed.error?.issues[0]?.path, [field], JSON.stringify(input));
    }
    const unknown = tcpOptions.safeParse({ host: 'example.com', port: 80, url: 'x' });
    assert.deepEqual(unknown.error?.issues[0]?.code, 'unrecognized_keys');
  });
});
