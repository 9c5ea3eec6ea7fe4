/** Bench helpers that run in their own process: targets and load loops (the *-main.js files). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** A bench child process and the first JSON line it printed. */
export interface BenchChild<T> {
  child: ChildProcess;
  pid: number;
  /** The first line the child printed on stdout, parsed as JSON. */
  firstLine: Promise<T>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `node <this folder>/<entry> ...args` (`env` added to ours); stderr passes through. */
export function spawnBenchChild<T>(
  entry: string,
  args: readonly string[],
  env: Record<string, string> = {},
): BenchChild<T> {
  const child = spawn(process.execPath, [join(HERE, entry), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = once(child, 'exit');
  const firstLine = new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
    void exited.then(([code]) => reject(new Error(`${entry} exited with ${String(code)}`)));
  });
  return {
    child,
    pid: child.pid as number,
    firstLine,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
