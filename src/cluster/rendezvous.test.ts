import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ownersOf, score, type Member } from './rendezvous.js';

const n1 = { id: 'n1', region: 'eu' };
const n2 = { id: 'n2', region: 'eu' };
const n3 = { id: 'n3', region: 'us' };
const n4 = { id: 'n4', region: 'ap' };
const monitors = Array.from({ length: 10_000 }, (_, i) => `mon_${i.toString(36)}`);

const coordinatorOf = (monitorId: string, members: readonly Member[]) =>
  ownersOf(monitorId, members, 1).coordinator?.id;

test('a lone node checks and coordinates everything; no node, no owner', () => {
  assert.deepEqual(ownersOf('mon_a', [n1], 1), { checkers: [n1], coordinator: n1 });
  assert.deepEqual(ownersOf('mon_a', [n1], 3), { checkers: [n1], coordinator: n1 });
  assert.deepEqual(ownersOf('mon_a', [], 1), { checkers: [], coordinator: undefined });
});

void describe('owners of fixed monitors among fixed members', () => {
  // Two nodes in east, one in west, one in ap. Scores rank them, for mon_d:
  // e2 > e1 > w1 > a1; for mon_g: e1 > a1 > e2 > w1 (see the scores test below).
  const e1 = { id: 'e1', region: 'east' };
  const e2 = { id: 'e2', region: 'east' };
  const w1 = { id: 'w1', region: 'west' };
  const a1 = { id: 'a1', region: 'ap' };
  const all = [e1, e2, w1, a1];
  const cases: {
    title: string;
    monitor: string;
    members: Member[];
    locations: number;
    checkers: Member[];
    coordinator: Member;
  }[] = [
    {
      title: 'one location: the top node',
      monitor: 'mon_d',
      members: all,
      locations: 1,
      checkers: [e2],
      coordinator: e2,
    },
    {
      title: 'two: the next region’s top node, not the second node of the first region',
      monitor: 'mon_d',
      members: all,
      locations: 2,
      checkers: [e2, w1],
      coordinator: e2,
    },
    {
      title: 'three: every region',
      monitor: 'mon_d',
      members: all,
      locations: 3,
      checkers: [e2, w1, a1],
      coordinator: e2,
    },
    {
      title: 'more than there are regions: every region',
      monitor: 'mon_d',
      members: all,
      locations: 5,
      checkers: [e2, w1, a1],
      coordinator: e2,
    },
    {
      title: 'the top node dead: its region’s next node still ranks its region second of three',
      monitor: 'mon_d',
      members: [e1, w1, a1],
      locations: 2,
      checkers: [e1, w1],
      coordinator: e1,
    },
    {
      title: 'the west node dead: ap checks instead',
      monitor: 'mon_d',
      members: [e1, e2, a1],
      locations: 2,
      checkers: [e2, a1],
      coordinator: e2,
    },
    {
      title: 'one live region: one location',
      monitor: 'mon_d',
      members: [e1, e2],
      locations: 2,
      checkers: [e2],
      coordinator: e2,
    },
    {
      title: 'another monitor, another order',
      monitor: 'mon_g',
      members: all,
      locations: 2,
      checkers: [e1, a1],
      coordinator: e1,
    },
    {
      title:
        'its top node dead: a region ranks by its best live node, so ap leads and east follows',
      monitor: 'mon_g',
      members: [e2, w1, a1],
      locations: 2,
      checkers: [a1, e2],
      coordinator: a1,
    },
  ];
  for (const { title, monitor, members, locations, checkers, coordinator } of cases) {
    test(title, () =>
      assert.deepEqual(ownersOf(monitor, members, locations), { checkers, coordinator }),
    );
  }
});

test('every node computes the same owners whatever order it lists the members in', () => {
  for (const monitorId of monitors.slice(0, 500)) {
    const a = ownersOf(monitorId, [n1, n2, n3, n4], 2);
    const b = ownersOf(monitorId, [n4, n3, n2, n1], 2);
    assert.deepEqual(a, b);
  }
});

test('locations pick one node per region, the coordinator among them', () => {
  for (const monitorId of monitors.slice(0, 500)) {
    const { checkers, coordinator } = ownersOf(monitorId, [n1, n2, n3, n4], 2);
    assert.equal(checkers.length, 2);
    assert.notEqual(checkers[0]?.region, checkers[1]?.region);
    assert.equal(checkers[0], coordinator);
    const all = ownersOf(monitorId, [n1, n2, n3, n4], 5).checkers;
    assert.deepEqual(all.map((m) => m.region).sort(), ['ap', 'eu', 'us']);
  }
});

test('work spreads evenly: each of three nodes coordinates a third (±2 %) of 10,000 monitors', () => {
  const counts = new Map<string, number>();
  for (const monitorId of monitors) {
    const id = coordinatorOf(monitorId, [n1, n2, n3]) as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const node of [n1, n2, n3]) {
    const share = (counts.get(node.id) ?? 0) / monitors.length;
    assert.ok(Math.abs(share - 1 / 3) < 0.02, `${node.id}: ${share}`);
  }
});

test('when a node dies only its monitors move, spread over the survivors', () => {
  const before = new Map(monitors.map((m) => [m, coordinatorOf(m, [n1, n2, n3, n4])]));
  const moved = new Map<string, number>();
  for (const monitorId of monitors) {
    const after = coordinatorOf(monitorId, [n1, n2, n4]);
    if (before.get(monitorId) === 'n3') {
      moved.set(after as string, (moved.get(after as string) ?? 0) + 1);
    } else {
      assert.equal(after, before.get(monitorId), monitorId);
    }
  }
  const total = [...moved.values()].reduce((a, b) => a + b, 0);
  for (const id of ['n1', 'n2', 'n4']) {
    const share = (moved.get(id) ?? 0) / total;
    assert.ok(Math.abs(share - 1 / 3) < 0.05, `${id} took ${share} of n3's monitors`);
  }
});

test('scores never change between versions: a change would move every monitor in a rolling upgrade', () => {
  // Computed once with this implementation; nodes of different versions must agree.
  assert.deepEqual(
    [score('mon_a', 'n1'), score('mon_a', 'n2'), score('mon_b', 'n1')],
    GOLDEN_SCORES,
  );
  assert.ok(GOLDEN_SCORES.every((value) => Number.isSafeInteger(value) && value >= 0));
});

const GOLDEN_SCORES = [7028233312640271, 3167448619602057, 5537655687824036];
