import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideClaim, waitBeforeReading, type Claim, type ClaimContext } from './claim-decision.js';

/** n1 coordinates; n2 and n3 wait; n9 is dead. A delivery first due at t = 10 000. */
const T = 10_000;
const GRACE = 3000;
const base: ClaimContext = {
  self: 'n2',
  live: new Set(['n1', 'n2', 'n3']),
  preferred: false,
  createdAt: T,
  now: T,
  graceMs: GRACE,
};
const held = (node: string, until: number, outcome?: 'sent' | 'failed'): Claim => ({
  delivery: 'mon_1:1:down:ch_1',
  node,
  at: until - 30_000,
  until,
  ...(outcome ? { outcome } : {}),
});

test('decideClaim: who sends, who waits, who takes over', () => {
  const rows: [string, Claim | null | 'unreachable', Partial<ClaimContext>, unknown][] = [
    // Nobody holds it.
    ['the coordinator claims at once', null, { self: 'n1', preferred: true }, { kind: 'claim' }],
    [
      'another node leaves it to the coordinator for the grace',
      null,
      { now: T + 1000 },
      { kind: 'wait', until: T + GRACE },
    ],
    [
      'after the grace, anyone claims what nobody holds',
      null,
      { now: T + GRACE },
      { kind: 'claim' },
    ],
    // Someone holds it.
    [
      'a live holder within its time is left alone, looked at again within the grace',
      held('n1', T + 30_000),
      { now: T + GRACE },
      { kind: 'wait', until: T + 2 * GRACE },
    ],
    [
      'looked at again when the holder’s time ends, if that is sooner',
      held('n1', T + 4000),
      { now: T + GRACE },
      { kind: 'wait', until: T + 4000 },
    ],
    [
      'a dead holder is taken over',
      held('n9', T + 30_000),
      { now: T + GRACE },
      { kind: 'take-over' },
    ],
    [
      'an overdue holder is taken over, alive or not',
      held('n1', T + 30_000),
      { now: T + 30_000 },
      { kind: 'take-over' },
    ],
    [
      'the coordinator takes over from a dead holder too',
      held('n9', T + 30_000),
      { self: 'n1', preferred: true, now: T + 500 },
      { kind: 'take-over' },
    ],
    [
      'its own claim (a retry, or back after a crash): renew and send',
      held('n2', T + 30_000),
      { now: T + GRACE },
      { kind: 'renew' },
    ],
    // Finished.
    [
      'sent by another node: settled, never sent again',
      held('n1', T, 'sent'),
      { now: T + GRACE },
      { kind: 'settled', outcome: 'sent', node: 'n1' },
    ],
    [
      'given up by a node that died since: still settled',
      held('n9', T, 'failed'),
      { now: T + GRACE },
      { kind: 'settled', outcome: 'failed', node: 'n9' },
    ],
    [
      'sent by this node before a restart: settled',
      held('n2', T, 'sent'),
      { now: T + GRACE },
      { kind: 'settled', outcome: 'sent', node: 'n2' },
    ],
    // No quorum: the bucket did not answer.
    [
      'the coordinator sends without a claim',
      'unreachable',
      { self: 'n1', preferred: true },
      { kind: 'send-unclaimed' },
    ],
    [
      'a channel test (only its node queued it) goes out without a claim',
      'unreachable',
      { preferred: true, now: T + 60_000 },
      { kind: 'send-unclaimed' },
    ],
    [
      'another node waits while the coordinator lives (it sends), and asks again',
      'unreachable',
      { now: T + 60_000 },
      { kind: 'wait', until: T + 60_000 + GRACE },
    ],
  ];
  for (const [what, claim, context, expected] of rows) {
    assert.deepEqual(decideClaim(claim, { ...base, ...context }), expected, what);
  }
});

test('waitBeforeReading: only a node that is not preferred waits, and only for the grace', () => {
  const rows: [Partial<ClaimContext>, { until: number } | undefined][] = [
    [{ preferred: true }, undefined],
    [{ now: T }, { until: T + GRACE }],
    [{ now: T + GRACE - 1 }, { until: T + GRACE }],
    [{ now: T + GRACE }, undefined],
    // Queued late (replication lag, a replayed stream): the grace has passed already.
    [{ now: T + 3_600_000 }, undefined],
  ];
  for (const [context, expected] of rows) {
    assert.deepEqual(waitBeforeReading({ ...base, ...context }), expected, JSON.stringify(context));
  }
});
