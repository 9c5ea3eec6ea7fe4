import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Monitor } from '../model/index.js';
import type { CheckedResult, Judge } from '../store/index.js';
import { httpMonitorDoc } from '../testing/index.js';
import { EventHub, type MonitorEvent } from './index.js';

function monitor(id: string, accountId: string): Monitor {
  return httpMonitorDoc({ id, accountId, revision: 1 }) as unknown as Monitor;
}

function result(monitorId: string, slot: number, status: 'up' | 'down'): CheckedResult {
  return {
    monitorId,
    slot,
    checkedAt: slot + 5,
    status,
    latencyMs: 12.4,
    ...(status === 'down' ? { error: 'HTTP 500' } : {}),
    node: 'n1',
    region: 'local',
  };
}

/** A judge whose verdict is the result's status (undefined for slot 0: "not judged"). */
const judge: Judge = (_monitor, _state, checked) =>
  checked.slot === 0 ? undefined : { state: { status: checked.status }, notifications: [] };

function listen(hub: EventHub, accountId: string): MonitorEvent[][] {
  const heard: MonitorEvent[][] = [];
  assert.ok(hub.subscribe(accountId, (events) => heard.push([...events])));
  return heard;
}

test('events reach only their account, after the commit, the latest per monitor', () => {
  const hub = new EventHub();
  const a = listen(hub, 'acc_a');
  const b = listen(hub, 'acc_b');
  const judged = hub.observe(judge);
  const ma = monitor('mon_a', 'acc_a');
  judged(ma, undefined, result('mon_a', 1000, 'up'));
  judged(ma, undefined, result('mon_a', 2000, 'down'));
  judged(monitor('mon_c', 'acc_c'), undefined, result('mon_c', 1000, 'up'));
  assert.equal(a.length, 0, 'nothing before the commit');
  hub.commit();
  assert.equal(a.length, 1);
  assert.deepEqual(
    a[0]?.map((event) => ({ id: event.monitor.id, status: event.status, latest: event.latest })),
    [
      {
        id: 'mon_a',
        status: 'down',
        latest: {
          slot: 2000,
          checkedAt: 2005,
          status: 'down',
          latencyMs: 12,
          error: 'HTTP 500',
          node: 'n1',
          region: 'local',
        },
      },
    ],
  );
  assert.deepEqual(b, [], "another account's events never arrive");
  hub.commit();
  assert.equal(a.length, 1, 'a commit with nothing staged tells nobody');
});

test('a discarded write tells nothing; a result not judged stages nothing', () => {
  const hub = new EventHub();
  const a = listen(hub, 'acc_a');
  const judged = hub.observe(judge);
  judged(monitor('mon_a', 'acc_a'), undefined, result('mon_a', 1000, 'down'));
  hub.discard();
  judged(monitor('mon_a', 'acc_a'), undefined, result('mon_a', 0, 'down'));
  hub.commit();
  assert.deepEqual(a, []);
});

test('listeners per account are capped; one that stops frees its place', () => {
  const hub = new EventHub({ maxPerAccount: 2 });
  const first = hub.subscribe('acc_a', () => undefined);
  assert.ok(first);
  assert.ok(hub.subscribe('acc_a', () => undefined));
  assert.equal(
    hub.subscribe('acc_a', () => undefined),
    undefined,
    'the third is refused',
  );
  assert.ok(
    hub.subscribe('acc_b', () => undefined),
    'another account has its own places',
  );
  first();
  first();
  assert.equal(hub.listening('acc_a'), 1, 'stopping twice frees one place');
  assert.ok(hub.subscribe('acc_a', () => undefined));
});

test('a listener that throws is removed and reported; the others still hear', () => {
  const errors: unknown[] = [];
  const hub = new EventHub({ onListenerError: (error) => errors.push(error) });
  hub.subscribe('acc_a', () => {
    throw new Error('broken pipe');
  });
  const a = listen(hub, 'acc_a');
  const judged = hub.observe(judge);
  judged(monitor('mon_a', 'acc_a'), undefined, result('mon_a', 1000, 'up'));
  hub.commit();
  assert.equal(a.length, 1);
  assert.equal(errors.length, 1);
  assert.equal(hub.listening('acc_a'), 1);
});

test("the observed judge keeps the judge's settle (a replay's owed alerts)", () => {
  const owed: Judge['settle'] = () => undefined;
  const settling: Judge = Object.assign((...args: Parameters<Judge>) => judge(...args), {
    settle: owed,
  });
  assert.equal(new EventHub().observe(settling).settle, owed);
  assert.equal(new EventHub().observe(judge).settle, undefined);
});
