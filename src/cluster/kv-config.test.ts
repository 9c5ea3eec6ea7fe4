import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeConfigEntry, MAX_CONFIG_ENTRY_BYTES } from './kv-config.js';

type Entry = Parameters<typeof decodeConfigEntry>[0];

const doc = { id: 'mon_1', accountId: 'acc_1', name: 'shop', type: 'http' };
/** A PUT at revision 7 of `key` holding `value` (text as it is, anything else as JSON). */
const entry = (value: unknown, key = 'monitor.acc_1.mon_1'): Entry => ({
  key,
  operation: 'PUT',
  revision: 7,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});

test('decodeConfigEntry: version 1 with v or without, delete markers, a newer major kept aside, garbage', () => {
  const applied = JSON.stringify({ ...doc, revision: 7 });
  const table: [string, Entry, string][] = [
    ['as this node writes it', entry({ ...doc, v: 1 }), `ok v1 monitor ${applied}`],
    ['without v: version 1 (entries already stored)', entry(doc), `ok v1 monitor ${applied}`],
    [
      'fields it does not know are the entity’s',
      entry({ ...doc, v: 1, added: [1] }),
      `ok v1 monitor ${JSON.stringify({ ...doc, added: [1], revision: 7 })}`,
    ],
    [
      'a delete marker: a tombstone',
      { ...entry(''), operation: 'DEL', value: new Uint8Array(0) },
      'ok v1 monitor null',
    ],
    ['a newer major', entry({ v: 2, key: 'monitor.acc_1.mon_1', body: {} }), 'newer 2'],
    ['not JSON', entry('not json'), 'rejected config entry is not JSON'],
    ['not an object', entry([doc]), 'rejected config entry is not a JSON object'],
    ['no id', entry({ accountId: 'acc_1', v: 1 }), 'rejected not a config entry: id:'],
    ['v as text', entry({ ...doc, v: '1' }), 'rejected config entry has no valid version'],
    [
      'another id than the key',
      entry({ ...doc, id: 'mon_2' }),
      'rejected id or accountId differs from the key',
    ],
    [
      'too large',
      entry({ ...doc, notes: 'x'.repeat(MAX_CONFIG_ENTRY_BYTES) }),
      'rejected config entry of ',
    ],
    [
      'a membership (a user in another account)',
      entry(
        { id: 'mem_1', accountId: 'acc_1', userId: 'usr_2', role: 'viewer' },
        'membership.acc_1.mem_1',
      ),
      'ok v1 membership ',
    ],
    [
      'an invitation (its id a SHA-256 in hex)',
      entry({ id: 'ab12', accountId: 'acc_1', role: 'member' }, 'invitation.acc_1.ab12'),
      'ok v1 invitation ',
    ],
    ['not a kind', entry(doc, 'nonsense.acc_1.mon_1'), 'rejected not a config key'],
    ['too many parts', entry(doc, 'monitor.acc_1.mon_1.x'), 'rejected not a config key'],
  ];
  for (const [title, input, expected] of table) {
    const decoded = decodeConfigEntry(input);
    const got =
      decoded.outcome === 'ok'
        ? `ok v${decoded.v} ${decoded.value.kind} ${JSON.stringify(decoded.value.doc)}`
        : decoded.outcome === 'newer'
          ? `newer ${decoded.v}`
          : `rejected ${decoded.reason}`;
    assert.ok(got.startsWith(expected), `${title}: ${got}`);
  }
});
