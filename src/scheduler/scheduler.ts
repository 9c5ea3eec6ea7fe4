import type { Clock, TimerHandle } from '../clock/index.js';
import { FairQueue } from './fair-queue.js';
import { SlotPlan, type DueCheck } from './plan.js';

/** What the scheduler needs to know of a monitor. */
export interface Schedulable {
  id: string;
  intervalSeconds: number;
  paused: boolean;
  /** Whose monitor it is: waiting checks take turns by account. @defaultValue one shared account */
  accountId?: string;
}

export interface SchedulerOptions<M extends Schedulable> {
  clock: Clock;
  /**
   * Runs one check of `monitor` for `slot` and records its result; must not throw. It calls
   * `started` once the check has really started in its thread (connecting): from then on it
   * mostly waits on the network, and no longer counts against maxConcurrent. `since`: when
   * this scheduler began checking the monitor as it is now (added, resumed, or its interval
   * changed), ms.
   */
  check(monitor: M, slot: number, started: () => void, since: number): Promise<void>;
  /** Whether this node checks the monitor now (solo: always). */
  isAssigned?(monitorId: string): boolean;
  /** A slot that will have no result from this node, and why. */
  onMissed?(monitorId: string, slots: number, reason: 'late' | 'busy'): void;
  /**
   * Checks handed over but not yet started in their thread, at most; further due checks wait
   * their turn. Checks pile up there when the check threads are short of CPU; one waiting on
   * a slow or silent target has started and costs a socket's memory, not CPU, so slow targets
   * do not make this limit the ceiling. @defaultValue 2000
   */
  maxConcurrent?: number;
  /**
   * Checks in flight at most, started ones included: a bound on their memory (each holds a
   * socket and its buffers). @defaultValue 4 × maxConcurrent
   */
  maxInFlight?: number;
  /**
   * The most of maxInFlight one account's checks may hold while another account has monitors
   * here, a fraction above ½ (so at most one account is at its cap at a time): the rest stays
   * free for the others' checks, which then start on time even when one account's thousands
   * of checks wait on slow targets. @defaultValue 0.75
   */
  accountShare?: number;
}

/**
 * The I/O shell around the slot plan: one timer, set for the next due slot. It never runs
 * two checks of one monitor at once (a slot that comes while the previous check is still
 * running is missed, and said so), and bounds how many checks run together. Shared fairly
 * between accounts: waiting checks take turns by account (FairQueue), and one account holds
 * at most accountShare of the checks in flight while others have monitors here, so one
 * account's thousands of slow checks cannot hold back another account's. Places for checks
 * not yet started (maxConcurrent) free within milliseconds and need only the turns.
 */
export class Scheduler<M extends Schedulable> {
  private readonly plan = new SlotPlan();
  private readonly monitors = new Map<string, M>();
  private readonly inFlight = new Set<string>();
  private readonly waiting = new FairQueue<DueCheck>();
  /** Checks in flight per account (absent: none). */
  private readonly runningPerAccount = new Map<string, number>();
  /** Monitors per account. */
  private readonly monitorsPerAccount = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  /** Checks handed over and not yet started in their thread (nor finished). */
  private starting = 0;
  private draining = false;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private started = false;
  private readonly maxConcurrent: number;
  private readonly maxInFlight: number;
  /** Checks in flight one account may hold while another account has monitors here. */
  private readonly accountCap: number;

  constructor(private readonly options: SchedulerOptions<M>) {
    this.maxConcurrent = options.maxConcurrent ?? 2000;
    this.maxInFlight = options.maxInFlight ?? 4 * this.maxConcurrent;
    this.accountCap = Math.max(1, Math.floor(this.maxInFlight * (options.accountShare ?? 0.75)));
  }

  /** The monitors it knows, paused ones included. */
  monitorIds(): IterableIterator<string> {
    return this.monitors.keys();
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
    if (previous) this.countMonitor(previous.accountId, -1);
    this.countMonitor(monitor.accountId, 1);
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
    const monitor = this.monitors.get(monitorId);
    if (monitor) this.countMonitor(monitor.accountId, -1);
    this.monitors.delete(monitorId);
    this.plan.remove(monitorId);
  }

  private countMonitor(account = '', change: 1 | -1): void {
    const count = (this.monitorsPerAccount.get(account) ?? 0) + change;
    if (count > 0) this.monitorsPerAccount.set(account, count);
    else this.monitorsPerAccount.delete(account);
  }

  start(): void {
    this.started = true;
    this.arm();
  }

  /**
   * Checks one slot of a monitor now, late: a node that takes a monitor over from a node
   * that died checks the latest slot nobody recorded, so the handover misses no slot.
   * Nothing happens for an unknown, paused or already running monitor.
   */
  catchUp(monitorId: string, slot: number): void {
    if (!this.started || !this.monitors.has(monitorId) || this.inFlight.has(monitorId)) return;
    this.enqueue({ monitorId, slot, skipped: 0 });
  }

  /** Stops planning; resolves when the checks in flight have recorded their results. */
  async stop(): Promise<void> {
    this.started = false;
    this.timer?.cancel();
    this.timer = null;
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
    const account = this.monitors.get(due.monitorId)?.accountId ?? '';
    if (!this.hasRoom() || this.atCap(account)) {
      this.waiting.push(account, due);
      return;
    }
    this.launch(due);
  }

  private hasRoom(): boolean {
    return this.starting < this.maxConcurrent && this.running.size < this.maxInFlight;
  }

  /** Whether an account holds its most of the checks in flight while others have monitors. */
  private readonly atCap = (account: string): boolean =>
    this.monitorsPerAccount.size > 1 &&
    (this.runningPerAccount.get(account) ?? 0) >= this.accountCap;

  /**
   * Launches waiting checks while there is room. Not re-entered: a check that says it started
   * while being launched would otherwise recurse once per waiting check.
   */
  private startWaiting(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.started && this.hasRoom()) {
        const next = this.nextWaiting();
        if (!next) return;
        this.enqueue(next);
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * The oldest waiting check still worth running. One whose next slot has come meanwhile is
   * dropped as missed: running stale slots first would leave every later check late too.
   */
  private nextWaiting(): DueCheck | undefined {
    const now = this.options.clock.now();
    for (let due = this.waiting.take(this.atCap); due; due = this.waiting.take(this.atCap)) {
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
    const account = monitor.accountId ?? '';
    this.runningPerAccount.set(account, (this.runningPerAccount.get(account) ?? 0) + 1);
    let starting = true;
    this.starting++;
    const started = (): void => {
      if (!starting) return;
      starting = false;
      this.starting--;
      this.startWaiting();
    };
    const since = this.plan.since(due.monitorId) ?? this.options.clock.now();
    const run = this.options
      .check(monitor, due.slot, started, since)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(due.monitorId);
        this.running.delete(run);
        const left = (this.runningPerAccount.get(account) as number) - 1;
        if (left > 0) this.runningPerAccount.set(account, left);
        else this.runningPerAccount.delete(account);
        if (starting) {
          starting = false;
          this.starting--;
        }
        this.startWaiting();
      });
    this.running.add(run);
  }
}
