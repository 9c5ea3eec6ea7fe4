import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Lifecycle, type Part } from './lifecycle.js';

const silent = pino({ level: 'silent' });

/** A fake part that records every call in `calls`; `stop` behaves as told. */
function fakePart(
  name: string,
  calls: string[],
  behaviour: { start?: 'fail'; stop?: 'fail' | 'hang'; close?: 'hang' } = {},
): Part {
  let release: (() => void) | undefined;
  return {
    name,
    start() {
      calls.push(`start ${name}`);
      if (behaviour.start === 'fail') throw new Error(`${name} cannot start`);
    },
    async stop() {
      calls.push(`stop ${name}`);
      if (behaviour.stop === 'fail') throw new Error(`${name} cannot stop`);
      // Like a drain that waits for work only close() cuts short.
      if (behaviour.stop === 'hang') await new Promise<void>((done) => (release = done));
    },
    async close() {
      calls.push(`close ${name}`);
      if (behaviour.close === 'hang') await new Promise(() => undefined);
      release?.();
    },
  };
}

void describe('Lifecycle', () => {
  void it('starts parts in order and stops them in reverse order', async () => {
    const calls: string[] = [];
    const lifecycle = new Lifecycle(
      ['a', 'b', 'c'].map((name) => fakePart(name, calls)),
      silent,
    );
    await lifecycle.start();
    const outcomes = await lifecycle.stop();
    assert.deepEqual(calls, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.how]),
      [
        ['c', 'stopped'],
        ['b', 'stopped'],
        ['a', 'stopped'],
      ],
    );
    // Idempotent: a second stop (SIGTERM twice) stops nothing again.
    assert.equal(await lifecycle.stop(), outcomes);
    assert.equal(calls.length, 6);
  });

  void it('closes a part whose stop fails, and still stops the others', async () => {
    const calls: string[] = [];
    const lifecycle = new Lifecycle(
      [fakePart('a', calls), fakePart('b', calls, { stop: 'fail' }), fakePart('c', calls)],
      silent,
    );
    await lifecycle.start();
    const outcomes = await lifecycle.stop();
    assert.deepEqual(calls.slice(3), ['stop c', 'stop b', 'close b', 'stop a']);
    const b = outcomes.find((o) => o.name === 'b');
    assert.equal(b?.how, 'closed');
    assert.match(b?.error ?? '', /b cannot stop/);
  });

  void it('closes the part still stopping at the deadline, and closes the rest unstopped', async () => {
    const calls: string[] = [];
    const lifecycle = new Lifecycle(
      [fakePart('a', calls), fakePart('b', calls, { stop: 'hang' }), fakePart('c', calls)],
      silent,
      { stopDeadlineMs: 50 },
    );
    await lifecycle.start();
    const outcomes = await lifecycle.stop();
    // b's drain never ends by itself: the deadline closes it, and a gets no time left to drain.
    assert.deepEqual(calls.slice(3), ['stop c', 'stop b', 'close b', 'close a']);
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.how]),
      [
        ['c', 'stopped'],
        ['b', 'closed'],
        ['a', 'closed'],
      ],
    );
  });

  void it('goes on when even a close hangs', async () => {
    const calls: string[] = [];
    const lifecycle = new Lifecycle(
      [fakePart('a', calls), fakePart('b', calls, { stop: 'hang', close: 'hang' })],
      silent,
      { stopDeadlineMs: 20, closeTimeoutMs: 20 },
    );
    await lifecycle.start();
    const outcomes = await lifecycle.stop();
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.how]),
      [
        ['b', 'timeout'],
        ['a', 'closed'],
      ],
    );
  });

  void it('stops the parts already started when one fails to start', async () => {
    const calls: string[] = [];
    const lifecycle = new Lifecycle(
      [fakePart('a', calls), fakePart('b', calls), fakePart('c', calls, { start: 'fail' })],
      silent,
    );
    await assert.rejects(lifecycle.start(), /c cannot start/);
    assert.deepEqual(calls, ['start a', 'start b', 'start c', 'stop b', 'stop a']);
  });
});
