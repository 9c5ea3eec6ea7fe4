/**
 * Is a database file sound? SQLite's own checks (`PRAGMA quick_check`: every page and record
 * readable and well formed; `PRAGMA integrity_check`: that and every index agreeing with its
 * table), run in a worker thread with a read-only connection of its own, and the test that
 * tells corruption from other SQLite errors.
 */
import { Worker } from 'node:worker_threads';

/** `quick`: `PRAGMA quick_check`, O(size); `full`: `PRAGMA integrity_check`, also checks indexes (slower). */
export type IntegrityMode = 'quick' | 'full';

/** What the worker is started with. */
export interface IntegrityWorkerData {
  path: string;
  mode: IntegrityMode;
  maxProblems: number;
}

export interface IntegrityVerdict {
  mode: IntegrityMode;
  /** SQLite's findings, one line each (at most `maxProblems`); empty when the file is sound. */
  problems: string[];
  /** How long the check took, ms. */
  ms: number;
}

export interface IntegrityCheck {
  /**
   * Resolves with the verdict; a file SQLite cannot even open as a database is a verdict with
   * that one problem. Rejects on other failures (no such file, no permission, aborted).
   */
  verdict: Promise<IntegrityVerdict>;
  /** Stops the worker (a check in SQLite's C code ends first); the verdict rejects. */
  abort(): Promise<void>;
}

export interface IntegrityOptions {
  /** Problems reported at most; SQLite stops looking after as many. @defaultValue 20 */
  maxProblems?: number;
}

const WORKER_URL = new URL('./integrity-worker.js', import.meta.url);

/**
 * SQLite's result codes for a damaged file: SQLITE_CORRUPT and its extended codes
 * (SQLITE_CORRUPT_INDEX, …), and SQLITE_NOTADB (the header is not SQLite's).
 */
export function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
  );
}

/** Checks the database at `path` from a worker thread; the caller's thread does not wait. */
export function checkIntegrity(
  path: string,
  mode: IntegrityMode,
  options: IntegrityOptions = {},
): IntegrityCheck {
  const startedAt = performance.now();
  const data: IntegrityWorkerData = { path, mode, maxProblems: options.maxProblems ?? 20 };
  const worker = new Worker(WORKER_URL, { workerData: data });
  // A check never keeps a process alive by itself.
  worker.unref();
  const verdict = new Promise<IntegrityVerdict>((resolve, reject) => {
    worker.once('message', (answer: { problems: string[] } | { error: string; code?: string }) => {
      const ms = Math.round(performance.now() - startedAt);
      if ('problems' in answer) resolve({ mode, problems: answer.problems, ms });
      else if (isCorruption(answer)) resolve({ mode, problems: [answer.error], ms });
      else reject(Object.assign(new Error(`${path}: ${answer.error}`), { code: answer.code }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the integrity check of ${path} ended (worker exit ${code})`)),
    );
  });
  // A verdict nobody waits for (the node stopped meanwhile) is no crash.
  verdict.catch(() => undefined);
  return {
    verdict,
    abort: async () => {
      await worker.terminate();
    },
  };
}
