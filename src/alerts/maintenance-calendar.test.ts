import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SoloConfigWriter } from '../cluster/index.js';
import { Store } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import { MaintenanceCalendar } from './maintenance-calendar.js';

const NOON = Date.UTC(2026, 0, 15, 12, 0);
const shop = { id: 'mon_1', accountId: 'acc_1' };
const other = { id: 'mon_2', accountId: 'acc_2' };

function setup() {
  const store = new Store(join(tempDir(), 'tireless.db'));
  const config = new SoloConfigWriter(store);
  const calendar = new MaintenanceCalendar(store, config);
  const putWindow = (accountId: string, monitorIds: string[] | null, revision = 0) =>
    config.put(
      'maintenance',
      {
        id: `mw_${accountId}`,
        accountId,
        name: 'deploy',
        monitorIds,
        schedule: { kind: 'once', startsAt: NOON - 60_000, endsAt: NOON + 60_000 },
      },
      revision,
    );
  return { store, config, calendar, putWindow };
}

test('a window written through the config writer shows at once, and its removal too', async () => {
  const { store, config, calendar, putWindow } = setup();
  try {
    assert.equal(calendar.covers(shop, NOON), false, 'read (and cached) before any window');
    await putWindow('acc_1', null);
    assert.equal(calendar.covers(shop, NOON), true);
    assert.equal(calendar.covers(shop, NOON + 120_000), false, 'after the window');
    assert.equal(calendar.covers(other, NOON), false, 'another account is not covered');
    await putWindow('acc_1', ['mon_9'], 1);
    assert.equal(calendar.covers(shop, NOON), false, 'the changed window names another monitor');
    await config.remove('maintenance', 'acc_1', 'mw_acc_1');
    assert.deepEqual(calendar.windowsOf('acc_1'), []);
  } finally {
    store.close();
  }
});

test("one account's change leaves the other accounts' windows cached", async () => {
  const { store, calendar, putWindow } = setup();
  try {
    await putWindow('acc_2', null);
    const cached = calendar.windowsOf('acc_2');
    await putWindow('acc_1', null);
    assert.equal(calendar.windowsOf('acc_2'), cached, 'the same array: not read again');
    assert.equal(calendar.covers(other, NOON), true);
  } finally {
    store.close();
  }
});
