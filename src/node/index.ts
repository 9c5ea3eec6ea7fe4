/**
 * The composition root: builds a node from its settings — store, config writer, scheduler,
 * checkers, result writer, judge, deliverer and HTTP API — and starts and stops it in order.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { createJudge, Deliverer, MaintenanceCalendar } from '../alerts/index.js';
import { CheckPool } from '../check-pool/index.js';
import { buildApi } from '../api/index.js';
import { systemClock, type Clock } from '../clock/index.js';
import { soloAssignment, SoloConfigWriter, type Assignment } from '../cluster/index.js';
import type { Settings } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { createMetrics } from '../metrics/index.js';
import type { Monitor } from '../model/index.js';
import { privateAddressGuard } from '../net-guard/index.js';
import { Scheduler } from '../scheduler/index.js';
import { SecretBox } from '../secrets/index.js';
import { Store, DAY_MS, HOUR_MS, startCheckpointer, type Judge } from '../store/index.js';
import { registerPages } from '../web/index.js';
import { createCheckRunner, toScheduled, type ScheduledMonitor } from './check-runner.js';
import { ResultWriter } from './result-writer.js';

export const VERSION = '0.1.0';
export const DATABASE_FILE = 'tireless.db';
export const SECRET_KEY_FILE = 'secret.key';

export interface NodeOptions {
  clock?: Clock;
  log?: Logger;
  /** Result batching and delivery polling, for tests that want them quicker. */
  tuning?: { flushMs?: number; deliveryPollMs?: number; deliveryTimeoutMs?: number };
}

export interface RunningNode {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  nodeId: string;
  store: Store;
  app: FastifyInstance;
  scheduler: Scheduler<ScheduledMonitor>;
  /** Whether the database had no user when the node started (the setup form is open). */
  needsSetup: boolean;
  /** Stops checks (waiting for those in flight), writes buffered results, closes everything. */
  stop(): Promise<void>;
}

export async function startNode(
  settings: Settings,
  options: NodeOptions = {},
): Promise<RunningNode> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? pino({ level: settings.logLevel });
  const dataDir = resolve(settings.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const store = new Store(join(dataDir, DATABASE_FILE));
  const nodeId = store.getMeta('node_id') ?? createNodeId(store);
  const secrets = new SecretBox(loadSecretKey(dataDir, settings.secretKey));
  const assignment: Assignment = soloAssignment;
  const config = new SoloConfigWriter(store);

  const metrics = createMetrics({
    pendingDeliveries: () => store.countPendingDeliveries(),
    monitorsScheduled: () => schedule.size,
  });

  const maintenance = new MaintenanceCalendar(store, config);
  const coordinatorJudge = createJudge({
    maintenanceOf: (accountId) => maintenance.windowsOf(accountId),
  });
  const judge: Judge = (monitor, state, result) =>
    assignment.coordinates(monitor.id) ? coordinatorJudge(monitor, state, result) : undefined;

  const deliverer = new Deliverer(store, secrets, clock, log, {
    pollMs: options.tuning?.deliveryPollMs,
    sendTimeoutMs: options.tuning?.deliveryTimeoutMs,
    onAttempt: (outcome) => metrics.deliveries.inc({ outcome }),
    addressGuard: settings.blockPrivateTargets ? privateAddressGuard : undefined,
  });
  const writer = new ResultWriter(store, judge, clock, log, {
    flushMs: options.tuning?.flushMs,
    onFlushed: (report) => {
      metrics.resultsApplied.inc(report.applied);
      if (report.queued > 0) deliverer.wake();
    },
  });
  const missedLog = new MissedSlotLog(log, clock);
  const pool = new CheckPool({
    workers: settings.checkWorkers,
    blockPrivateTargets: settings.blockPrivateTargets,
    log,
  });
  const runCheck = createCheckRunner({
    clock,
    node: nodeId,
    region: settings.region,
    metrics,
    pool,
    lastPushAt: (monitorId) => store.lastPushAt(monitorId),
    record: (result) => writer.add(result),
  });
  const schedule = new Scheduler<ScheduledMonitor>({
    clock,
    check: runCheck,
    isAssigned: (monitorId) => assignment.checks(monitorId),
    onMissed: (monitorId, slots, reason) => {
      metrics.missedSlots.inc({ reason }, slots);
      missedLog.add(monitorId, slots, reason);
    },
    maxConcurrent: settings.maxConcurrentChecks,
  });
  for (const monitor of store.listAll<Monitor>('monitor')) schedule.upsert(toScheduled(monitor));
  config.onChange((change) => {
    if (change.kind !== 'monitor') return;
    if (change.doc === null) {
      schedule.remove(change.id);
      pool.forget(change.id);
    } else schedule.upsert(toScheduled(change.doc as Monitor));
  });

  const needsSetup = store.countAll('user') === 0;
  const app = await buildApi({
    store,
    config,
    maintenance,
    secrets,
    clock,
    metrics,
    log,
    node: { id: nodeId, region: settings.region, version: VERSION },
    settings: {
      bodyLimitBytes: settings.bodyLimitBytes,
      signup: settings.signup,
      authRateLimit: { max: settings.authRateLimitPerMinute, windowMs: 60_000 },
      sessionTtlMs: 30 * DAY_MS,
      trustProxy: settings.trustedProxies === '' ? false : settings.trustedProxies,
    },
    wakeDeliverer: () => deliverer.wake(),
  });
  registerPages(app, { needsSetup: () => store.countAll('user') === 0, version: VERSION });
  await app.listen({ port: settings.port, host: settings.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const shownHost =
    settings.host === '0.0.0.0' || settings.host === '::' ? 'localhost' : settings.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  // WAL checkpoints on another core, beside the commits (the Store's autocheckpoint is the backstop).
  const checkpointer = startCheckpointer(store.path, {
    onError: (error) =>
      log.warn({ error: describeError(error) }, 'WAL checkpointer failed; starting it again'),
  });
  schedule.start();
  deliverer.start();
  const prune = () => {
    const retentionMs = settings.retentionDays * DAY_MS;
    const removed = store.housekeep({ now: clock.now(), retentionMs });
    if (Object.values(removed).some((n) => n > 0)) log.info({ removed }, 'old rows pruned');
  };
  prune();
  const pruneTimer = setInterval(prune, HOUR_MS);
  pruneTimer.unref();
  log.info(
    {
      url,
      node: nodeId,
      region: settings.region,
      monitors: schedule.size,
      checkWorkers: pool.workers,
    },
    'tireless started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(pruneTimer);
      await app.close();
      // In-flight checks finish (bounded by their timeouts) and their results are written.
      const checksDone = schedule.stop();
      const deadline = setTimeout(() => pool.abortAll(), 10_000);
      await checksDone;
      clearTimeout(deadline);
      await pool.close();
      writer.flush();
      await deliverer.stop();
      await checkpointer.stop();
      store.close();
      log.info('tireless stopped');
    })());

  return { url, port, nodeId, store, app, scheduler: schedule, needsSetup, stop };
}

/**
 * Missed slots, logged at most once per 10 s with counts: an overloaded node misses
 * thousands a second, and a line for each would only add to the load.
 */
class MissedSlotLog {
  private counts = { late: 0, busy: 0 };
  private monitors = new Set<string>();
  private lastLoggedAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  add(monitorId: string, slots: number, reason: 'late' | 'busy'): void {
    this.counts[reason] += slots;
    if (this.monitors.size < 10) this.monitors.add(monitorId);
    const now = this.clock.now();
    if (now - this.lastLoggedAt < 10_000) return;
    this.log.warn(
      { ...this.counts, examples: [...this.monitors] },
      'slots missed (late: the node fell behind; busy: the previous check still ran)',
    );
    this.lastLoggedAt = now;
    this.counts = { late: 0, busy: 0 };
    this.monitors = new Set();
  }
}

function createNodeId(store: Store): string {
  const id = `node-${randomUUID().slice(0, 8)}`;
  store.setMeta('node_id', id);
  return id;
}

/** The configured key, or the one in the data dir, created (mode 0600) on first start. */
function loadSecretKey(dataDir: string, configured: string | undefined): Buffer {
  if (configured) return Buffer.from(configured, 'hex');
  const file = join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, SecretBox.generateKey().toString('hex') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
