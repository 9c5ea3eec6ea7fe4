import type { Clock, TimerHandle } from '../clock/index.js';
import { SlotPlan, type DueCheck } from './plan.js';

/** What the scheduler needs to know of a monitor. */
export interface Schedulable {
  id: string;
  intervalSeconds: number;
  paused: boolean;
}

export interface SchedulerOptions<M extends Schedulable> {
  clock: Clock;
  /** Runs one check of `monitor` for `slot` and records its result; must not throw. */
  check(monitor: M, slot: number): Promise<void>;
  /** Whether this node checks the monitor now (solo: always). */
  isAssigned?(monitorId: string): boolean;
  /** A slot that will have no result from this node, and why. */
  onMissed?(monitorId: string, slots: number, reason: 'late' | 'busy'): void;
  /**
   * Checks starting at most: a check counts while it is younger than `startingMs`; further
   * due checks wait their turn. @defaultValue 2000
   */
  maxConcurrent?: number;
  /**
   * How long a check counts against maxConcurrent, ms. A check still running after that is
   * waiting on the network (a slow or silent target), which costs a socket's memory, not
   * CPU: it no longer holds back the next ones, so slow targets do not make the limit the
   * ceiling. The limit then bounds starts to maxConcurrent per startingMs (8,000/s by
   * default, beyond what a 2-core node checks), which still spreads a burst.
   * @defaultValue 250
   */
  startingMs?: number;
  /**
   * Checks in flight at most, waiting ones included: a bound on their memory (a check that
   * waits because its thread is short of CPU also stops counting as starting, and each in
   * flight holds a socket and its buffers). @defaultValue 4 × maxConcurrent
   */
  maxInFlight?: number;
}

/** A check in flight, in launch order. */
interface Launched {
  at: number;
  /** Finished, or older than startingMs: no longer counted as starting. */
  counted: boolean;
}

/**
 * The I/O shell around the slot plan: one timer, set for the next due slot. It never runs
 * two checks of one monitor at once (a slot that comes while the previous check is still
 * running is missed, and said so), and bounds how many checks run together.
 */
export class Scheduler<M extends Schedulable> {
  private readonly plan = new SlotPlan();
  private readonly monitors = new Map<string, M>();
  private readonly inFlight = new Set<string>();
  private readonly waiting = new Fifo<DueCheck>();
  private readonly running = new Set<Promise<void>>();
  /** Checks launched within the last startingMs (and some older, not yet looked at). */
  private readonly launched = new Fifo<Launched>();
  /** Of those, how many still count: unfinished and younger than startingMs. */
  private starting = 0;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private ageTimer: TimerHandle | null = null;
  private started = false;
  private readonly maxConcurrent: number;
  private readonly startingMs: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: SchedulerOptions<M>) {
    this.maxConcurrent = options.maxConcurrent ?? 2000;
    this.startingMs = options.startingMs ?? 250;
    this.maxInFlight = options.maxInFlight ?? 4 * this.maxConcurrent;
  }

  get size(): number {
    return this.plan.size;
  }

  get checksInFlight(): number {
    return this.inFlight.size;
  }

  /** Adds, changes or (when paused) parks a monitor. */
  upsert(monitor: M): void {
    const previous = this.monitors.get(monitor.id);
    this.monitors.set(monitor.id, monitor);
    if (monitor.paused) {
      this.plan.remove(monitor.id);
    } else if (
      !previous ||
      previous.paused ||
      previous.intervalSeconds !== monitor.intervalSeconds ||
      !this.plan.has(monitor.id)
    ) {
      this.plan.upsert(monitor.id, monitor.intervalSeconds * 1000, this.options.clock.now());
    }
    this.arm();
  }

  remove(monitorId: string): void {
    this.monitors.delete(monitorId);
    this.plan.remove(monitorId);
  }

  start(): void {
    this.started = true;
    this.arm();
  }

  /** Stops planning; resolves when the checks in flight have recorded their results. */
  async stop(): Promise<void> {
    this.started = false;
    this.timer?.cancel();
    this.timer = null;
    this.ageTimer?.cancel();
    this.ageTimer = null;
    this.waiting.clear();
    await Promise.all([...this.running]);
  }

  private arm(): void {
    if (!this.started) return;
    const next = this.plan.nextDue();
    if (next === null || next >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = this.options.clock.setTimer(() => this.fire(), next - this.options.clock.now());
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (!this.started) return;
    for (const due of this.plan.takeDue(this.options.clock.now())) {
      if (this.options.isAssigned && !this.options.isAssigned(due.monitorId)) continue;
      if (due.skipped > 0) this.options.onMissed?.(due.monitorId, due.skipped, 'late');
      this.enqueue(due);
    }
    this.arm();
  }

  private enqueue(due: DueCheck): void {
    if (this.inFlight.has(due.monitorId)) {
      this.options.onMissed?.(due.monitorId, 1, 'busy');
      return;
    }
    if (!this.hasRoom()) {
      this.waiting.push(due);
      this.armAging();
      return;
    }
    this.launch(due);
  }

  private hasRoom(): boolean {
    if (this.running.size >= this.maxInFlight) return false;
    if (this.starting < this.maxConcurrent) return true;
    this.ageOut(this.options.clock.now());
    return this.starting < this.maxConcurrent;
  }

  /** Stops counting the checks launched startingMs ago or more. */
  private ageOut(now: number): void {
    for (let first = this.launched.peek(); first; first = this.launched.peek()) {
      if (first.counted && now - first.at < this.startingMs) return;
      this.launched.take();
      if (first.counted) {
        first.counted = false;
        this.starting--;
      }
    }
  }

  /**
   * While checks wait for the starting ones, a timer for when the oldest of those stops
   * counting. (Waiting for maxInFlight ends as checks finish, which starts waiting ones.)
   */
  private armAging(): void {
    if (this.ageTimer || !this.started || this.starting < this.maxConcurrent) return;
    const now = this.options.clock.now();
    this.ageOut(now);
    const oldest = this.launched.peek();
    if (!oldest) return;
    const wait = oldest.at + this.startingMs - now;
    this.ageTimer = this.options.clock.setTimer(() => {
      this.ageTimer = null;
      this.startWaiting();
      if (this.waiting.size > 0) this.armAging();
    }, wait);
  }

  /** Launches waiting checks while there is room. */
  private startWaiting(): void {
    while (this.started && this.hasRoom()) {
      const next = this.nextWaiting();
      if (!next) return;
      this.enqueue(next);
    }
  }

  /**
   * The oldest waiting check still worth running. One whose next slot has come meanwhile is
   * dropped as missed: running stale slots first would leave every later check late too.
   */
  private nextWaiting(): DueCheck | undefined {
    const now = this.options.clock.now();
    for (let due = this.waiting.take(); due; due = this.waiting.take()) {
      const monitor = this.monitors.get(due.monitorId);
      if (monitor && now - due.slot < monitor.intervalSeconds * 1000) return due;
      if (monitor) this.options.onMissed?.(due.monitorId, 1, 'late');
    }
    return undefined;
  }

  private launch(due: DueCheck): void {
    const monitor = this.monitors.get(due.monitorId);
    if (!monitor || monitor.paused) return;
    this.inFlight.add(due.monitorId);
    const now = this.options.clock.now();
    this.ageOut(now); // keeps `launched` to the last startingMs
    const launched: Launched = { at: now, counted: true };
    this.launched.push(launched);
    this.starting++;
    const run = this.options
      .check(monitor, due.slot)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(due.monitorId);
        this.running.delete(run);
        if (launched.counted) {
          launched.counted = false;
          this.starting--;
        }
        this.startWaiting();
      });
    this.running.add(run);
  }
}

/** A first-in first-out queue with O(1) take (Array.shift is O(n) on a long backlog). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
