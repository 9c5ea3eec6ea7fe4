import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeHeartbeat,
  encodeHeartbeat,
  MAX_HEARTBEAT_BYTES,
  MemberTable,
  sameMembers,
  type Heartbeat,
} from './members.js';

const self = { id: 'n2', region: 'eu', version: '1' };
const beat = (node: string, extra: Partial<Heartbeat> = {}): Heartbeat => ({
  node,
  region: node === 'n3' ? 'us' : 'eu',
  version: '1',
  sentAt: 0,
  ...extra,
});

test('a node is alive until deadAfterMs pass without a heartbeat from it', () => {
  const table = new MemberTable(self, 3000);
  table.hear(beat('n1'), 1000);
  table.hear(beat('n3'), 2500);
  const ids = (now: number) => table.live(now).map((m) => m.id);
  for (const [now, expected] of [
    [1000, ['n1', 'n2', 'n3']],
    [3999, ['n1', 'n2', 'n3']],
    [4000, ['n2', 'n3']],
    [5499, ['n2', 'n3']],
    [5500, ['n2']],
  ] as const) {
    assert.deepEqual(ids(now), expected, `at ${now}`);
  }
  table.hear(beat('n1'), 6000);
  assert.deepEqual(ids(6000), ['n1', 'n2']);
});

test('this node is always alive; its own heartbeats change nothing', () => {
  const table = new MemberTable(self, 3000);
  table.hear(beat('n2', { region: 'elsewhere' }), 0);
  assert.deepEqual(table.live(1e12), [{ id: 'n2', region: 'eu' }]);
});

test('a leaving node is dropped at once; the view keeps the dead with when they were heard', () => {
  const table = new MemberTable(self, 3000);
  table.hear(beat('n1'), 0);
  table.hear(beat('n3'), 0);
  table.hear(beat('n3', { leaving: true }), 100);
  assert.deepEqual(
    table.live(100).map((m) => m.id),
    ['n1', 'n2'],
  );
  assert.deepEqual(
    table.view(5000).map((m) => [m.id, m.alive, m.lastHeardAt, m.self]),
    [
      ['n1', false, 0, false],
      ['n2', true, 5000, true],
    ],
  );
});

test('sameMembers compares ids and regions in order', () => {
  const a = [{ id: 'n1', region: 'eu' }];
  assert.ok(sameMembers(a, [{ id: 'n1', region: 'eu' }]));
  assert.ok(!sameMembers(a, [{ id: 'n1', region: 'us' }]));
  assert.ok(!sameMembers(a, []));
});

test('decodeHeartbeat: this version, the previous (no v), a newer one by its envelope, garbage', () => {
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
  const v1 = { node: 'n1', region: 'eu', version: '0.9', sentAt: 5 };
  const table: [string, Uint8Array, string][] = [
    ['as sent now', Buffer.from(encodeHeartbeat(v1)), 'ok n1 eu 0.9'],
    ['previous release: no v', bytes(v1), 'ok n1 eu 0.9'],
    ['unknown fields', bytes({ ...v1, v: 1, load: 0.3 }), 'ok n1 eu 0.9'],
    ['leaving', bytes({ ...v1, leaving: true }), 'ok n1 eu 0.9 leaving'],
    [
      'newer major',
      bytes({ v: 2, node: 'n2', region: 'us', version: '3.0', x: {} }),
      'newer n2 us 3.0',
    ],
    [
      'newer major, odd version',
      bytes({ v: 2, node: 'n2', region: 'us', version: 3 }),
      'newer n2 us newer',
    ],
    [
      'newer, leaving',
      bytes({ v: 3, node: 'n2', region: 'us', leaving: true }),
      'newer n2 us newer leaving',
    ],
    ['newer without region', bytes({ v: 2, node: 'n2' }), 'rejected'],
    ['no node', bytes({ ...v1, node: undefined }), 'rejected'],
    ['empty node', bytes({ ...v1, node: '' }), 'rejected'],
    ['a long node name', bytes({ ...v1, node: 'x'.repeat(500) }), 'rejected'],
    ['sentAt as text', bytes({ ...v1, sentAt: 'now' }), 'rejected'],
    ['oversized', bytes({ ...v1, pad: 'x'.repeat(MAX_HEARTBEAT_BYTES) }), 'rejected'],
    ['not JSON', Buffer.from('hello'), 'rejected'],
  ];
  for (const [title, data, expected] of table) {
    const decoded = decodeHeartbeat(data);
    const got =
      decoded.outcome === 'rejected'
        ? 'rejected'
        : [decoded.outcome, decoded.beat.node, decoded.beat.region, decoded.beat.version]
            .concat(decoded.beat.leaving ? ['leaving'] : [])
            .join(' ');
    assert.equal(got, expected, title);
  }
});
