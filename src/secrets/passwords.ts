/**
 * Password hashing with scrypt on a worker thread of its own, not on libuv's thread pool:
 * `crypto.scrypt` runs there, beside every `dns.lookup` of the checks (UV_THREADPOOL_SIZE, 4
 * by default), so a flood of logins would hold up the checks' name lookups. The worker hashes
 * one password at a time; a bounded queue answers 503 at once when it is full rather than
 * letting waits pile up.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { TirelessError } from '../errors/index.js';
import type { HashJob, HashReply } from './password-worker.js';

/** scrypt's cost parameters: N (CPU/memory cost, a power of 2), r (block size), p (parallelism). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's Password Storage Cheat Sheet (the scrypt section, as of 2025): "a minimum CPU/memory
 * cost parameter of (2^17), a minimum block size of 8 (1024 bytes), and a parallelization
 * parameter of 1". Each hash takes 128 × N × r = 128 MiB of memory (on the worker, one at a
 * time) and about 0.4 s of one core.
 */
export const OWASP_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** Derived key length, bytes. */
const KEY_LENGTH = 32;

/** A stored hash with larger parameters than these is refused: it would take too much memory. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/** What checking a password against a stored hash found. */
export interface PasswordCheck {
  matches: boolean;
  /** The stored hash was made with other parameters than the hasher's: hash it again. */
  stale: boolean;
}

export interface PasswordHasherOptions {
  /** The parameters new hashes are made with. @defaultValue OWASP_SCRYPT */
  params?: ScryptParams;
  /**
   * Hashes waiting or running at most; one more is refused with TIRELESS_UNAVAILABLE (503).
   * At ~0.4 s each, 16 is a wait of ~6 s at worst. @defaultValue 16
   */
  maxPending?: number;
  /**
   * How long the worker stays without work before it stops, ms: logins are rare, and an idle
   * thread holds ~10 MB of memory. The next hash starts a new one. @defaultValue 30_000
   */
  idleMs?: number;
}

const WORKER_URL = new URL('./password-worker.js', import.meta.url);

/**
 * Hashes and checks passwords as `scrypt$N$r$p$salt$hash` (salt and hash base64url), on one
 * worker thread started at the first use and stopped after `idleMs` without work (an idle one
 * keeps no process alive).
 */
export class PasswordHasher {
  readonly params: ScryptParams;
  private readonly maxPending: number;
  private readonly idleMs: number;
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly retired = new WeakSet<Worker>();
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (key: Buffer) => void; reject: (error: Error) => void }
  >();

  constructor(options: PasswordHasherOptions = {}) {
    this.params = Object.freeze({ ...(options.params ?? OWASP_SCRYPT) });
    this.maxPending = options.maxPending ?? 16;
    this.idleMs = options.idleMs ?? 30_000;
  }

  /** Whether a worker thread is running (started, and not yet stopped for idleness). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Hashes waiting or running on the worker. */
  get pending(): number {
    return this.waiting.size;
  }

  /** A new hash of `password`, with a fresh 16-byte salt. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.derive(password, salt, this.params);
    const { N, r, p } = this.params;
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /**
   * Whether `password` is the one `stored` was made from (in time that tells nothing of
   * either), and whether `stored` has older parameters. A malformed hash matches nothing.
   */
  async check(password: string, stored: string): Promise<PasswordCheck> {
    const parsed = parseHash(stored);
    if (!parsed) return { matches: false, stale: false };
    const key = await this.derive(password, parsed.salt, parsed.params);
    const matches = key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
    const { N, r, p } = parsed.params;
    const stale = N !== this.params.N || r !== this.params.r || p !== this.params.p;
    return { matches, stale };
  }

  /**
   * A hash no password matches, with the current parameters: checking a password against it
   * costs what a real check does (for unknown emails, so timing tells nothing).
   */
  decoy(): string {
    const { N, r, p } = this.params;
    const random = (bytes: number) => randomBytes(bytes).toString('base64url');
    return ['scrypt', N, r, p, random(16), random(KEY_LENGTH)].join('$');
  }

  /** Stops the worker; hashes still waiting are refused. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    if (this.waiting.size >= this.maxPending) {
      return Promise.reject(
        new TirelessError(
          'TIRELESS_UNAVAILABLE',
          'too many password checks at once on this server; retry in a few seconds',
        ),
      );
    }
    const id = this.nextId++;
    const job: HashJob = { id, password, salt, ...params, keyLength: KEY_LENGTH };
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      clearTimeout(this.idleTimer);
      const worker = this.started();
      // Held while it works for someone (a script awaiting a hash); idle, it holds nothing.
      worker.ref();
      worker.postMessage(job);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    worker.on('message', (reply: HashReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) {
        worker.unref();
        this.idleTimer = setTimeout(() => this.retire(worker), this.idleMs).unref();
      }
      if ('key' in reply) waiter?.resolve(Buffer.from(reply.key));
      else waiter?.reject(new TirelessError('TIRELESS_INTERNAL', reply.error));
    });
    // A worker that died (or was closed) fails what it held; the next hash starts a new one.
    const fail = (why: string) => {
      if (this.retired.has(worker)) return;
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.waiting.values())
        waiter.reject(new TirelessError('TIRELESS_INTERNAL', why));
      this.waiting.clear();
    };
    worker.on('error', (error) => fail(`the password hasher failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the password hasher stopped (exit ${code})`));
    this.worker = worker;
    return worker;
  }

  /** Stops an idle worker; its exit fails nothing (the hashes waiting are the next one's). */
  private retire(worker: Worker): void {
    if (this.worker !== worker || this.waiting.size > 0) return;
    this.worker = undefined;
    this.retired.add(worker);
    void worker.terminate();
  }
}

/** The parts of a stored `scrypt$N$r$p$salt$hash`, or undefined when malformed or too costly. */
function parseHash(
  stored: string,
): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key || rest.length > 0) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const { N } = params;
  const sane =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= MAX_R &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= MAX_P;
  if (!sane) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** The process's hasher: one worker for every API in it. */
export const passwords = new PasswordHasher();
