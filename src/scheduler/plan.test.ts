import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotPlan } from './plan.js';
import { isOnGrid, slotOffset } from '../slots/index.js';

test('each monitor comes due on its own grid, once per interval, in time order', () => {
  const plan = new SlotPlan();
  const ids = Array.from({ length: 500 }, (_, i) => `mon-${i}`);
  for (const id of ids) plan.upsert(id, 10_000, 0);
  const seen = new Map<string, number[]>();
  let last = -1;
  for (let now = 0; now <= 60_000; now += 7) {
    for (const due of plan.takeDue(now)) {
      assert.ok(due.slot >= last, 'slots come in time order');
      last = due.slot;
      assert.equal(due.skipped, 0);
      assert.ok(isOnGrid(due.monitorId, 10_000, due.slot));
      assert.ok(now - due.slot < 7, 'taken as soon as due');
      seen.set(due.monitorId, [...(seen.get(due.monitorId) ?? []), due.slot]);
    }
  }
  for (const id of ids) {
    const slots = seen.get(id) ?? [];
    assert.equal(slots.length, 6, id);
    assert.deepEqual(
      slots.map((s, i) => (i === 0 ? 0 : s - (slots[i - 1] as number))),
      [0, 10_000, 10_000, 10_000, 10_000, 10_000],
    );
    assert.equal((slots[0] as number) % 10_000, slotOffset(id, 10_000));
  }
});

test('offsets spread monitors over the interval', () => {
  const plan = new SlotPlan();
  for (let i = 0; i < 10_000; i++) plan.upsert(`m${i}`, 10_000, 0);
  const perSecond = new Array<number>(10).fill(0);
  for (const due of plan.takeDue(10_000)) perSecond[Math.floor((due.slot % 10_000) / 1000)]! += 1;
  for (const count of perSecond) assert.ok(count > 850 && count < 1150, `${count}`);
});

test('a plan that fell behind checks the latest slot and reports the skipped ones', () => {
  const plan = new SlotPlan();
  plan.upsert('a', 1000, 0);
  const first = plan.nextDue();
  assert.ok(first !== null);
  const [due] = plan.takeDue(first + 3500);
  assert.deepEqual(due, { monitorId: 'a', slot: first + 3000, skipped: 3 });
  assert.equal(plan.nextDue(), first + 4000);
});

test('removing or re-timing a monitor drops its planned slot', () => {
  const plan = new SlotPlan();
  plan.upsert('a', 1000, 0);
  plan.upsert('b', 5000, 0);
  plan.remove('a');
  plan.upsert('b', 2000, 0);
  const taken = plan.takeDue(10_000).map((d) => d.monitorId);
  assert.deepEqual(taken, ['b']);
  assert.equal(plan.size, 1);
  assert.equal(plan.has('a'), false);
});
