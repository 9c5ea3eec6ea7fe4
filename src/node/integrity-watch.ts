import type { Logger } from 'pino';
import { describeError } from '../errors/index.js';
import { checkIntegrity, type IntegrityCheck, type IntegrityMode } from '../store/index.js';
import type { Part } from './lifecycle.js';
import type { StoreGuard } from './store-guard.js';

export interface IntegrityWatchOptions {
  /**
   * How long the start waits for the quick check, ms; a verdict that comes later is still
   * acted on. @defaultValue 10_000
   */
  quickWaitMs?: number;
}

/**
 * Checks the store in use with SQLite's own checks, off the main thread: a quick check at
 * start (the start waits for it, within a bound), the full integrity check in the background,
 * and a quick check of a file again whenever a call found it damaged (its findings go to the
 * log). A check that finds the store in use damaged makes the guard replace it.
 */
export class IntegrityWatch implements Part {
  readonly name = 'integrity checker';
  private readonly running = new Set<IntegrityCheck>();
  private stopped = false;
  private readonly quickWaitMs: number;

  constructor(
    private readonly guard: StoreGuard,
    private readonly log: Logger,
    options: IntegrityWatchOptions = {},
  ) {
    this.quickWaitMs = options.quickWaitMs ?? 10_000;
    guard.onReplaced((degraded, cause) => {
      if (cause === 'call') void this.check('quick', degraded.damagedFile);
    });
  }

  async start(): Promise<void> {
    const quick = this.check('quick', this.guard.path);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((done) => (timer = setTimeout(done, this.quickWaitMs)));
    await Promise.race([quick, bound]);
    clearTimeout(timer);
    // After the quick check: two checks at once would only compete for the disk.
    void quick.then(() => this.check('full', this.guard.path));
  }

  stop(): void {
    this.close();
  }

  /**
   * Ends the checks that run. Not awaited: a worker inside SQLite's C code ends only when
   * that call returns, which on a large file can take minutes; it holds nothing the node
   * needs, and never keeps the process alive.
   */
  close(): void {
    this.stopped = true;
    for (const check of this.running) void check.abort();
  }

  /** Runs one check of `path` and acts on its verdict; never rejects. */
  private async check(mode: IntegrityMode, path: string): Promise<void> {
    if (this.stopped) return;
    const check = checkIntegrity(path, mode);
    this.running.add(check);
    try {
      const verdict = await check.verdict;
      if (verdict.problems.length === 0) {
        this.log.info({ file: path, mode, ms: verdict.ms }, 'database integrity check passed');
        return;
      }
      this.log.error(
        { file: path, mode, ms: verdict.ms, problems: verdict.problems },
        'database integrity check found damage',
      );
      if (path === this.guard.path) {
        this.guard.replace(
          `${mode === 'quick' ? 'quick_check' : 'integrity_check'}: ${verdict.problems.slice(0, 3).join('; ')}`,
          path,
          'check',
        );
      }
    } catch (error) {
      if (!this.stopped) {
        this.log.warn(
          { file: path, mode, error: describeError(error) },
          'integrity check did not run',
        );
      }
    } finally {
      this.running.delete(check);
    }
  }
}
