import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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

  void it('its signal is one to Node: execFile is stopped by it, onabort and the listeners hear it once', async () => {
    const deadline = new Deadline(50, new AbortController().signal);
    const heard: string[] = [];
    deadline.signal.onabort = () => heard.push('onabort');
    deadline.signal.addEventListener('abort', () => heard.push('listener'));
    const began = Date.now();
    const error = await new Promise<Error | null>((resolve) =>
      execFile(
        process.execPath,
        ['-e', 'setTimeout(() => {}, 10_000)'],
        { signal: deadline.signal },
        resolve,
      ),
    );
    assert.equal(error?.name, 'AbortError');
    assert.ok(Date.now() - began < 5_000, 'the child was stopped, not waited for');
    assert.deepEqual(heard, ['onabort', 'listener']);
    assert.throws(() => deadline.signal.throwIfAborted(), { name: 'TimeoutError' });
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

  void it('many deadlines on one parent make one listener on it, and all abort with it', () => {
    const parent = new AbortController();
    const calls: Interruption[] = [];
    const deadlines = Array.from(
      { length: 1_000 },
      () => new Deadline(10_000, parent.signal, (why) => calls.push(why)),
    );
    // A listener each would make every check walk the list of those running.
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    deadlines[0]?.end();
    parent.abort();
    assert.equal(calls.length, 999);
    assert.equal(deadlines[0]?.signal.aborted, false);
    assert.ok(deadlines.slice(1).every((d) => d.signal.aborted && d.interruption === 'abort'));
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  });

  void it('lets go of its parent once the last of its deadlines ends', () => {
    const parent = new AbortController();
    const deadlines = [1, 2, 3].map(() => new Deadline(10_000, parent.signal));
    for (const deadline of deadlines) deadline.end();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
    // And listens again for the next one.
    const next = new Deadline(10_000, parent.signal);
    parent.abort();
    assert.equal(next.interruption, 'abort');
    assert.ok(deadlines.every((d) => d.interruption === undefined));
  });

  void it('lets go of its parent when it fires', async () => {
    const parent = new AbortController();
    const deadline = new Deadline(10, parent.signal);
    await aborted(deadline.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  });
});
