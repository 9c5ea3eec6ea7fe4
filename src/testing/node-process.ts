import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is src/testing or dist/testing). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TIRELESS_BIN = join(REPO_ROOT, 'bin', 'tireless.js');

export function tempDir(prefix = 'tireless-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TirelessProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to flush anything. */
  kill(): Promise<void>;
}

/** Runs `tireless <args>` to completion: exit code and output. */
export function runTireless(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [TIRELESS_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * Starts the real binary (`tireless start --port 0 --data dir`), and resolves once it prints
 * the URL it listens on. Fails loudly with its output if it exits or is silent for 30 s.
 * `args` go to `tireless start`, `nodeArgs` to node itself (e.g. --cpu-prof, which
 * NODE_OPTIONS does not take), `env` to the process.
 */
export function startTireless(
  dataDir: string,
  options: { args?: string[]; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<TirelessProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      TIRELESS_BIN,
      'start',
      '--data',
      dataDir,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--log-level',
      'warn',
      ...(options.args ?? []),
    ],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((resolvePromise, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tireless did not start within 30 s; output:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /is running at (https?:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timeout);
      resolvePromise({
        url: match[1] as string,
        child,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(new Error(`tireless exited with ${code} before it started; output:\n${output}`));
    });
  });
}

/** A small JSON client for the REST API. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const reply = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await reply.text();
    return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Creates the owner account (first-run setup) and uses its token from then on. */
  async setUp(owner: { email: string; password: string }): Promise<string> {
    const reply = await this.expect<{ token: string }>(201, 'POST', '/api/v1/setup', owner);
    this.token = reply.token;
    return reply.token;
  }

  /** Like request, but throws unless the status is the expected one. */
  async expect<T = unknown>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const reply = await this.request<T>(method, path, body);
    if (reply.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`,
      );
    }
    return reply.body;
  }
}

/** The owner the end-to-end tests set up on a fresh node. */
export const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

/**
 * Starts the binary on `dataDir` for test `t` (killed when the test ends, if it still runs),
 * and sets up `OWNER` there: the node, and a client with the owner's token.
 */
export async function startOwnedNode(
  t: TestContext,
  dataDir = tempDir(),
): Promise<{ node: TirelessProcess; api: ApiClient }> {
  const node = await startTireless(dataDir);
  t.after(() => node.kill().catch(() => undefined));
  const api = new ApiClient(node.url);
  await api.setUp(OWNER);
  return { node, api };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
