import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import type { ResultSink } from '../cluster/index.js';
import { describeError } from '../errors/index.js';
import type { CheckedResult, IngestReport } from '../store/index.js';
import type { SpillFile } from './spill-file.js';

export interface ResultWriterOptions {
  /** Longest a result waits in memory before it is written, ms. @defaultValue 100 */
  flushMs?: number;
  /** Results written in one transaction at most. @defaultValue 2000 */
  maxBatch?: number;
  /**
   * Writes of a failing batch before it goes to the spill file; after as many failures in a
   * row, each later batch is tried once, then spilled. @defaultValue 4
   */
  maxAttempts?: number;
  /** Wait before the first retry of a failed batch, doubled for each next one, ms. @defaultValue 1000 */
  retryMs?: number;
  /** After each written batch (metrics, waking the deliverer). */
  onFlushed?: (report: IngestReport) => void;
}

/**
 * The solo result sink: gathers results for a few milliseconds and writes them in one
 * transaction, because one transaction per result would cost more than the checks. A result
 * is acknowledged (visible through the API) only once its batch is committed. A batch the
 * store refuses is retried a few times with backoff, then appended to the spill file (fsync'd)
 * rather than held in memory without limit; the spill file is written to the store again once
 * a batch succeeds and at every start (ingest ignores results it already holds). New results go
 * first, so an alert is never held up behind a backlog; a spilled result older than its
 * monitor's last judged slot is stored and counted but not judged again.
 */
export class ResultWriter implements ResultSink {
  private buffer: CheckedResult[] = [];
  private timer: TimerHandle | null = null;
  /** Failed writes in a row. */
  private failures = 0;
  /** How far the spill file has been written to the store (this process's run). */
  private spillRead = 0;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxAttempts: number;
  private readonly retryMs: number;

  constructor(
    private readonly ingest: (batch: readonly CheckedResult[]) => IngestReport,
    private readonly spill: SpillFile,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ResultWriterOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Writes what an earlier run spilled, batch by batch. */
  start(): void {
    const bytes = this.spill.size();
    if (bytes === 0) return;
    this.log.warn({ file: this.spill.path, bytes }, 'writing spilled results to the store');
    this.arm(0);
  }

  add(result: CheckedResult): void {
    this.buffer.push(result);
    if (this.buffer.length < this.maxBatch) this.arm(this.flushMs);
    else if (this.failures === 0) this.flush();
    // The store keeps failing: a full batch waits on disk, not in memory, for the next try.
    else if (this.failures >= this.maxAttempts) this.spillAll([]);
  }

  /** Results in memory, waiting for their write. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered now, or spills it: nothing is left in memory. */
  drain(): Promise<void> {
    do this.flush({ final: true });
    while (this.buffer.length > 0 && this.failures === 0);
    return Promise.resolve();
  }

  /**
   * Writes what is buffered now. A failed write keeps the results for a retry after a
   * backoff, up to `maxAttempts` failures in a row; then they are spilled. `final` (stopping)
   * spills a failing batch at once.
   */
  flush(options: { final?: boolean } = {}): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatch);
      if (!this.write(batch)) {
        this.failures++;
        if (options.final || this.failures >= this.maxAttempts) this.spillAll(batch);
        else this.buffer = batch.concat(this.buffer);
        if (!options.final) this.arm(this.retryDelay());
        return;
      }
    }
    if (this.spillRead < this.spill.size() && !this.replaySpill()) {
      this.arm(this.retryDelay());
      return;
    }
    if (this.buffer.length > 0 || this.spillRead < this.spill.size()) this.arm(0);
  }

  private write(batch: readonly CheckedResult[]): boolean {
    try {
      // Not inside `onFlushed?.(…)`: an optional call skips evaluating its arguments.
      const report = this.ingest(batch);
      this.options.onFlushed?.(report);
      if (this.failures > 0) this.log.warn({ after: this.failures }, 'writing results works again');
      this.failures = 0;
      return true;
    } catch (error) {
      this.log.error(
        { error: describeError(error), results: batch.length, failures: this.failures + 1 },
        this.failures + 1 >= this.maxAttempts
          ? 'writing results failed; they go to the spill file'
          : 'writing results failed; will retry',
      );
      return false;
    }
  }

  private spillAll(batch: readonly CheckedResult[]): void {
    const results = batch.concat(this.buffer);
    this.buffer = [];
    try {
      this.spill.append(results);
      this.log.warn({ file: this.spill.path, results: results.length }, 'results spilled to disk');
    } catch (error) {
      // The disk refuses too: memory is the last place left; the next flush tries again.
      this.buffer = results;
      this.log.error(
        { error: describeError(error), file: this.spill.path, results: results.length },
        'spilling results failed; holding them in memory',
      );
    }
  }

  /**
   * Writes one batch of the spill file; the file goes once all of it is stored. False when the
   * store refused the batch.
   */
  private replaySpill(): boolean {
    const chunk = this.spill.read(this.spillRead, this.maxBatch);
    if (chunk.skipped > 0) {
      this.log.warn({ file: this.spill.path, lines: chunk.skipped }, 'torn spill lines skipped');
    }
    if (chunk.results.length > 0 && !this.write(chunk.results)) {
      this.failures++;
      return false;
    }
    this.spillRead = chunk.next;
    if (this.spillRead >= this.spill.size()) {
      this.spill.remove();
      this.spillRead = 0;
      this.log.warn(
        { file: this.spill.path },
        'every spilled result is stored; spill file removed',
      );
    }
    return true;
  }

  private retryDelay(): number {
    return this.retryMs * 2 ** Math.min(Math.max(this.failures - 1, 0), this.maxAttempts - 1);
  }

  private arm(ms: number): void {
    this.timer ??= this.clock.setTimer(() => this.flush(), ms);
  }
}
