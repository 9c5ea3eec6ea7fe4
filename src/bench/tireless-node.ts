/** The real binary under load: started, set up, filled with monitors through the API. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, startTireless, tempDir } from '../testing/index.js';
import type { BenchMonitor } from './held.js';
import type { TargetPool } from './target-pool.js';

/** The database file inside a data dir (as the node names it). */
const DATABASE_FILE = 'tireless.db';
/** The owner every bench node is set up with (the dashboard scenario logs in as it). */
export const BENCH_OWNER = { email: 'bench@example.com', password: 'bench-password' } as const;
/** Monitor POSTs in flight at once while creating monitors. */
const CREATE_CONCURRENCY = 32;

export interface BenchNode {
  pid: number;
  dataDir: string;
  api: ApiClient;
  /** SIGTERM; resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface MonitorSpec {
  intervalSeconds: number;
  /** Monitor n's fields beyond name and interval, e.g. `{ type: 'http', url }`. */
  fields(n: number): Record<string, unknown>;
  /** Whether monitor n's target never answers on purpose (left out of the up share). */
  unhealthy?(n: number): boolean;
  paused?: boolean;
}

/**
 * The bench's monitors on one node, numbered from 0 in creation order: monitor n is the one
 * whose requests reach the targets as /m/<n>.
 */
export interface Fleet {
  monitors: BenchMonitor[];
  /** Ids of the monitors whose target never answers on purpose. */
  unhealthy: Set<string>;
}

export function emptyFleet(): Fleet {
  return { monitors: [], unhealthy: new Set() };
}

/** `fields` of HTTP monitors spread over the pool's targets, each with its own /m/<n> path. */
export function httpFields(pool: TargetPool, silent?: (n: number) => boolean) {
  return (n: number): Record<string, unknown> => {
    const base = pool.urls[n % pool.urls.length] as string;
    return { type: 'http', url: `${base}${silent?.(n) ? 'silent' : 'm'}/${n}` };
  };
}

/** Monitors created and how fast, monitors/s. */
export interface Creation {
  ids: string[];
  perSecond: number;
}

/** A new fleet of `count` HTTP monitors at `intervalSeconds` over the pool's targets. */
export async function createHttpFleet(
  node: BenchNode,
  pool: TargetPool,
  count: number,
  intervalSeconds: number,
): Promise<{ fleet: Fleet; creation: Creation }> {
  const fleet = emptyFleet();
  const creation = await createMonitors(node, fleet, count, {
    intervalSeconds,
    fields: httpFields(pool),
  });
  return { fleet, creation };
}

/**
 * Starts `tireless start` on `dataDir` and signs in: with `token` (a restart on a data dir
 * that was set up before) or by running the first-time setup. `nodeArgs` go to node itself
 * (e.g. --cpu-prof, which NODE_OPTIONS does not take), `env` to the process.
 */
export async function startBenchNode(
  dataDir: string,
  options: { token?: string; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<BenchNode> {
  const { url, stop, pid } = await launch(dataDir, options.nodeArgs ?? [], options.env ?? {});
  const api = new ApiClient(url, options.token);
  api.token ??= (
    await api.expect<{ token: string }>(201, 'POST', '/api/v1/setup', BENCH_OWNER)
  ).token;
  return { pid, dataDir, api, stop };
}

/** Runs `work` with a fresh data dir, removed afterwards whatever `work` does. */
export async function withDataDir<T>(work: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = tempDir('tireless-bench-');
  try {
    return await work(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Runs `work` with a node started (as startBenchNode, with `options`) on a fresh data dir;
 * afterwards the node stops and the dir is removed, whatever `work` does.
 */
export function withBenchNode<T>(
  options: Parameters<typeof startBenchNode>[1],
  work: (node: BenchNode) => Promise<T>,
): Promise<T> {
  return withDataDir(async (dataDir) => {
    const node = await startBenchNode(dataDir, options);
    try {
      return await work(node);
    } finally {
      await node.stop();
    }
  });
}

/** Spawns the binary and resolves once it listens. */
async function launch(dataDir: string, nodeArgs: string[], env: Record<string, string>) {
  const node = await startTireless(dataDir, { nodeArgs, env });
  const stop = async () => {
    await node.stop();
  };
  return { url: node.url, stop, pid: node.child.pid as number };
}

/** The node's SQLite file. */
export function databaseOf(node: BenchNode): string {
  return join(node.dataDir, DATABASE_FILE);
}

/**
 * Creates `count` more monitors of the fleet through the API, CREATE_CONCURRENCY POSTs at a
 * time, numbered on from the fleet's last.
 */
export async function createMonitors(
  node: BenchNode,
  fleet: Fleet,
  count: number,
  spec: MonitorSpec,
): Promise<Creation> {
  const first = fleet.monitors.length;
  const ids = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const n = first + i;
      const created = await node.api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
        name: `bench ${n}`,
        ...spec.fields(n),
        intervalSeconds: spec.intervalSeconds,
        ...(spec.paused ? { paused: true } : {}),
      });
      ids[i] = created.id;
      if (spec.unhealthy?.(n)) fleet.unhealthy.add(created.id);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(CREATE_CONCURRENCY, count) }, worker));
  for (const id of ids) fleet.monitors.push({ id, intervalMs: spec.intervalSeconds * 1000 });
  return { ids, perSecond: count / ((performance.now() - started) / 1000) };
}

/** The node's Prometheus samples, by name with labels, e.g. `x_total{reason="late"}`. */
export async function scrapeMetrics(node: BenchNode): Promise<Map<string, number>> {
  const reply = await fetch(`${node.api.baseUrl}/metrics`);
  const samples = new Map<string, number>();
  for (const line of (await reply.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Sum of every sample whose name (before any labels) is `name`. */
export function sumSamples(samples: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if (key === name || key.startsWith(`${name}{`)) sum += value;
  }
  return sum;
}
