import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Deadline, interruptionOf, type Interruption } from './index.js';

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
}

void describe('Deadline', () => {
  void it('aborts after its time with a TimeoutError, saying so once', async () => {
    const calls: Interruption[] = [];
    const deadline = new Deadline(20, new AbortController().signal, (why) => calls.push(why));
    assert.equal(deadline.interruption, undefined);
    await aborted(deadline.signal);
    assert.equal(deadline.interruption, 'timeout');
    assert.deepEqual(calls, ['timeout']);
    assert.equal((deadline.signal.reason as DOMException).name, 'TimeoutError');
  });

  void it('aborts with its parent, passing the parent’s reason on', () => {
    const parent = new AbortController();
    const calls: Interruption[] = [];
    const deadline = new Deadline(10_000, parent.signal, (why) => calls.push(why));
    const reason = new Error('node stopping');
    parent.abort(reason);
    assert.equal(deadline.signal.aborted, true);
    assert.equal(deadline.signal.reason, reason);
    assert.equal(deadline.interruption, 'abort');
    assert.deepEqual(calls, ['abort']);
  });

  void it('starts aborted under a parent that aborted already', () => {
    const parent = new AbortController();
    parent.abort();
    const calls: Interruption[] = [];
    const deadline = new Deadline(10_000, parent.signal, (why) => calls.push(why));
    assert.equal(deadline.signal.aborted, true);
    assert.deepEqual(calls, ['abort']);
  });

  void it('counts a parent aborted by AbortSignal.timeout() as a timeout', async () => {
    const parent = AbortSignal.timeout(10);
    const deadline = new Deadline(10_000, parent);
    await aborted(deadline.signal);
    assert.equal(deadline.interruption, 'timeout');
    assert.equal(interruptionOf(parent), 'timeout');
  });

  void it('lets go of its parent and its timer once ended', async () => {
    const parent = new AbortController();
    const deadline = new Deadline(20, parent.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    deadline.end();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
    parent.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(deadline.signal.aborted, false);
    assert.equal(deadline.interruption, undefined);
  });

  void it('lets go of its parent when it fires', async () => {
    const parent = new AbortController();
    const deadline = new Deadline(10, parent.signal);
    await aborted(deadline.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  });
});
