import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkTracker, linkStateOf, type LinkFacts, type LinkState } from './link-state.js';

const DEAD_AFTER = 3000;
const facts = (over: Partial<LinkFacts>): LinkFacts => ({
  joined: true,
  answeredAt: 10_000,
  problem: undefined,
  livePeers: 2,
  ...over,
});

test('the state is a function of the join, when JetStream last answered, and the peers heard', () => {
  const table: [string, Partial<LinkFacts>, number, LinkState, RegExp | undefined][] = [
    ['answered just now', {}, 10_000, 'joined', undefined],
    ['answered 2.9 s ago', {}, 12_999, 'joined', undefined],
    ['alone but answered', { livePeers: 0 }, 12_000, 'joined', undefined],
    [
      'silent for 3 s, no peer',
      { livePeers: 0, problem: 'TIMEOUT' },
      13_000,
      'island',
      /not answered for 3 s \(TIMEOUT\)/,
    ],
    ['silent, peers heard', { problem: 'TIMEOUT' }, 13_000, 'no-quorum', /not answered/],
    [
      'never joined since the start',
      { joined: false, answeredAt: 12_000, livePeers: 0, problem: 'ECONNREFUSED' },
      12_500,
      'island',
      /not joined to the cluster since this node started \(ECONNREFUSED\)/,
    ],
    ['never answered', { answeredAt: -Infinity, livePeers: 0 }, 0, 'island', /no answer/],
  ];
  for (const [name, over, now, state, reason] of table) {
    const got = linkStateOf(facts(over), now, DEAD_AFTER);
    assert.equal(got.state, state, name);
    if (reason) assert.match(got.reason ?? '', reason, name);
    else assert.equal(got.reason, undefined, name);
  }
});

test('the tracker keeps when a state began and reports the return to joined once', () => {
  const tracker = new LinkTracker(DEAD_AFTER, facts({}), 10_000);
  assert.deepEqual(tracker.view, { state: 'joined', since: 10_000 });
  // Still joined: nothing changes.
  assert.deepEqual(tracker.update(facts({}), 11_000), {
    view: { state: 'joined', since: 10_000 },
    changed: false,
    rejoined: false,
  });
  // Silence past deadAfterMs with peers gone: island, since the moment it was seen.
  const island = tracker.update(facts({ livePeers: 0 }), 13_500);
  assert.equal(island.view.state, 'island');
  assert.equal(island.view.since, 13_500);
  assert.equal(island.rejoined, false);
  assert.equal(tracker.update(facts({ livePeers: 0 }), 20_000).view.since, 13_500);
  // Peers heard again but JetStream still silent: no quorum, not yet joined.
  assert.equal(tracker.update(facts({}), 21_000).view.state, 'no-quorum');
  // JetStream answers: joined again, reported once.
  const back = tracker.update(facts({ answeredAt: 22_000 }), 22_000);
  assert.deepEqual(back, {
    view: { state: 'joined', since: 22_000 },
    changed: true,
    rejoined: true,
  });
  assert.equal(tracker.update(facts({ answeredAt: 23_000 }), 23_000).rejoined, false);
});

test('a node that starts without the cluster starts in island mode and rejoins when it answers', () => {
  const start = facts({ joined: false, answeredAt: -Infinity, livePeers: 0, problem: 'refused' });
  const tracker = new LinkTracker(DEAD_AFTER, start, 0);
  assert.equal(tracker.view.state, 'island');
  assert.match(tracker.view.reason ?? '', /refused/);
  const joined = tracker.update(facts({ answeredAt: 5000, livePeers: 0 }), 5000);
  assert.equal(joined.view.state, 'joined');
  assert.equal(joined.rejoined, true);
});
