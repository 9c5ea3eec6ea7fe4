/**
 * The integrity checker's thread (started by checkIntegrity): a read-only connection of its
 * own, so a check of a large database runs beside the node's work instead of inside it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { IntegrityWorkerData } from './integrity.js';

const port = parentPort;
if (!port) throw new Error('integrity-worker runs as a worker thread (checkIntegrity)');
const { path, mode, maxProblems } = workerData as IntegrityWorkerData;

/** The problems SQLite reports (none: sound), or the error that kept it from checking. */
function check(): { problems: string[] } | { error: string; code: string | undefined } {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const pragma = mode === 'quick' ? 'quick_check' : 'integrity_check';
    const rows = db.pragma(`${pragma}(${maxProblems})`) as Record<string, string>[];
    const lines = rows.map((row) => String(Object.values(row)[0]));
    return { problems: lines.length === 1 && lines[0] === 'ok' ? [] : lines };
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return { error: String(message ?? error), code: typeof code === 'string' ? code : undefined };
  } finally {
    db?.close();
  }
}

port.postMessage(check());
