import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock/index.js';
import { Scheduler, type Schedulable } from './scheduler.js';
import { slotOffset } from '../slots/index.js';

function setup(
  options: {
    checkMs?: number;
    maxConcurrent?: number;
    /** The check says it started (is waiting on the network) after this many ms. */
    startsAfterMs?: number;
    maxInFlight?: number;
  } = {},
) {
  const clock = new FakeClock(1_000_000);
  const checks: { id: string; slot: number; at: number; since: number }[] = [];
  const missed: string[] = [];
  const scheduler = new Scheduler<Schedulable>({
    clock,
    maxConcurrent: options.maxConcurrent,
    maxInFlight: options.maxInFlight,
    check: (monitor, slot, started, since) => {
      checks.push({ id: monitor.id, slot, at: clock.now(), since });
      if (options.startsAfterMs !== undefined) clock.setTimer(started, options.startsAfterMs);
      return new Promise((resolve) => clock.setTimer(resolve, options.checkMs ?? 10));
    },
    onMissed: (id, slots, reason) => missed.push(`${id}:${slots}:${reason}`),
  });
  return { clock, checks, missed, scheduler };
}

/** Lets promise callbacks run between timer steps, as the event loop would. */
async function advance(clock: FakeClock, ms: number, step = 5) {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await new Promise((r) => setImmediate(r));
  }
}

test('checks each monitor at its slots, on time, with one timer', async () => {
  const { clock, checks, scheduler } = setup();
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  scheduler.upsert({ id: 'b', intervalSeconds: 2, paused: false });
  scheduler.start();
  assert.equal(clock.pending, 1);
  await advance(clock, 10_000);
  assert.equal(checks.filter((c) => c.id === 'a').length, 10);
  assert.equal(checks.filter((c) => c.id === 'b').length, 5);
  for (const c of checks) {
    assert.ok(c.at - c.slot < 5, `late by ${c.at - c.slot}`);
    assert.equal(
      c.slot % (c.id === 'a' ? 1000 : 2000),
      slotOffset(c.id, c.id === 'a' ? 1000 : 2000),
    );
  }
  await scheduler.stop();
});

test('never two checks of one monitor at once: a slot that finds it busy is missed', async () => {
  const { clock, checks, missed, scheduler } = setup({ checkMs: 1500 });
  scheduler.upsert({ id: 'slow', intervalSeconds: 1, paused: false });
  scheduler.start();
  await advance(clock, 4000);
  assert.equal(checks.length, 2);
  assert.equal(missed.length, 2);
  assert.ok(missed.every((m) => m === 'slow:1:busy'));
  await scheduler.stop();
});

test('pausing stops checks; resuming starts them again; removing forgets', async () => {
  const { clock, checks, scheduler } = setup();
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  scheduler.start();
  await advance(clock, 2000);
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: true });
  const before = checks.length;
  await advance(clock, 3000);
  assert.equal(checks.length, before);
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  await advance(clock, 3000);
  assert.ok(checks.length >= before + 2);
  scheduler.remove('a');
  const afterRemove = checks.length;
  await advance(clock, 3000);
  assert.equal(checks.length, afterRemove);
  await scheduler.stop();
});

test('each check says since when the monitor is checked as it is: added, resumed or re-timed, not renamed', async () => {
  const { clock, checks, scheduler } = setup();
  const sinceOfLast = () => checks.at(-1)?.since;
  const added = clock.now();
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  scheduler.start();
  await advance(clock, 2500);
  assert.equal(sinceOfLast(), added);
  // Another change (a rename, say) keeps it.
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  await advance(clock, 1000);
  assert.equal(sinceOfLast(), added);
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: true });
  await advance(clock, 3000);
  const resumed = clock.now();
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  await advance(clock, 1500);
  assert.equal(sinceOfLast(), resumed);
  const retimed = clock.now();
  scheduler.upsert({ id: 'a', intervalSeconds: 2, paused: false });
  await advance(clock, 2500);
  assert.equal(sinceOfLast(), retimed);
  assert.ok(retimed > resumed && resumed > added);
  await scheduler.stop();
});

test('a concurrency limit queues checks instead of dropping them', async () => {
  const { clock, checks, missed, scheduler } = setup({ checkMs: 50, maxConcurrent: 2 });
  for (let i = 0; i < 10; i++)
    scheduler.upsert({ id: `m${i}`, intervalSeconds: 10, paused: false });
  scheduler.start();
  await advance(clock, 10_000);
  assert.equal(checks.length, 10);
  assert.deepEqual(missed, []);
  await scheduler.stop();
});

test('stop waits for the checks in flight', async () => {
  const { clock, scheduler } = setup({ checkMs: 200 });
  let finished = false;
  const s = new Scheduler<Schedulable>({
    clock,
    check: () =>
      new Promise((resolve) =>
        clock.setTimer(() => {
          finished = true;
          resolve();
        }, 200),
      ),
  });
  s.upsert({ id: 'x', intervalSeconds: 1, paused: false });
  s.start();
  await advance(clock, 1100);
  const stopping = s.stop();
  await advance(clock, 300);
  await stopping;
  assert.equal(finished, true);
  await scheduler.stop();
});

test('past its capacity the scheduler drops stale waiting checks instead of running them late', async () => {
  const { clock, checks, missed, scheduler } = setup({ checkMs: 1500, maxConcurrent: 1 });
  scheduler.upsert({ id: 'a', intervalSeconds: 1, paused: false });
  scheduler.upsert({ id: 'b', intervalSeconds: 1, paused: false });
  scheduler.start();
  await advance(clock, 6000);
  for (const c of checks)
    assert.ok(c.at - c.slot < 1000, `a check ran ${c.at - c.slot} ms after its slot`);
  assert.ok(missed.some((m) => m.endsWith(':late')));
  const stopping = scheduler.stop();
  await advance(clock, 2000);
  await stopping;
});

test('a check that started and waits on a slow target no longer counts against the limit', async () => {
  // 20 monitors, each check 2 s long (a slow remote target) and started after 100 ms, 2
  // starting at most: were every check in flight counted, 2 would run and the rest be dropped.
  const { clock, checks, missed, scheduler } = setup({
    checkMs: 2000,
    maxConcurrent: 2,
    startsAfterMs: 100,
  });
  for (let i = 0; i < 20; i++)
    scheduler.upsert({ id: `slow${i}`, intervalSeconds: 10, paused: false });
  scheduler.start();
  await advance(clock, 10_000);
  assert.equal(checks.length, 20);
  assert.deepEqual(missed, []);
  // Never more than 2 launched within any 100 ms.
  const starts = checks.map((c) => c.at).sort((a, b) => a - b);
  for (let i = 2; i < starts.length; i++) {
    assert.ok((starts[i] as number) - (starts[i - 2] as number) >= 100, `start ${i}`);
  }
  const stopping = scheduler.stop();
  await advance(clock, 3000);
  await stopping;
});

test('maxInFlight bounds the checks in flight, waiting ones included', async () => {
  const clock = new FakeClock(1_000_000);
  let inFlight = 0;
  let most = 0;
  let ran = 0;
  const scheduler = new Scheduler<Schedulable>({
    clock,
    maxConcurrent: 100,
    maxInFlight: 3,
    check: (_monitor, _slot, started) => {
      started();
      ran++;
      most = Math.max(most, ++inFlight);
      return new Promise((resolve) =>
        clock.setTimer(() => {
          inFlight--;
          resolve();
        }, 3000),
      );
    },
  });
  for (let i = 0; i < 20; i++) scheduler.upsert({ id: `m${i}`, intervalSeconds: 5, paused: false });
  scheduler.start();
  await advance(clock, 20_000);
  assert.equal(most, 3);
  assert.ok(ran >= 3 * 6, `ran ${ran}`); // the three places stayed busy
  const stopping = scheduler.stop();
  await advance(clock, 4000);
  await stopping;
});

test("one account's flood of slow checks does not hold back another account's", async () => {
  // A: 200 monitors whose checks take 3 s (a slow target); B: 3 monitors. 10 checks in
  // flight at most, so A alone could fill them many times over.
  const clock = new FakeClock(1_000_000);
  const lateness: number[] = [];
  const scheduler = new Scheduler<Schedulable>({
    clock,
    maxConcurrent: 10,
    maxInFlight: 10,
    check: (monitor, slot, started) => {
      started();
      if (monitor.accountId === 'b') lateness.push(clock.now() - slot);
      const ms = monitor.accountId === 'a' ? 3000 : 10;
      return new Promise((resolve) => clock.setTimer(resolve, ms));
    },
  });
  for (let i = 0; i < 200; i++)
    scheduler.upsert({ id: `a${i}`, accountId: 'a', intervalSeconds: 5, paused: false });
  for (let i = 0; i < 3; i++)
    scheduler.upsert({ id: `b${i}`, accountId: 'b', intervalSeconds: 2, paused: false });
  scheduler.start();
  await advance(clock, 30_000, 10);
  // Every slot of B's checked (its first one after 2 s), and none later than A's checks free
  // a place (3 s ÷ 10 places = 300 ms apart on average, a place held by B counted).
  console.log(lateness.join(','));
  assert.ok(lateness.length >= 3 * 13, `B checked ${lateness.length} times`);
  assert.ok(Math.max(...lateness) <= 700, `B's checks late by up to ${Math.max(...lateness)} ms`);
  const stopping = scheduler.stop();
  await advance(clock, 4000);
  await stopping;
});
