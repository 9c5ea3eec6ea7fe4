import { spawnBenchChild, type BenchChild } from './child-process.js';

/** Load targets, one process each, each on its own loopback port. */
export interface TargetPool {
  /** One base URL per process, e.g. http://127.0.0.1:40123/ */
  urls: string[];
  pids: number[];
  close(): Promise<void>;
}

/**
 * Starts `processes` target processes. Separate ports rather than node:cluster: cluster's
 * primary would accept every connection and hand it to a worker, a cost of its own.
 */
export async function startTargetPool(processes: number): Promise<TargetPool> {
  const children: BenchChild<{ port: number }>[] = [];
  for (let i = 0; i < processes; i++) children.push(spawnBenchChild('http-target-main.js', []));
  const ports = await Promise.all(children.map((child) => child.firstLine));
  return {
    urls: ports.map(({ port }) => `http://127.0.0.1:${port}/`),
    pids: children.map((child) => child.pid),
    close: async () => {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}
