import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { FakeClock } from '../clock/index.js';
import { Store, type ConfigChange } from './index.js';
import { MIGRATIONS } from './migrations.js';
import { applyMonitor, tempStore } from './test-fixtures.js';

const ACCOUNT = 'acc_1';

function monitorDoc(store: Store, revision: number, name: string): ConfigChange {
  const current = store.listConfigEntries().find((entry) => entry.id === 'mon_a');
  return {
    kind: 'monitor',
    id: 'mon_a',
    accountId: ACCOUNT,
    revision,
    doc: { ...(current?.doc ?? {}), revision, name },
  };
}

const deleteMonitor = (revision: number): ConfigChange => ({
  kind: 'monitor',
  id: 'mon_a',
  accountId: ACCOUNT,
  revision,
  doc: null,
});

const result = (slot: number) => ({
  monitorId: 'mon_a',
  slot,
  checkedAt: slot + 3,
  status: 'up' as const,
  latencyMs: 5,
  node: 'n1',
  region: 'local',
});

test('a deleted entity stays deleted: an older revision applied later changes nothing', () => {
  const store = tempStore();
  applyMonitor(store, { revision: 3 });
  const older = monitorDoc(store, 3, 'shop');
  store.ingest([result(10_000)]);
  assert.equal(store.applyConfig(deleteMonitor(5)), true);

  assert.equal(store.applyConfig({ ...older, revision: 4 }), false, 'older than the delete');
  assert.equal(store.applyConfig(older), false);
  assert.equal(store.applyConfig(deleteMonitor(5)), false, 'the same delete again');
  assert.equal(store.getConfig('monitor', 'mon_a'), undefined);
  assert.equal(store.getScoped('monitor', ACCOUNT, 'mon_a'), undefined);
  assert.deepEqual(store.listAll('monitor'), []);
  assert.deepEqual(store.listScoped('monitor', ACCOUNT), []);
  assert.equal(store.countAll('monitor'), 0);
  assert.equal(store.countResults(), 0, 'a deleted monitor’s results went with it');
  assert.equal(store.ingest([result(20_000)]).unknownMonitor, 1);

  const [tombstone] = store.listConfigEntries().filter((entry) => entry.kind === 'monitor');
  assert.equal(tombstone?.revision, 5, 'the tombstone keeps the revision of the delete');
  assert.equal(tombstone?.doc, null);

  // A newer put recreates the key (a KV key can be written again after a delete).
  assert.equal(store.applyConfig({ ...older, revision: 6 }), true);
  assert.equal(store.countAll('monitor'), 1);
  assert.equal(store.ingest([result(30_000)]).applied, 1);
});

test('a delete of a key never seen leaves a tombstone that an older put cannot pass', () => {
  const store = tempStore();
  applyMonitor(store, { id: 'mon_b' });
  assert.equal(store.applyConfig(deleteMonitor(7)), true);
  applyMonitor(store, { revision: 6 });
  assert.equal(store.getConfig('monitor', 'mon_a'), undefined);
  assert.equal(store.countAll('monitor'), 1);
});

test('lookups skip tombstones: a deleted user is not found by email', () => {
  const store = tempStore();
  const user = { id: 'usr_1', accountId: ACCOUNT, revision: 1, email: 'a@example.com' };
  store.applyConfig({ kind: 'user', id: 'usr_1', accountId: ACCOUNT, revision: 1, doc: user });
  assert.deepEqual(store.findUserByEmail('A@example.com'), user);
  store.applyConfig({ kind: 'user', id: 'usr_1', accountId: ACCOUNT, revision: 2, doc: null });
  assert.equal(store.findUserByEmail('a@example.com'), undefined);
  assert.equal(store.countAll('user'), 0);
});

test("an account's entities are counted live only, and no further than asked", () => {
  const store = tempStore();
  for (const id of ['mon_1', 'mon_2', 'mon_3']) applyMonitor(store, { id });
  applyMonitor(store, { id: 'mon_x', accountId: 'acc_2' });
  store.applyConfig({ kind: 'monitor', id: 'mon_3', accountId: ACCOUNT, revision: 2, doc: null });
  assert.equal(store.countScoped('monitor', ACCOUNT), 2);
  assert.equal(store.countScoped('monitor', ACCOUNT, 1), 1);
  assert.equal(store.countScoped('monitor', ACCOUNT, 5), 2);
  assert.equal(store.countScoped('monitor', 'acc_2', 5), 1);
});

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

test('one revision with two contents: every order keeps the same, a tombstone or the larger hash', () => {
  const base = { id: 'mon_a', accountId: ACCOUNT, revision: 4 };
  const docs: Record<string, unknown>[] = [
    { ...base, name: 'one' },
    { ...base, name: 'two' },
  ];
  const byHash = (doc: Record<string, unknown>) => hash(JSON.stringify(doc));
  const [small, large] = docs.sort((x, y) => (byHash(x) < byHash(y) ? -1 : 1)) as [
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const put = (doc: Record<string, unknown>): ConfigChange => ({
    kind: 'monitor',
    id: 'mon_a',
    accountId: ACCOUNT,
    revision: 4,
    doc,
  });
  const cases: { title: string; first: ConfigChange; second: ConfigChange; kept: unknown }[] = [
    { title: 'small, then large', first: put(small), second: put(large), kept: large },
    { title: 'large, then small', first: put(large), second: put(small), kept: large },
    { title: 'doc, then tombstone', first: put(large), second: deleteMonitor(4), kept: null },
    { title: 'tombstone, then doc', first: deleteMonitor(4), second: put(large), kept: null },
  ];
  for (const { title, first, second, kept } of cases) {
    const store = tempStore();
    store.applyConfig(first);
    assert.equal(store.applyConfig(second), second.doc === kept, title);
    assert.deepEqual(store.listConfigEntries()[0]?.doc, kept, title);
  }
});

test('revisions come from one store-wide sequence that survives a reopen and never falls', () => {
  const store = new Store(tempStore().path, { clock: new FakeClock(1_000) });
  assert.equal(store.nextConfigRevision(), 1);
  applyMonitor(store, { revision: 9 });
  assert.equal(store.nextConfigRevision(), 10, 'above every revision applied, whatever the key');
  store.applyConfig(deleteMonitor(12));
  store.applyConfig({ ...monitorDoc(store, 11, 'late'), id: 'mon_late' });
  assert.equal(store.nextConfigRevision(), 13, 'an older change applied later does not lower it');
  store.close();
  const reopened = new Store(store.path);
  assert.equal(reopened.nextConfigRevision(), 13);
  const tombstone = reopened.listConfigEntries().find((entry) => entry.id === 'mon_a');
  assert.equal(tombstone?.deletedAt, 1_000, 'stamped by the store’s clock');
  reopened.close();
});

test('a database of schema 1 upgrades: its documents stay, the sequence starts above them', () => {
  const path = tempStore().path.replace(/tireless\.db$/, 'v1.db');
  const v1 = new Database(path);
  v1.exec(MIGRATIONS[0] as string);
  v1.pragma('user_version = 1');
  const doc = { id: 'mon_a', accountId: ACCOUNT, revision: 7, name: 'shop' };
  v1.prepare('INSERT INTO config VALUES (?, ?, ?, ?, ?)').run(
    'monitor',
    'mon_a',
    ACCOUNT,
    7,
    JSON.stringify(doc),
  );
  v1.close();

  const store = new Store(path);
  assert.deepEqual(store.listAll('monitor'), [doc]);
  assert.equal(store.nextConfigRevision(), 8);
  assert.equal(store.applyConfig(deleteMonitor(8)), true);
  assert.equal(store.applyConfig(monitorDoc(store, 7, 'back')), false);
  assert.equal(store.countAll('monitor'), 0);
  store.close();
});
