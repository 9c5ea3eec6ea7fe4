/**
 * The composition root: builds a node from its settings — store, config writer, scheduler,
 * checkers, result writer, judge, deliverer and HTTP API — and starts its parts in order and
 * stops them in reverse order through one Lifecycle.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { createJudge, Deliverer, deliveryLeaseMs, MaintenanceCalendar } from '../alerts/index.js';
import { CheckPool } from '../check-pool/index.js';
import { checkUserAgent } from '../checks/index.js';
import { buildApi, setupCodeFor, type SystemAccess } from '../api/index.js';
import { systemClock, type Clock } from '../clock/index.js';
import {
  joinAsClusterNode,
  soloAssignment,
  SoloConfigWriter,
  type Assignment,
  type ConfigWriter,
  type ResultSink,
} from '../cluster/index.js';
import type { Settings } from '../config/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import { EventHub } from '../events/index.js';
import { createMetrics } from '../metrics/index.js';
import { monitorLocations, monitorTarget, openMonitor, type Monitor } from '../model/index.js';
import { guardOf } from '../net-guard/index.js';
import { Scheduler } from '../scheduler/index.js';
import { slotAtOrBefore } from '../slots/index.js';
import { SecretBox } from '../secrets/index.js';
import {
  DAY_MS,
  HOUR_MS,
  isCorruption,
  startCheckpointer,
  type Checkpointer,
  type Judge,
  type Store,
} from '../store/index.js';
import { registerPages } from '../web/index.js';
import { createSlotChecker, toScheduled, type ScheduledMonitor } from './slot-checker.js';
import { IntegrityWatch } from './integrity-watch.js';
import { Lifecycle, type Part } from './lifecycle.js';
import { ResultWriter } from './result-writer.js';
import { SpillFile } from './spill-file.js';
import { StoreGuard, type Degraded } from './store-guard.js';

export { DATABASE_FILE, storeFiles, type Degraded } from './store-guard.js';
export const VERSION = '0.1.0';
export const SECRET_KEY_FILE = 'secret.key';
/** Results the store refused, kept until it takes them (JSON lines; see ResultWriter). */
export const SPILL_FILE = 'results-spill.jsonl';

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
  /**
   * The one-time code setup asks for, made at start when others can reach the node (it
   * listens beyond loopback, or behind trusted proxies); undefined on loopback only.
   */
  setupCode: string | undefined;
  /** Set while the node writes to a fresh store because its database is damaged. */
  degraded(): Degraded | undefined;
  /**
   * Stops every part in reverse start order: the HTTP server, then checks (waiting for those
   * in flight), the deliverer, the cluster, buffered results, the checkpointer, the store.
   */
  stop(): Promise<void>;
}

export async function startNode(
  settings: Settings,
  options: NodeOptions = {},
): Promise<RunningNode> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? pino({ level: settings.logLevel });
  // Before anything starts: a file that cannot be read stops the start with nothing to undo.
  const tls =
    settings.tlsCert !== undefined && settings.tlsKey !== undefined
      ? readTls(settings.tlsCert, settings.tlsKey)
      : undefined;
  const dataDir = resolve(settings.dataDir);
  // Readable by the owner only: it holds the database and the secret key.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const guard = new StoreGuard(dataDir, clock, log);
  const store = guard.store;
  const nodeId = nodeIdOf(store, settings.nodeId);
  // A fresh store whose salvage could not read the node id still belongs to this node.
  guard.onReplaced(() => {
    if (store.getMeta('node_id') === undefined) store.setMeta('node_id', nodeId);
  });
  const secretKey = loadSecretKey(dataDir, settings.secretKey);
  const secrets = new SecretBox(secretKey);
  /** The monitor with its secrets opened; undefined (logged) when they do not open. */
  const openedMonitor = (monitor: Monitor): Monitor | undefined => {
    try {
      return openMonitor(secrets, monitor);
    } catch (error) {
      log.error(
        { monitorId: monitor.id, error: describeError(error) },
        'monitor secrets do not open',
      );
      return undefined;
    }
  };
  // Cluster mode: config from the KV bucket (loaded into the replica before anything else
  // reads it), work by rendezvous over live members, results through the stream.
  const cluster = settings.cluster
    ? await joinAsClusterNode({
        servers: settings.cluster,
        nodeId,
        region: settings.region,
        version: VERSION,
        secretKey,
        store,
        clock,
        log,
        judge: lateBound(() => judge),
        deliveryLeaseMs: deliveryLeaseMs(options.tuning?.deliveryTimeoutMs),
        onUnclaimedSend: () => metrics.unclaimedDeliveries.inc(),
        locationsOf: (id) => {
          const monitor = store.getConfig<Monitor>('monitor', id);
          return monitor ? monitorLocations(monitor).locations : 1;
        },
        heartbeatMs: settings.heartbeatMs,
        deadAfterMs: settings.deadAfterMs,
        islandAfterMs: settings.islandAfterMs,
        streamMaxAgeMs: settings.retentionDays * DAY_MS,
        snapshotIntervalMs: settings.snapshotIntervalMs,
        onApplied: (report) => {
          events.commit();
          metrics.resultsApplied.inc(report.applied);
          if (report.queued > 0) deliverer.wake();
        },
        monitorIds: () => schedule.monitorIds(),
        // A monitor taken over from a node that died: its latest slot may have no result
        // (the dead node's check was lost, or came between its death and our noticing).
        onTakeover: (monitorIds) => {
          const now = clock.now();
          for (const id of monitorIds) {
            const monitor = store.getConfig<Monitor>('monitor', id);
            if (!monitor || monitor.paused) continue;
            const slot = slotAtOrBefore(id, monitor.intervalSeconds * 1000, now);
            if (!store.hasResult(id, slot)) schedule.catchUp(id, slot);
          }
        },
        natsCreds: settings.natsCreds,
        natsNkey: settings.natsNkey,
        natsUser: settings.natsUser,
        natsPassword: settings.natsPassword,
        natsTlsCa: settings.natsTlsCa,
        natsTlsCert: settings.natsTlsCert,
        natsTlsKey: settings.natsTlsKey,
      })
    : undefined;
  const assignment: Assignment = cluster?.assignment ?? soloAssignment;
  const config: ConfigWriter = cluster?.config ?? new SoloConfigWriter(store);

  const metrics = createMetrics({
    pendingDeliveries: () => store.countPendingDeliveries(),
    monitorsScheduled: () => schedule.size,
    storeDegraded: () => guard.degraded !== undefined,
    clusterMessages: () => {
      if (!cluster) return [];
      const totals = cluster.wireTotals;
      return (['rejected', 'newer'] as const).flatMap((outcome) =>
        Object.entries(totals[outcome]).map(([source, count]) => ({ source, outcome, count })),
      );
    },
  });

  const maintenance = new MaintenanceCalendar(store, config);
  // The fresh store's documents are the damaged one's, as far as they could be read.
  guard.onReplaced(() => maintenance.forgetAll());
  // Every replica judges every result it stores (its own as written, the others' as applied
  // from the stream): status and incidents are the same on every node, and a new
  // coordinator continues the incident it finds. Which node sends is the claims' business.
  // The dashboards' live events: staged as results are judged, told once they are stored.
  // (A batch from the stream that fails to apply leaves its events staged until the next
  // one applies: its retry judges the same results to the same states.)
  const events = new EventHub({
    onListenerError: (error) => log.warn({ error: describeError(error) }, 'event stream failed'),
  });
  const judge: Judge = events.observe(
    createJudge({
      maintenanceOf: (accountId) => maintenance.windowsOf(accountId),
      checkingLocations: (monitorId) => assignment.locations(monitorId),
      // Opened for the target only when an alert is made, not for every result judged.
      targetOf: (monitor) => {
        const opened = openedMonitor(monitor);
        return opened ? monitorTarget(opened) : monitor.type;
      },
    }),
  );

  const deliverer = new Deliverer(store, secrets, clock, log, {
    pollMs: options.tuning?.deliveryPollMs,
    sendTimeoutMs: options.tuning?.deliveryTimeoutMs,
    onAttempt: (outcome) => metrics.deliveries.inc({ outcome }),
    addressGuard: guardOf(settings),
    ...(cluster ? { claims: cluster.claims } : {}),
  });
  const writer = new ResultWriter(
    // In a cluster a node's own results get their outbox rows in the same transaction.
    (batch) => {
      try {
        const report = store.ingest(batch, judge, { outbox: cluster !== undefined });
        events.commit();
        return report;
      } catch (error) {
        events.discard();
        throw error;
      }
    },
    new SpillFile(join(dataDir, SPILL_FILE)),
    clock,
    log,
    {
      flushMs: options.tuning?.flushMs,
      onFlushed: (report) => {
        metrics.resultsApplied.inc(report.applied);
        if (report.queued > 0) deliverer.wake();
        if (report.applied > 0) cluster?.resultsStored();
      },
    },
  );
  const sink: ResultSink = writer;
  const missedLog = new MissedSlotLog(log, clock);
  // Before the check workers start; V8 reads it whenever a full collection sets the next limit.
  if (settings.heapGrowthPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${settings.heapGrowthPercent}`);
  }
  const pool = new CheckPool({
    workers: settings.checkWorkers,
    workerYoungSpaceMb: settings.checkThreadYoungMb,
    blockPrivateTargets: settings.blockPrivateTargets,
    blockPrivateTargetsExcept: settings.blockPrivateTargetsExcept,
    userAgent: checkUserAgent({ version: VERSION, node: nodeId, region: settings.region }),
    log,
  });
  const checkSlot = createSlotChecker({
    clock,
    node: nodeId,
    region: settings.region,
    metrics,
    pool,
    lastPushAt: (monitorId) => store.lastPushAt(monitorId),
    checkingLocations: (monitorId) => assignment.locations(monitorId),
    record: (result) => sink.add(result),
  });
  const schedule = new Scheduler<ScheduledMonitor>({
    clock,
    check: checkSlot,
    isAssigned: (monitorId) => assignment.checks(monitorId),
    onMissed: (monitorId, slots, reason) => {
      metrics.missedSlots.inc({ reason }, slots);
      missedLog.add(monitorId, slots, reason);
    },
    maxConcurrent: settings.maxConcurrentChecks,
  });
  // Checks get their monitor's secrets opened here, once per monitor version.
  const scheduled = (monitor: Monitor) => {
    const opened = openedMonitor(monitor);
    return opened && toScheduled(opened);
  };
  for (const monitor of store.listMonitors()) {
    const due = scheduled(monitor);
    if (due) schedule.upsert(due);
  }
  config.onChange((change) => {
    if (change.kind !== 'monitor') return;
    // Its locations may have changed: its owners are computed again when next asked.
    cluster?.assignment.forget(change.id);
    const due = change.doc && scheduled(change.doc as Monitor);
    if (due) schedule.upsert(due);
    else {
      schedule.remove(change.id);
      pool.forget(change.id);
    }
  });

  const needsSetup = store.countAll('user') === 0;
  // Made whether or not setup is open: should it open later, it is not open to everyone.
  const setupCode = setupCodeFor(settings.host, settings.trustedProxies !== '');
  const app = await buildApi({
    store,
    config,
    maintenance,
    secrets,
    events,
    clock,
    metrics,
    log,
    node: { id: nodeId, region: settings.region, version: VERSION },
    settings: {
      bodyLimitBytes: settings.bodyLimitBytes,
      signup: settings.signup,
      authRateLimit: { max: settings.authRateLimitPerMinute, windowMs: 60_000 },
      sessionTtlMs: settings.sessionMaxAgeDays * DAY_MS,
      sessionIdleMs: settings.sessionIdleMinutes * 60_000,
      retentionDays: settings.retentionDays,
      trustProxy: settings.trustedProxies === '' ? false : settings.trustedProxies,
      allowedHosts: settings.allowedHosts,
      quotas: {
        monitors: settings.quotaMonitors,
        minIntervalSeconds: settings.quotaMinIntervalSeconds,
        maxBodyBytes: settings.quotaMaxBodyBytes,
        channels: settings.quotaChannels,
        apiRequestsPerMinute: settings.quotaApiRequestsPerMinute,
        pushRequestsPerMinute: settings.quotaPushRequestsPerMinute,
      },
      ...(tls ? { tls } : {}),
      metricsAccess: systemAccess(settings.metricsAccess, settings.metricsToken),
      docsAccess: systemAccess(settings.docsAccess, settings.metricsToken),
      ...(setupCode === undefined ? {} : { setupCode }),
    },
    degraded: () => guard.degraded,
    ...(cluster ? { cluster: () => cluster.status(), rates: cluster.rates } : {}),
    ...(settings.smtpUrl && settings.mailFrom && settings.publicUrl
      ? {
          mail: {
            server: { ...settings.smtpUrl, from: settings.mailFrom, ignoreTlsErrors: false },
            publicUrl: settings.publicUrl,
          },
        }
      : {}),
    wakeDeliverer: () => deliverer.wake(),
  });
  registerPages(app);

  const prune = () => {
    const retentionMs = settings.retentionDays * DAY_MS;
    const removed = store.housekeep({ now: clock.now(), retentionMs });
    if (Object.values(removed).some((n) => n > 0)) log.info({ removed }, 'old rows pruned');
  };
  let pruneTimer: NodeJS.Timeout | undefined;
  const lifecycle = new Lifecycle(
    [
      {
        name: 'store',
        start: () => undefined,
        stop: () => store.close(),
        close: () => store.close(),
      },
      new IntegrityWatch(guard, log),
      checkpointerPart(guard, log),
      {
        name: 'result sink',
        start: () => writer.start(),
        stop: () => sink.drain(),
        close: () => sink.drain(),
      },
      {
        name: 'check pool',
        start: () => undefined,
        stop: () => pool.close(),
        close: () => pool.close(),
      },
      ...(cluster
        ? [
            {
              // Before the scheduler: a node learns its peers before it picks its work.
              name: 'cluster',
              start: () => cluster.start(),
              stop: () => cluster.stop(),
              close: () => cluster.stop(),
            },
          ]
        : []),
      {
        // After the cluster: a node that knows no peer yet would take their claims over.
        name: 'deliverer',
        start: () => deliverer.start(),
        stop: () => deliverer.stop(),
        close: () => deliverer.stop(),
      },
      {
        // In-flight checks finish (bounded by their timeouts) and their results are written;
        // past the deadline they are cut short and record nothing.
        name: 'scheduler',
        start: () => schedule.start(),
        stop: () => schedule.stop(),
        close: () => pool.abortAll(),
      },
      {
        name: 'pruning timer',
        start: () => {
          prune();
          pruneTimer = setInterval(prune, HOUR_MS);
          pruneTimer.unref();
        },
        stop: () => clearInterval(pruneTimer),
        close: () => clearInterval(pruneTimer),
      },
      {
        name: 'HTTP server',
        start: async () => void (await app.listen({ port: settings.port, host: settings.host })),
        stop: () => app.close(),
        close: () => app.server.closeAllConnections(),
      },
    ],
    log,
  );
  await lifecycle.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const shownHost =
    settings.host === '0.0.0.0' || settings.host === '::' ? 'localhost' : settings.host;
  const scheme = settings.tlsCert === undefined ? 'http' : 'https';
  const url = `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  log.info(
    {
      url,
      node: nodeId,
      region: settings.region,
      monitors: schedule.size,
      checkWorkers: pool.workers,
      ...(guard.degraded ? { degraded: guard.degraded.reason } : {}),
    },
    'tireless started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= lifecycle.stop().then(() => log.info('tireless stopped')));
  return {
    url,
    port,
    nodeId,
    store,
    app,
    scheduler: schedule,
    needsSetup,
    setupCode,
    degraded: () => guard.degraded,
    stop,
  };
}

/**
 * WAL checkpoints on another core, beside the commits (the Store's autocheckpoint is the
 * backstop), of whichever file is the store in use.
 */
function checkpointerPart(guard: StoreGuard, log: Logger): Part {
  let checkpointer: Checkpointer | undefined;
  const begin = () => {
    const path = guard.path;
    return startCheckpointer(path, {
      onError: (error) => {
        log.warn({ error: describeError(error) }, 'WAL checkpointer failed; starting it again');
        if (!isCorruption(error)) return;
        try {
          guard.replace(describeError(error), path, 'call');
        } catch (failure) {
          log.error({ error: describeError(failure) }, 'opening a fresh store failed');
        }
      },
    });
  };
  guard.onReplaced(() => {
    if (!checkpointer) return;
    void checkpointer.stop();
    checkpointer = begin();
  });
  return {
    name: 'checkpointer',
    start: () => void (checkpointer = begin()),
    stop: () => checkpointer?.stop(),
    close: () => checkpointer?.stop(),
  };
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

/**
 * The node's id, kept in its data dir: a node restarted on its data dir is the same node.
 * A configured id names a new data dir's node; it cannot rename an existing one.
 */
function nodeIdOf(store: Store, configured: string | undefined): string {
  const stored = store.getMeta('node_id');
  if (stored !== undefined && configured !== undefined && stored !== configured) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `this data dir belongs to node ${stored}, not ${configured}: drop --node-id, or give this node a data dir of its own`,
      { fields: [{ field: 'nodeId', problem: `the data dir belongs to node ${stored}` }] },
    );
  }
  const id = stored ?? configured ?? `node-${randomUUID().slice(0, 8)}`;
  if (stored === undefined) store.setMeta('node_id', id);
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

/** A judge made after the cluster that uses it (it needs the cluster's assignment). */
function lateBound(judgeOf: () => Judge): Judge {
  const bound: Judge = (monitor, state, result, replay) =>
    judgeOf()(monitor, state, result, replay);
  bound.settle = (...args) => judgeOf().settle?.(...args);
  return bound;
}

/** A system route's access as the API takes it: `token` with the token (config checked it is set). */
function systemAccess(access: Settings['metricsAccess'], token: string | undefined): SystemAccess {
  return access.kind === 'token' ? { kind: 'token', token: token ?? '' } : access;
}

/** The PEM files of tlsCert and tlsKey; one that cannot be read is a setting error naming it. */
function readTls(certPath: string, keyPath: string): { cert: Buffer; key: Buffer } {
  const read = (field: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TirelessError(
        'TIRELESS_CONFIG',
        `bad setting: ${field}: cannot read ${path}: ${describeError(error)}`,
        {
          fields: [{ field, problem: `cannot read ${path}` }],
        },
      );
    }
  };
  return { cert: read('tlsCert', certPath), key: read('tlsKey', keyPath) };
}
