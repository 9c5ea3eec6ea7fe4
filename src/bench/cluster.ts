/**
 * Scenario 8, cluster: three Tireless nodes and three nats-servers on this one machine (six
 * processes sharing its cores with the targets), HTTP monitors at 10 s:
 * - held, by the criteria of the capacity scenario, over the whole cluster, beside one solo
 *   node with the same monitors in the same run;
 * - replication lag: a result committed on the node that checked it → visible in another
 *   node's SQLite file;
 * - failover: one node killed -9 → its monitors checked by the others, and its slots missed;
 * - two of three dead (nodes and their nats-servers, so no quorum): the survivor's share of
 *   the slots, and a down alert's latency from the target's failure to the webhook receiver.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  ApiClient,
  startNatsCluster,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
  type NatsCluster,
  type RecordingHttpServer,
  type TirelessProcess,
} from '../testing/index.js';
import { failover, replicationLag, type SeenResult, type StoredCheck } from './cluster-figures.js';
import type { BenchContext, Scenario } from './context.js';
import { slotAfter } from '../slots/index.js';
import { heldVerdict, startToArrival, targetLateness, type HeldVerdict } from './held.js';
import { HELD_COLUMNS, heldCells, measureLoadWindow, type LoadFigures } from './load-window.js';
import { ProcessSampler } from './proc-stats.js';
import { fmt, megabytes, type ScenarioReport } from './report.js';
import { checkStarts, slotFigures } from './results-db.js';
import type { Spread } from './stats.js';
import { startTargetPool, type TargetPool } from './target-pool.js';
import {
  createHttpFleet,
  databaseOf,
  scrapeMetrics,
  sumSamples,
  type BenchNode,
  type Fleet,
  withBenchNode,
} from './tireless-node.js';

const INTERVAL_SECONDS = 10;
const NODES = 3;
/** How often the bench reads each node's file for the replication lag, ms. */
const POLL_MS = 25;
/** Monitors whose results the replication watch follows. */
const WATCHED_MONITORS = 100;
/** After a window, before its results are read: checks finish, batches flush and replicate. */
const GRACE_SECONDS = 5;
/** How long the bench watches the survivors after a kill, s (three slots of each monitor). */
const AFTER_KILL_SECONDS = 3 * INTERVAL_SECONDS;

interface ClusterNodeProcess extends BenchNode {
  id: string;
  process: TirelessProcess;
}

interface ClusterWindow extends Omit<LoadFigures, 'nodeMainThreadCpu' | 'nodeBusiestWorkerCpu'> {
  natsCpu: number;
  natsMaxRss: number;
  /** Checks of the window's slots per node. */
  checksPerNode: Record<string, number>;
  /** (monitor, slot) with results from more than one node. */
  checkedTwice: number;
  replication: { lag: Spread; missing: number };
}

interface KillFigures {
  monitors: number;
  firstElsewhereMs: number;
  allElsewhereMs: number;
  neverTakenOver: number;
  /** The killed node's monitors' slots from one interval before the kill to the end of the watch. */
  expectedSlots: number;
  /** Of those, slots without a result on the survivors. */
  missedSlots: number;
}

interface SurvivorFigures {
  /** Slots checked by the one survivor (no quorum), % of expected, over a window. */
  slotsCheckedPct: number;
  /** The target started failing → the down alert arrived at the webhook receiver, ms. */
  alertAfterFailureMs: number;
  /** The first failing check started → the down alert arrived, ms. */
  alertAfterCheckMs: number;
}

export const clusterScenario: Scenario = {
  name: 'cluster',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const count = context.quick ? 2_000 : 10_000;
    const windowSeconds = context.quick ? 15 : 60;
    const pool = await startTargetPool(context.targetProcesses);
    try {
      console.log(`cluster: a solo node with ${fmt(count)} monitors, for comparison…`);
      const solo = await runSolo(pool, count, windowSeconds);
      const cluster = await runCluster(pool, count, windowSeconds);
      return report(count, windowSeconds, solo, cluster, context);
    } finally {
      await pool.close();
    }
  },
};

function runSolo(pool: TargetPool, count: number, windowSeconds: number) {
  return withBenchNode({}, async (node) => {
    const { fleet } = await createHttpFleet(node, pool, count, INTERVAL_SECONDS);
    await sleep(INTERVAL_SECONDS * 1000);
    return measureLoadWindow(node, pool, windowSeconds, fleet);
  });
}

async function runCluster(pool: TargetPool, count: number, windowSeconds: number) {
  const nats = await startNatsCluster(NODES);
  const secretKey = randomBytes(32).toString('hex');
  const nodes: ClusterNodeProcess[] = [];
  const flip = await startRecordingHttpServer();
  const alerts: { at: number; event: unknown; monitorId: unknown }[] = [];
  const receiver = await startRecordingHttpServer((request) => {
    const body = request.json as { event?: unknown; monitor?: { id?: unknown } } | undefined;
    alerts.push({ at: Date.now(), event: body?.event, monitorId: body?.monitor?.id });
    return { status: 200, body: {} };
  });
  try {
    for (let i = 0; i < NODES; i++) nodes.push(await startClusterNode(nats, i, secretKey));
    const [first] = nodes as [ClusterNodeProcess];
    const token = await first.api.setUp({ email: 'bench@example.com', password: 'bench-password' });
    for (const node of nodes) node.api.token = token;
    for (const node of nodes) {
      await waitFor('the token on every node', async () =>
        (await node.api.request('GET', '/api/v1/monitors')).status === 200 ? true : undefined,
      );
    }
    const flipMonitor = await createFlipMonitor(first.api, flip, receiver);
    console.log(`cluster: creating ${fmt(count)} monitors through node 1…`);
    const { fleet } = await createHttpFleet(first, pool, count, INTERVAL_SECONDS);
    await waitFor(
      'every monitor in every replica',
      () => (nodes.every((node) => monitorsIn(node) === count + 1) ? true : undefined),
      120_000,
      500,
    );
    await sleep(INTERVAL_SECONDS * 1000);

    console.log(
      `cluster: measuring ${fmt(count)} monitors on ${NODES} nodes for ${windowSeconds} s…`,
    );
    const window = await measureClusterWindow(nodes, nats, pool, fleet, windowSeconds);
    console.log(
      `cluster: ${window.verdict.held ? 'held' : 'NOT held'}, p99 ${fmt(window.targetLateness.p99)} ms at the target, replication lag p99 ${fmt(window.replication.lag.p99)} ms`,
    );

    const victim = nodes[2] as ClusterNodeProcess;
    console.log(`cluster: kill -9 ${victim.id}, watching the others for ${AFTER_KILL_SECONDS} s…`);
    const kill = await killAndWatch(victim, first, fleet);
    console.log(
      `cluster: ${victim.id}'s ${fmt(kill.monitors)} monitors: first checked elsewhere after ${fmt(kill.firstElsewhereMs)} ms, all after ${fmt(kill.allElsewhereMs)} ms, ${fmt(kill.missedSlots)} slots missed`,
    );

    console.log('cluster: kill -9 a second node and two nats-servers (no quorum)…');
    const survivor = await twoOfThreeDead(nodes, nats, fleet, flip, alerts, flipMonitor);
    console.log(
      `cluster: the survivor checked ${fmt(survivor.slotsCheckedPct, 2)} % of slots; down alert ${fmt(survivor.alertAfterFailureMs)} ms after the target failed`,
    );
    return { window, kill, survivor };
  } finally {
    await Promise.all(nodes.map((node) => node.process.kill()));
    await nats.stop();
    await flip.close();
    await receiver.close();
    for (const node of nodes) rmSync(node.dataDir, { recursive: true, force: true });
  }
}

async function startClusterNode(
  nats: NatsCluster,
  i: number,
  secretKey: string,
): Promise<ClusterNodeProcess> {
  const id = `bench-${i + 1}`;
  const dataDir = tempDir('tireless-bench-cluster-');
  const process = await startTireless(dataDir, {
    args: ['--cluster', nats.urls.join(','), '--node-id', id, '--region', `region-${i + 1}`],
    env: { TIRELESS_SECRET_KEY: secretKey },
  });
  return {
    id,
    process,
    pid: process.child.pid as number,
    dataDir,
    api: new ApiClient(process.url),
    stop: async () => void (await process.stop()),
  };
}

/** A monitor of a target the bench makes fail, alerting a webhook receiver. */
async function createFlipMonitor(
  api: ApiClient,
  flip: RecordingHttpServer,
  receiver: RecordingHttpServer,
): Promise<string> {
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'bench receiver',
    config: { url: `${receiver.url}/alerts` },
  });
  const monitor = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'bench flip',
    type: 'http',
    url: `${flip.url}/flip`,
    intervalSeconds: INTERVAL_SECONDS,
    channelIds: [channel.id],
  });
  return monitor.id;
}

function monitorsIn(node: BenchNode): number {
  return readDatabase(node, (db) =>
    db.prepare("SELECT count(*) FROM config WHERE kind = 'monitor'").pluck().get(),
  ) as number;
}

function readDatabase<T>(node: BenchNode, read: (db: Database.Database) => T): T {
  const db = new Database(databaseOf(node), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function measureClusterWindow(
  nodes: ClusterNodeProcess[],
  nats: NatsCluster,
  pool: TargetPool,
  fleet: Fleet,
  seconds: number,
): Promise<ClusterWindow> {
  const [first] = nodes as [ClusterNodeProcess];
  const before = await Promise.all(nodes.map(scrapeMetrics));
  const watch = new ReplicationWatch(
    nodes,
    fleet.monitors.slice(0, WATCHED_MONITORS).map((m) => m.id),
  );
  const natsPids = nats.servers.map((s) => s.pid).filter((pid) => pid !== undefined);
  const sampler = new ProcessSampler({
    nodes: nodes.map((n) => n.pid),
    nats: natsPids,
    targets: pool.pids,
  });
  await pool.resetArrivals();
  watch.start();
  const from = Date.now();
  sampler.start();
  await sleep(seconds * 1000);
  const to = Date.now();
  const cpu = sampler.stop();
  const after = await Promise.all(nodes.map(scrapeMetrics));
  await sleep(GRACE_SECONDS * 1000);
  watch.stop();
  const slots = slotFigures(databaseOf(first), from, to, fleet.unhealthy);
  const arrivals = await pool.arrivals();
  const atTarget = targetLateness(arrivals, fleet.monitors, from, to);
  const starts = checkStarts(databaseOf(first), from, to);
  const afterStart = startToArrival(arrivals, fleet.monitors, starts, from, to);
  const missed = 'tireless_scheduler_missed_slots_total';
  const missedSlotsReported = after.reduce(
    (sum, samples, i) =>
      sum +
      sumSamples(samples, missed) -
      sumSamples(before[i] ?? new Map<string, number>(), missed),
    0,
  );
  const verdict: HeldVerdict = heldVerdict({
    ...slots,
    missedSlotsReported,
    targetLateness: atTarget,
  });
  const { checksPerNode, checkedTwice } = readDatabase(first, (db) => ({
    checksPerNode: Object.fromEntries(
      (
        db
          .prepare(
            `SELECT o.node, count(*) AS n FROM results r JOIN keys_origin o ON o.n = r.origin
             WHERE r.slot >= ? AND r.slot < ? GROUP BY o.node`,
          )
          .all(from, to) as { node: string; n: number }[]
      ).map((row) => [row.node, row.n]),
    ),
    checkedTwice: db
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM results WHERE slot >= ? AND slot < ?
         GROUP BY monitor, slot HAVING count(*) > 1)`,
      )
      .pluck()
      .get(from, to) as number,
  }));
  const elapsedSeconds = (to - from) / 1000;
  return {
    ...slots,
    windowFrom: from,
    windowTo: to,
    windowSeconds: elapsedSeconds,
    checksPerSecond: slots.checkedSlots / elapsedSeconds,
    startedPerSecond: slots.startedInWindow / elapsedSeconds,
    slotsCheckedPct: verdict.slotsCheckedPct,
    missedSlotsReported,
    targetLateness: atTarget,
    startToArrival: afterStart,
    upPct: verdict.upPct,
    verdict,
    nodeCpu: cpu.processes.nodes ?? Number.NaN,
    natsCpu: cpu.processes.nats ?? Number.NaN,
    targetCpu: cpu.processes.targets ?? Number.NaN,
    machineCpu: cpu.machine,
    othersCpu: cpu.others,
    nodeMaxRss: cpu.maxRss.nodes ?? Number.NaN,
    natsMaxRss: cpu.maxRss.nats ?? Number.NaN,
    nodeWriteBytesPerSecond: (cpu.written.nodes ?? Number.NaN) / elapsedSeconds,
    eventLoopDelayP99Ms: Math.max(
      ...after.map((samples) => 1000 * sumSamples(samples, 'nodejs_eventloop_lag_p99_seconds')),
    ),
    checksPerNode,
    checkedTwice,
    replication: replicationLag(
      watch.results(),
      nodes.map((n) => n.id),
      watch.startedAt + POLL_MS,
      to,
    ),
  };
}

/**
 * Reads every node's file every POLL_MS (read-only, beside the running nodes) and notes when
 * each result of the watched monitors first appears in each: the origin's file shows when
 * it was committed there, the others' when it was applied from the stream.
 */
class ReplicationWatch {
  private readonly seen = new Map<string, { origin: string; firstSeen: Map<string, number> }>();
  private readonly readers: { node: string; db: Database.Database; query: Database.Statement }[];
  private timer: NodeJS.Timeout | undefined;
  startedAt = 0;

  constructor(
    nodes: readonly ClusterNodeProcess[],
    private readonly monitorIds: readonly string[],
  ) {
    const marks = monitorIds.map(() => '?').join(', ');
    this.readers = nodes.map((node) => {
      const db = new Database(databaseOf(node), { readonly: true, fileMustExist: true });
      const query = db.prepare(
        `SELECT k.id, r.slot, o.node FROM results r
         JOIN keys_monitor k ON k.n = r.monitor JOIN keys_origin o ON o.n = r.origin
         WHERE k.id IN (${marks}) AND r.slot >= ?`,
      );
      return { node: node.id, db, query };
    });
  }

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const { db } of this.readers) db.close();
  }

  results(): Iterable<SeenResult> {
    return this.seen.values();
  }

  private poll(): void {
    const since = Date.now() - 3 * INTERVAL_SECONDS * 1000;
    for (const { node, query } of this.readers) {
      const now = Date.now();
      for (const row of query.all(...this.monitorIds, since) as {
        id: string;
        slot: number;
        node: string;
      }[]) {
        const key = `${row.id}@${row.slot}@${row.node}`;
        let entry = this.seen.get(key);
        if (!entry) this.seen.set(key, (entry = { origin: row.node, firstSeen: new Map() }));
        if (!entry.firstSeen.has(node)) entry.firstSeen.set(node, now);
      }
    }
  }
}

async function killAndWatch(
  victim: ClusterNodeProcess,
  reader: ClusterNodeProcess,
  fleet: Fleet,
): Promise<KillFigures> {
  const recentSince = Date.now() - 2 * INTERVAL_SECONDS * 1000;
  const theirs = new Set(
    readDatabase(
      reader,
      (db) =>
        db
          .prepare(
            `SELECT DISTINCT k.id FROM results r JOIN keys_monitor k ON k.n = r.monitor
           JOIN keys_origin o ON o.n = r.origin WHERE o.node = ? AND r.slot >= ?`,
          )
          .pluck()
          .all(victim.id, recentSince) as string[],
    ),
  );
  const killedAt = Date.now();
  await victim.process.kill();
  await sleep((AFTER_KILL_SECONDS + GRACE_SECONDS) * 1000);
  const watchedTo = killedAt + AFTER_KILL_SECONDS * 1000;
  const from = killedAt - INTERVAL_SECONDS * 1000;
  const checks = readDatabase(
    reader,
    (db) =>
      db
        .prepare(
          `SELECT k.id AS monitorId, r.slot, r.slot + r.lateness AS checkedAt, o.node
           FROM results r JOIN keys_monitor k ON k.n = r.monitor
           JOIN keys_origin o ON o.n = r.origin WHERE r.slot >= ? AND r.slot < ?`,
        )
        .all(from, watchedTo) as (StoredCheck & { slot: number })[],
  );
  const checkedSlots = new Set(checks.map((c) => `${c.monitorId}@${c.slot}`));
  let expectedSlots = 0;
  let missedSlots = 0;
  for (const monitor of fleet.monitors) {
    if (!theirs.has(monitor.id)) continue;
    for (
      let slot = slotAfter(monitor.id, monitor.intervalMs, from - 1);
      slot < watchedTo;
      slot += monitor.intervalMs
    ) {
      expectedSlots++;
      if (!checkedSlots.has(`${monitor.id}@${slot}`)) missedSlots++;
    }
  }
  return { ...failover(checks, victim.id, theirs, killedAt), expectedSlots, missedSlots };
}

async function twoOfThreeDead(
  nodes: ClusterNodeProcess[],
  nats: NatsCluster,
  fleet: Fleet,
  flip: RecordingHttpServer,
  alerts: { at: number; event: unknown; monitorId: unknown }[],
  flipMonitor: string,
): Promise<SurvivorFigures> {
  const [survivor, second] = nodes as [ClusterNodeProcess, ClusterNodeProcess];
  await second.process.kill();
  await Promise.all([nats.servers[1]?.kill(), nats.servers[2]?.kill()]);
  // The survivor notices it is alone (deadAfter, 3 s by default) and takes every monitor.
  await sleep(INTERVAL_SECONDS * 1000);
  const from = Date.now();
  const failedAt = Date.now();
  flip.setResponder(() => ({ status: 500, body: { error: 'made to fail by the bench' } }));
  const alert = await waitFor(
    'the down alert from the survivor',
    () => alerts.find((a) => a.event === 'monitor.down' && a.monitorId === flipMonitor),
    60_000,
    50,
  );
  await sleep(Math.max(0, from + INTERVAL_SECONDS * 2000 - Date.now()));
  const to = Date.now();
  await sleep(GRACE_SECONDS * 1000);
  const slots = slotFigures(databaseOf(survivor), from, to, fleet.unhealthy);
  const firstFailingCheck = readDatabase(
    survivor,
    (db) =>
      db
        .prepare(
          `SELECT min(r.slot + r.lateness) FROM results r JOIN keys_monitor k ON k.n = r.monitor
           WHERE k.id = ? AND r.up = 0 AND r.slot + r.lateness >= ?`,
        )
        .pluck()
        .get(flipMonitor, failedAt) as number | null,
  );
  return {
    slotsCheckedPct: (100 * slots.checkedSlots) / slots.expectedSlots,
    alertAfterFailureMs: alert.at - failedAt,
    alertAfterCheckMs: firstFailingCheck === null ? Number.NaN : alert.at - firstFailingCheck,
  };
}

function report(
  count: number,
  windowSeconds: number,
  solo: LoadFigures,
  cluster: { window: ClusterWindow; kill: KillFigures; survivor: SurvivorFigures },
  context: BenchContext,
): ScenarioReport {
  const { window, kill, survivor } = cluster;
  const perNode = Object.entries(window.checksPerNode)
    .map(([node, n]) => `${node} ${fmt(n)}`)
    .join(', ');
  return {
    name: 'cluster',
    tables: [
      {
        title: `Cluster: ${fmt(count)} monitors at ${INTERVAL_SECONDS} s, three nodes and three nats-servers on this machine, beside one solo node`,
        columns: [
          'setup',
          'checks/s',
          ...HELD_COLUMNS,
          'node CPU (sum of nodes)',
          'nats-server CPU (sum)',
          'target CPU',
          'machine CPU',
          'node RSS max (sum)',
          'replication lag p50 / p99 / max',
        ],
        rows: [
          [
            'solo (1 node)',
            fmt(solo.checksPerSecond),
            ...heldCells(solo),
            `${fmt(solo.nodeCpu)} %`,
            '–',
            `${fmt(solo.targetCpu)} %`,
            `${fmt(solo.machineCpu)} %`,
            `${megabytes(solo.nodeMaxRss)} MB`,
            '–',
          ],
          [
            'cluster (3 nodes)',
            fmt(window.checksPerSecond),
            ...heldCells(window),
            `${fmt(window.nodeCpu)} %`,
            `${fmt(window.natsCpu)} %`,
            `${fmt(window.targetCpu)} %`,
            `${fmt(window.machineCpu)} %`,
            `${megabytes(window.nodeMaxRss)} MB`,
            `${fmt(window.replication.lag.p50)} / ${fmt(window.replication.lag.p99)} / ${fmt(window.replication.lag.max)} ms`,
          ],
        ],
        notes: [
          `Window ${windowSeconds} s after ${INTERVAL_SECONDS} s of warm-up; ${context.targetProcesses} target processes. Solo and cluster run one after the other in this run, against the same targets.`,
          `Cluster: slots checked, lateness and up share from node 1's replica (every result of every node); missed slots summed over the nodes; checks per node: ${perNode}; (monitor, slot) checked by two nodes: ${fmt(window.checkedTwice)}.`,
          `Replication lag: a result of ${WATCHED_MONITORS} watched monitors committed in the window, first seen in the file of the node that checked it → first seen in each other node's file; the bench reads the three files every ${POLL_MS} ms (so ± ${POLL_MS} ms) until ${GRACE_SECONDS} s after the window; ${fmt(window.replication.lag.count)} samples, ${fmt(window.replication.missing)} never seen on another node by then.`,
          `The goal (cluster issue): ${fmt(10_000)} monitors at ${INTERVAL_SECONDS} s held by the cluster on this machine, replication lag p99 < 200 ms.`,
        ],
      },
      {
        title: 'Cluster faults',
        columns: ['fault', 'figure'],
        rows: [
          [
            `kill -9 one node (${fmt(kill.monitors)} monitors were its)`,
            `first checked elsewhere ${fmt(kill.firstElsewhereMs)} ms after the kill; all of them ${fmt(kill.allElsewhereMs)} ms after; ${fmt(kill.neverTakenOver)} never taken over`,
          ],
          [
            'slots of its monitors, one interval before the kill to 30 s after',
            `${fmt(kill.missedSlots)} of ${fmt(kill.expectedSlots)} without a result on the survivors`,
          ],
          [
            'kill -9 a second node and two of three nats-servers (no quorum)',
            `the survivor checked ${fmt(survivor.slotsCheckedPct, 2)} % of all slots over ${2 * INTERVAL_SECONDS} s`,
          ],
          [
            'a target fails while two of three are dead',
            `down alert at the webhook receiver ${fmt(survivor.alertAfterFailureMs)} ms after the target failed (${fmt(survivor.alertAfterCheckMs)} ms after the first failing check started; retries 0)`,
          ],
        ],
        notes: [
          'Nodes: --heartbeat-ms 1000, dead after 3,000 ms (defaults). "First checked elsewhere": the earliest check of a killed node’s monitor by another node, from the survivors’ replica. A slot without a result on the survivors includes results the killed node stored but had not yet published when it died (its outbox keeps them until it returns; it does not return here).',
        ],
      },
    ],
    data: { count, windowSeconds, intervalSeconds: INTERVAL_SECONDS, solo, ...cluster },
  };
}
