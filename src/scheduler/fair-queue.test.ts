import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairQueue } from './fair-queue.js';

/** Pushes `pushed` ([account, item]…), then takes until nothing comes, `blocked` naming the accounts that may not run more. */
function order(pushed: [string, string][], blocked: readonly string[] = []): string[] {
  const queue = new FairQueue<string>();
  for (const [account, item] of pushed) queue.push(account, item);
  const taken: string[] = [];
  for (
    let item = queue.take((a) => blocked.includes(a));
    item;
    item = queue.take((a) => blocked.includes(a))
  )
    taken.push(item);
  return taken;
}

test('accounts take turns; each account first in, first out', () => {
  const cases: { name: string; pushed: [string, string][]; blocked?: string[]; taken: string[] }[] =
    [
      { name: 'empty', pushed: [], taken: [] },
      {
        name: 'one account: plain FIFO',
        pushed: [
          ['a', 'a1'],
          ['a', 'a2'],
          ['a', 'a3'],
        ],
        taken: ['a1', 'a2', 'a3'],
      },
      {
        name: 'a flood does not hold back a later account',
        pushed: [
          ['a', 'a1'],
          ['a', 'a2'],
          ['a', 'a3'],
          ['a', 'a4'],
          ['b', 'b1'],
          ['b', 'b2'],
        ],
        taken: ['a1', 'b1', 'a2', 'b2', 'a3', 'a4'],
      },
      {
        name: 'three accounts in turn order',
        pushed: [
          ['c', 'c1'],
          ['a', 'a1'],
          ['b', 'b1'],
          ['a', 'a2'],
          ['c', 'c2'],
        ],
        taken: ['c1', 'a1', 'b1', 'c2', 'a2'],
      },
      {
        name: 'a blocked account is passed over while another waits',
        pushed: [
          ['a', 'a1'],
          ['a', 'a2'],
          ['b', 'b1'],
          ['b', 'b2'],
        ],
        blocked: ['a'],
        taken: ['b1', 'b2'],
      },
      {
        name: 'every account blocked: nothing to take',
        pushed: [
          ['a', 'a1'],
          ['b', 'b1'],
        ],
        blocked: ['a', 'b'],
        taken: [],
      },
    ];
  for (const c of cases) assert.deepEqual(order(c.pushed, c.blocked), c.taken, c.name);
});

test('an account leaves the turns when its queue empties and rejoins at the back; a blocked one goes to the back', () => {
  const queue = new FairQueue<string>();
  queue.push('a', 'a1');
  queue.push('b', 'b1');
  queue.push('b', 'b2');
  assert.equal(queue.take(), 'a1');
  queue.push('a', 'a2');
  assert.deepEqual(
    [queue.take(), queue.take(), queue.take(), queue.take()],
    ['b1', 'a2', 'b2', undefined],
  );
  queue.push('a', 'a3');
  queue.push('b', 'b3');
  queue.push('a', 'a4');
  assert.equal(
    queue.take((account) => account === 'a'),
    'b3',
  );
  assert.deepEqual([queue.take(), queue.take()], ['a3', 'a4']);
  queue.push('a', 'a5');
  queue.clear();
  assert.equal(queue.take(), undefined);
});
