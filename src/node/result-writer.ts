import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import type { CheckedResult, IngestReport, Judge, Store } from '../store/index.js';

export interface ResultWriterOptions {
  /** Longest a result waits in memory before it is written, ms. @defaultValue 100 */
  flushMs?: number;
  /** Results written in one transaction at most. @defaultValue 2000 */
  maxBatch?: number;
  /** After each written batch (metrics, waking the deliverer). */
  onFlushed?: (report: IngestReport) => void;
}

/**
 * The solo result sink: gathers results for a few milliseconds and writes them in one
 * transaction, because one transaction per result would cost more than the checks. A result
 * is acknowledged (visible through the API) only once its batch is committed.
 */
export class ResultWriter {
  private buffer: CheckedResult[] = [];
  private timer: TimerHandle | null = null;
  private readonly flushMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly store: Store,
    private readonly judge: Judge,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ResultWriterOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.maxBatch = options.maxBatch ?? 2000;
  }

  add(result: CheckedResult): void {
    this.buffer.push(result);
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= this.clock.setTimer(() => this.flush(), this.flushMs);
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered now. A failed write keeps the results for the next attempt. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.options.onFlushed?.(this.store.ingest(batch, this.judge));
    } catch (error) {
      this.log.error(
        { error: describeError(error), results: batch.length },
        'writing results failed; will retry',
      );
      this.buffer = batch.concat(this.buffer);
      this.timer = this.clock.setTimer(() => this.flush(), Math.max(this.flushMs, 1000));
    }
  }
}
