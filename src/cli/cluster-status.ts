/**
 * `tireless cluster status`: one node's view of its cluster, from `GET /api/v1/cluster`:
 * nodes, regions, who is alive, how many monitors each checks, replication lag, outbox
 * depth, whether NATS and JetStream (its quorum) answer, messages passed over.
 */
import { TirelessError } from '../errors/index.js';
import { NodeApi } from './node-api.js';

export interface ClusterStatusOptions {
  /** Base URL of a running node, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An API or session token of any account. */
  token: string;
  /** Receives the lines to print. */
  log: (line: string) => void;
  /** Time the request may take, ms. @defaultValue 10_000 */
  requestTimeoutMs?: number;
}

type Counts = Record<string, number>;

/** The reply of `GET /api/v1/cluster` in cluster mode, as far as this command reads it. */
export interface ClusterView {
  mode: 'cluster';
  node: string;
  replicas: number;
  nodes: {
    id: string;
    region: string;
    version: string;
    alive: boolean;
    self: boolean;
    lastHeardAt: number;
    monitors: number;
  }[];
  outboxDepth: number;
  publishing: 'ok' | 'failing';
  replicationLag: number;
  configRevision: number;
  rejected: Counts;
  newer: Counts;
  jetstream: { connected: boolean; quorum: boolean };
}

/** Asks the node at `url` and prints its view; fails clearly when it runs solo or is away. */
export async function runClusterStatus(options: ClusterStatusOptions): Promise<ClusterView> {
  const api = new NodeApi(options.url, options.token, options.requestTimeoutMs ?? 10_000);
  const reply = (await api.send('GET', '/api/v1/cluster')) as {
    mode?: unknown;
    full?: unknown;
    state?: unknown;
  };
  if (reply.mode === 'solo') {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `the node at ${options.url} runs solo, not in cluster mode: start it with --cluster nats://…`,
    );
  }
  if (reply.full === false) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      `the node at ${options.url} is ${String(reply.state)}; only an owner or admin of the operator's account (the one setup made) sees the cluster's nodes: use one of their tokens`,
    );
  }
  if (reply.mode !== 'cluster' || !Array.isArray((reply as { nodes?: unknown }).nodes)) {
    throw new TirelessError(
      'TIRELESS_INTERNAL',
      `GET /api/v1/cluster at ${options.url}: not a cluster status (${JSON.stringify(reply).slice(0, 200)})`,
    );
  }
  const view = reply as ClusterView;
  for (const line of formatClusterStatus(view)) options.log(line);
  return view;
}

/** The lines `cluster status` prints for a view. Pure: ages are by the asked node's clock. */
export function formatClusterStatus(view: ClusterView): string[] {
  const now = view.nodes.find((n) => n.self)?.lastHeardAt ?? 0;
  const yes = (value: boolean) => (value ? 'yes' : 'no');
  const rows = [
    ['NODE', 'REGION', 'ALIVE', 'MONITORS', 'LAST HEARD', 'VERSION'],
    ...view.nodes.map((n) => [
      n.self ? `${n.id} (this)` : n.id,
      n.region,
      yes(n.alive),
      String(n.monitors),
      n.self ? '-' : `${((now - n.lastHeardAt) / 1000).toFixed(1)} s ago`,
      n.version,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const table = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths?.[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const regions = new Map<string, { alive: number; all: number }>();
  for (const n of view.nodes) {
    const region = regions.get(n.region) ?? { alive: 0, all: 0 };
    region.all++;
    if (n.alive) region.alive++;
    regions.set(n.region, region);
  }
  const alive = view.nodes.filter((n) => n.alive).length;
  const sum = (counts: Counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  const bySource = (counts: Counts) =>
    Object.entries(counts)
      .map(([source, n]) => `${source} ${n}`)
      .join(', ');
  return [
    `Cluster as node ${view.node} sees it: ${alive} of ${view.nodes.length} nodes alive`,
    ...table,
    `Regions: ${[...regions]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, r]) => `${name} (${r.alive}/${r.all} alive)`)
      .join(', ')}`,
    `JetStream: ${view.jetstream.connected ? 'connected' : 'NOT CONNECTED'}, ${
      view.jetstream.quorum
        ? 'quorum'
        : 'NO QUORUM (config writes answer 503; results wait in the outbox)'
    }; ${view.replicas} replicas`,
    `Replication lag: ${view.replicationLag} messages; outbox: ${view.outboxDepth} batches (publishing ${view.publishing}); config revision ${view.configRevision}`,
    `Messages passed over: ${sum(view.rejected)} rejected (${bySource(view.rejected)}), ${sum(view.newer)} of a newer version kept (${bySource(view.newer)})`,
  ];
}
