/**
 * In-process microbenchmark of the scheduler's hot path (taking due slots from the plan and
 * launching or queueing their checks), without check threads: `node
 * dist/bench/scheduler-dispatch.js [monitors] [accounts]`. It plays 60 s of a plan of
 * 10-second monitors on a clock it moves itself, with checks that end at once (room: every
 * check launched as it falls due) and with checks that start a little later (queued: 100
 * starting at most, so most checks wait in the queue first), and prints the CPU time per
 * check. Run it several times and compare medians: one run on a loaded machine is noise.
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import { Scheduler, type Schedulable } from '../scheduler/index.js';

/** A clock for one timer at a time, as the scheduler keeps: `next()` jumps to it and fires it. */
class JumpClock implements Clock {
  private current = 1_700_000_000_000;
  private timer: { at: number; fn: () => void } | null = null;

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), fn };
    this.timer = timer;
    return { cancel: () => void (this.timer === timer && (this.timer = null)) };
  }

  next(): boolean {
    const timer = this.timer;
    if (!timer) return false;
    this.timer = null;
    this.current = Math.max(this.current, timer.at);
    timer.fn();
    return true;
  }
}

async function run(monitors: number, accounts: number, queued: boolean): Promise<number> {
  const clock = new JumpClock();
  let checks = 0;
  const scheduler = new Scheduler<Schedulable & { accountId: string }>({
    clock,
    maxConcurrent: queued ? 100 : 2000,
    check: (_monitor, _slot, started) => {
      checks++;
      if (!queued) {
        started();
        return Promise.resolve();
      }
      return Promise.resolve().then(started);
    },
  });
  for (let i = 0; i < monitors; i++) {
    scheduler.upsert({
      id: `mon_${i.toString(36).padStart(8, '0')}`,
      accountId: `acc_${i % accounts}`,
      intervalSeconds: 10,
      paused: false,
    });
  }
  scheduler.start();
  const end = clock.now() + 60_000;
  const before = process.cpuUsage();
  while (clock.now() < end && clock.next()) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(before);
  await scheduler.stop();
  return ((used.user + used.system) * 1000) / checks;
}

const monitors = Number(process.argv[2] ?? 30_000);
const accounts = Number(process.argv[3] ?? 1);
for (const queued of [false, true]) {
  const figures: number[] = [];
  for (let i = 0; i < 7; i++) figures.push(await run(monitors, accounts, queued));
  figures.sort((a, b) => a - b);
  const median = figures[3] as number;
  console.log(
    `${queued ? 'queued' : 'room  '}: ${monitors} monitors, ${accounts} account(s): ` +
      `median ${median.toFixed(0)} ns CPU per check (runs: ${figures.map((f) => f.toFixed(0)).join(', ')})`,
  );
}
