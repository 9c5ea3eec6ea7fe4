import { performance } from 'node:perf_hooks';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { describeError } from '../errors/index.js';
import type { FromWorker, ToWorker, WireJob, WorkerSettings } from './protocol.js';
import { RunningChecks, type CheckJob, type RanCheck } from './running-checks.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * The old space a check thread may grow to, MB. Not a budget (its live data is a few tens of
 * MB at 30,000 monitors) but V8's lever on growth when TIRELESS_HEAP_GROWTH_PERCENT leaves
 * growth to V8 (the default sets it for every thread): a heap whose limit is 2 GB or more grows
 * its old space up to 4× what was live at the last full collection, a heap of 256 MB only
 * 1.3×, interpolated between (heap-controller.cc, MaxGrowingFactor). A check thread's old
 * space is nearly all promoted garbage of checks that were in flight, cheap to collect
 * because so little is alive; at Node's default limit (about 4 GB here) each thread grew to
 * 100–150 MB with 20–30 MB alive.
 */
export const CHECK_THREAD_OLD_SPACE_MB = 512;

/**
 * The young generation a check thread may grow to, MB (V8 makes its semi-spaces a third of
 * it: 4 MB here, 16 MB at Node's default of 48). A check's objects live for one request, so
 * a small nursery collects them as well; each thread's new space stayed at 8 MB instead of
 * 32. Measured with 10,000 HTTP monitors at 10 s (`node dist/bench/index.js --only capacity
 * --monitors 10000`, one run each, the code of e40e8f9 with the limit set through a
 * temporary hook): node RSS 309.9 MB against 366.1, node CPU 73 % against 90 %, both held.
 */
export const CHECK_THREAD_YOUNG_SPACE_MB = 12;

export interface CheckPoolOptions extends WorkerSettings {
  /** Worker threads to run checks in; 0 runs them on this thread. */
  workers: number;
  log: Logger;
  /** The worker script; tests give one that misbehaves. @defaultValue ./worker.js */
  workerUrl?: URL;
  /** See CHECK_THREAD_OLD_SPACE_MB. @defaultValue CHECK_THREAD_OLD_SPACE_MB */
  workerOldSpaceMb?: number;
  /** See CHECK_THREAD_YOUNG_SPACE_MB. @defaultValue CHECK_THREAD_YOUNG_SPACE_MB */
  workerYoungSpaceMb?: number;
}

/** A check that ran, or undefined when it could not run (pool stopping, worker died). */
type Settle = (ran: RanCheck | undefined) => void;

/**
 * Runs checks — in worker threads, so that the sockets, TLS and parsing of thousands of
 * checks a second use the other cores while the main thread schedules, stores and serves.
 * Each monitor stays with one thread (given out in turn), which holds its options. A thread
 * that dies is replaced; the checks it was running resolve undefined (not run: their slots
 * become gaps, not false alerts).
 */
export class CheckPool {
  /** Worker threads running checks (0: checks run on this thread). */
  readonly workers: number;
  private readonly hosts: [CheckHost, ...CheckHost[]];
  private readonly hostOf = new Map<string, CheckHost>();
  private turn = 0;
  private stopped = false;

  constructor(options: CheckPoolOptions) {
    const settings: WorkerSettings = {
      blockPrivateTargets: options.blockPrivateTargets,
      blockPrivateTargetsExcept: options.blockPrivateTargetsExcept,
      userAgent: options.userAgent,
    };
    const url = options.workerUrl ?? WORKER_URL;
    const limits = {
      maxOldGenerationSizeMb: options.workerOldSpaceMb ?? CHECK_THREAD_OLD_SPACE_MB,
      maxYoungGenerationSizeMb: options.workerYoungSpaceMb ?? CHECK_THREAD_YOUNG_SPACE_MB,
    };
    const thread = () => new CheckThread(url, settings, limits, options.log);
    this.hosts =
      options.workers === 0
        ? [new InlineChecks(settings)]
        : [thread(), ...Array.from({ length: options.workers - 1 }, thread)];
    this.workers = options.workers;
  }

  /**
   * Runs the check; `started` is called once it has started in its thread (it then waits on
   * the network rather than for CPU), at the latest before the promise settles.
   */
  run(job: CheckJob, started?: () => void): Promise<RanCheck | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    let host = this.hostOf.get(job.monitorId);
    if (!host) {
      host = this.hosts[this.turn++ % this.hosts.length] ?? this.hosts[0];
      this.hostOf.set(job.monitorId, host);
    }
    return host.run(job, started);
  }

  /** Lets go of a removed monitor's options. */
  forget(monitorId: string): void {
    this.hostOf.get(monitorId)?.forget(monitorId);
    this.hostOf.delete(monitorId);
  }

  /** Cuts every running check short; they and any later ones resolve undefined. */
  abortAll(): void {
    this.stopped = true;
    for (const host of this.hosts) host.abortAll();
  }

  /** Aborts what runs and stops the worker threads. */
  async close(): Promise<void> {
    this.abortAll();
    await Promise.all(this.hosts.map((host) => host.close()));
  }
}

/** Where a monitor's checks run: a worker thread, or this thread. */
interface CheckHost {
  run(job: CheckJob, started?: () => void): Promise<RanCheck | undefined>;
  forget(monitorId: string): void;
  abortAll(): void;
  close(): Promise<void>;
}

/** Workers 0: checks on the calling thread. */
class InlineChecks implements CheckHost {
  private readonly checks: RunningChecks;
  private aborted = false;

  constructor(settings: WorkerSettings) {
    this.checks = new RunningChecks(settings);
  }

  async run(job: CheckJob, started?: () => void): Promise<RanCheck | undefined> {
    const running = this.checks.run(job); // connects before it first awaits
    started?.();
    const ran = await running;
    return this.aborted ? undefined : ran;
  }

  forget(): void {
    // Options live with the caller's monitor; nothing is held here.
  }

  abortAll(): void {
    this.aborted = true;
    this.checks.abortAll();
  }

  close(): Promise<void> {
    this.abortAll();
    return Promise.resolve();
  }
}

/** One worker thread and the checks it runs; jobs of one tick go over in one message. */
class CheckThread implements CheckHost {
  private worker: Worker | undefined;
  private startedAt = 0;
  private readonly pending = new Map<number, Settle>();
  /** Jobs sent whose start the worker has not confirmed yet, in id order, and whom to tell. */
  private starting: [id: number, started: () => void][] = [];
  private startingHead = 0;
  private outbox: WireJob[] = [];
  /** The options object the worker holds for each monitor. */
  private readonly sent = new Map<string, object>();
  private nextId = 0;
  private closing = false;
  private respawn: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: URL,
    private readonly settings: WorkerSettings,
    private readonly limits: ResourceLimits,
    private readonly log: Logger,
  ) {
    this.spawn();
  }

  run(job: CheckJob, started?: () => void): Promise<RanCheck | undefined> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(undefined); // being replaced
    return new Promise((resolve) => {
      const id = this.nextId++;
      if (started) this.starting.push([id, started]);
      // A thread with checks in flight keeps the process alive; an idle one does not.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, resolve);
      if (this.outbox.length === 0) queueMicrotask(() => this.flush());
      const { options, ...rest } = job;
      if (this.sent.get(job.monitorId) === options) {
        this.outbox.push({ id, ...rest });
      } else {
        this.sent.set(job.monitorId, options);
        this.outbox.push({ id, ...rest, options });
      }
    });
  }

  forget(monitorId: string): void {
    if (!this.sent.delete(monitorId)) return;
    this.worker?.postMessage({ kind: 'forget', monitorIds: [monitorId] } satisfies ToWorker);
  }

  abortAll(): void {
    this.outbox = [];
    this.worker?.postMessage({ kind: 'abort' } satisfies ToWorker);
    this.settleAll();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.respawn);
    this.abortAll();
    await this.worker?.terminate();
  }

  private flush(): void {
    const jobs = this.outbox;
    this.outbox = [];
    if (!this.worker || jobs.length === 0) return;
    try {
      this.worker.postMessage({ kind: 'run', jobs } satisfies ToWorker);
    } catch (error) {
      // Options that cannot be cloned: those checks do not run, and the node goes on.
      this.log.error({ error: describeError(error), checks: jobs.length }, 'cannot send checks');
      for (const job of jobs) {
        this.sent.delete(job.monitorId);
        this.settleOne(job.id, undefined);
      }
    }
  }

  private spawn(): void {
    const worker = new Worker(this.url, { workerData: this.settings, resourceLimits: this.limits });
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      this.confirmStarted(message.startedThrough);
      this.settle(message.outcomes);
    });
    worker.on('error', (error) =>
      this.log.error({ error: describeError(error) }, 'check worker failed'),
    );
    worker.on('exit', (code) => this.exited(worker, code));
    this.worker = worker;
    this.sent.clear();
    this.startedAt = performance.now();
  }

  private confirmStarted(through: number): void {
    const queue = this.starting;
    while (this.startingHead < queue.length && (queue[this.startingHead]?.[0] ?? 0) <= through) {
      queue[this.startingHead++]?.[1]();
    }
    if (this.startingHead > 1024 && this.startingHead * 2 > queue.length) {
      this.starting = queue.slice(this.startingHead);
      this.startingHead = 0;
    }
  }

  private settle(outcomes: FromWorker['outcomes']): void {
    for (const [id, outcome, startedAt] of outcomes) {
      this.settleOne(id, outcome ? { outcome, startedAt } : undefined);
    }
  }

  private settleOne(id: number, ran: RanCheck | undefined): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(ran);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private settleAll(): void {
    this.starting = [];
    this.startingHead = 0;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
    this.worker?.unref();
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const checksLost = this.pending.size;
    this.outbox = [];
    this.settleAll();
    if (this.closing) return;
    // One that dies at once (it cannot even load) is restarted at most once a second.
    const wait = performance.now() - this.startedAt < 1000 ? 1000 : 0;
    this.log.error({ code, checksLost, restartInMs: wait }, 'check worker exited; replacing it');
    this.respawn = setTimeout(() => this.spawn(), wait);
    this.respawn.unref();
  }
}
