/**
 * The password hasher's thread (started by PasswordHasher): scryptSync here blocks only this
 * thread, never libuv's pool, which the checks' DNS lookups need.
 */
import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** One hash to derive. */
export interface HashJob {
  id: number;
  password: string;
  salt: Uint8Array;
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

export type HashReply = { id: number; key: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('password-worker runs as a worker thread (PasswordHasher)');
port.on('message', (job: HashJob) => {
  const { id, password, salt, N, r, p, keyLength } = job;
  try {
    // scrypt needs 128 × N × r bytes; the limit is twice that, so it is never the obstacle.
    const key = scryptSync(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r });
    port.postMessage({ id, key } satisfies HashReply);
  } catch (error) {
    port.postMessage({ id, error: String(error) } satisfies HashReply);
  }
});
