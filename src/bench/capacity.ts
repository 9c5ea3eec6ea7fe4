/**
 * Scenario 2, capacity: the real binary with HTTP monitors at 10 s against the load targets
 * — 1,000 / 10,000 / 30,000 against plain HTTP; HTTPS (a TLS handshake per check); targets
 * that behave as remote ones do (answers after hundreds of ms, some never); and a mix of
 * HTTP, TCP, TLS and DNS monitors. Per row: creation rate through the API, one interval of
 * warm-up, a measured window, judged by every criterion of "held".
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeCertificates, tempDir } from '../testing/index.js';
import { referenceCeiling, referenceHttpsCeiling } from './ceiling.js';
import type { BenchContext, Scenario } from './context.js';
import { WINDOW_COLUMNS, measureLoadWindow, windowCells, type LoadFigures } from './load-window.js';
import { rssBytes } from './proc-stats.js';
import { fmt, megabytes, type ScenarioReport } from './report.js';
import { storageFigures, type StorageFigures } from './results-db.js';
import {
  DNS_TARGET_NAME,
  REMOTE_DELAY_MS,
  startTargetPool,
  type TargetOptions,
  type TargetPool,
} from './target-pool.js';
import {
  createMonitors,
  databaseOf,
  emptyFleet,
  httpFields,
  type MonitorSpec,
  withBenchNode,
} from './tireless-node.js';

const INTERVAL_SECONDS = 10;
/** Remote-like targets: the share of monitors whose target never answers. */
const SILENT_EVERY = 100;
/** Timeout of remote-like monitors, s: a silent target is given up on before the next slot. */
const REMOTE_TIMEOUT_SECONDS = 5;

/** The kinds of target a capacity row checks. */
export const CAPACITY_KINDS = ['http', 'https', 'remote', 'mixed'] as const;
type Kind = (typeof CAPACITY_KINDS)[number];
/** A row: what its monitors check, and how many. */
export type CapacityRow = [kind: Kind, count: number];

export function isCapacityKind(kind: string | undefined): kind is Kind {
  return (CAPACITY_KINDS as readonly (string | undefined)[]).includes(kind);
}

const KIND_LABEL: Record<Kind, string> = {
  http: 'HTTP',
  https: 'HTTPS',
  remote: 'HTTP, remote-like',
  mixed: 'mixed',
};

interface CapacityRun extends LoadFigures, StorageFigures {
  kind: Kind;
  count: number;
  /** Monitors created through the API per second. */
  createdPerSecond: number;
  /** The node's RSS before its monitors were created, bytes. */
  idleRss: number;
  /** (RSS max − idle RSS) / monitors, bytes. */
  bytesPerMonitor: number;
  /** checks/s over the bare-Node ceiling of its scheme, % (HTTP and HTTPS rows only). */
  ofCeilingPct: number;
}

/** The rows: kind and monitor count (--monitors sets them). */
function rowsOf(context: BenchContext): CapacityRow[] {
  if (context.capacityRows) return context.capacityRows;
  return context.quick
    ? [
        ['http', 1_000],
        ['http', 30_000],
        ['https', 3_000],
        ['remote', 30_000],
        ['mixed', 5_000],
      ]
    : [
        ['http', 1_000],
        ['http', 10_000],
        ['http', 30_000],
        ['https', 3_000],
        ['remote', 30_000],
        ['mixed', 10_000],
      ];
}

export const capacityScenario: Scenario = {
  name: 'capacity',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const rows = rowsOf(context);
    const windowSeconds = context.quick ? 15 : 60;
    // HTTPS and mixed rows are compared with the HTTP ones, not with a claim: half a window.
    const windowOf = (kind: Kind) =>
      kind === 'https' || kind === 'mixed' ? windowSeconds / 2 : windowSeconds;
    const ceiling = await referenceCeiling(context);
    const certDir = tempDir('tireless-bench-tls-');
    await makeCertificates(certDir, { days: 30 });
    const httpsCeiling = rows.some(([kind]) => kind === 'https')
      ? await referenceHttpsCeiling(context, certDir)
      : Number.NaN;
    const ceilingOf: Partial<Record<Kind, number>> = { http: ceiling, https: httpsCeiling };
    const runs: CapacityRun[] = [];
    try {
      for (const [kind, count] of rows) {
        const options: TargetOptions = {
          ...(kind === 'https' || kind === 'mixed' ? { tlsDir: certDir } : {}),
          ...(kind === 'remote' ? { remote: true } : {}),
          ...(kind === 'mixed' ? { mixed: true } : {}),
        };
        const pool = await startTargetPool(context.targetProcesses, options);
        try {
          const env = { NODE_EXTRA_CA_CERTS: join(certDir, 'ca.crt') };
          const run = await runCapacity(kind, count, windowOf(kind), pool, env);
          run.ofCeilingPct = (100 * run.checksPerSecond) / (ceilingOf[kind] ?? Number.NaN);
          runs.push(run);
        } finally {
          await pool.close();
        }
      }
    } finally {
      rmSync(certDir, { recursive: true, force: true });
    }
    return {
      name: 'capacity',
      tables: [
        {
          title: `Capacity: monitors at ${INTERVAL_SECONDS} s on one node`,
          columns: [
            'targets',
            'monitors',
            'created/s',
            'checks/s',
            ...WINDOW_COLUMNS,
            'memory per monitor',
            'B/result (table / +rollups / file)',
            'of ceiling',
          ],
          rows: runs.map((r) => [
            KIND_LABEL[r.kind],
            fmt(r.count),
            fmt(r.createdPerSecond),
            fmt(r.checksPerSecond),
            ...windowCells(r),
            `${fmt(r.bytesPerMonitor / 1000, 1)} kB`,
            `${fmt(r.resultsBytesPerResult, 1)} / ${fmt(r.resultsBytesPerResult + r.rollupBytesPerResult, 1)} / ${fmt(r.databaseBytesPerResult, 1)}`,
            Number.isNaN(r.ofCeilingPct) ? '–' : `${fmt(r.ofCeilingPct, 1)} %`,
          ]),
          notes: [
            `Window ${windowSeconds} s (HTTPS and mixed: ${windowSeconds / 2} s) after ${INTERVAL_SECONDS} s of warm-up; ${context.targetProcesses} target processes; a fresh node and data dir per row.`,
            'HTTP: the targets answer at once. HTTPS: a TLS handshake per check (ECDSA P-256 certificate of a CA the node trusts through NODE_EXTRA_CA_CERTS). ' +
              `Remote-like: answers after ${REMOTE_DELAY_MS.min}–${REMOTE_DELAY_MS.max} ms (uniform), and 1 monitor in ${SILENT_EVERY} points at a path never answered (timeout ${REMOTE_TIMEOUT_SECONDS} s; left out of the up share). ` +
              'Mixed: a quarter each of HTTP, TCP (connect), TLS (certificate) and DNS (an A query over UDP to the target process’s DNS server, answer expected) monitors; lateness at the target is of the HTTP ones.',
            'Held: every criterion ✓. Slots checked and stored lateness (checkedAt − slot, checkedAt stamped in the check thread before connecting) are exact, from the results table; at the target: arrival − slot of every request the targets received for a slot in the window.',
            'CPU: 1 core = 100 %, machine = both cores incl. the kernel network stack; others = every other process (other work sharing the machine, this bench).',
            'Memory per monitor: (node RSS max − the node’s RSS before its monitors were created) / monitors.',
            'B/result: results table (its own primary key, no other index) / plus minute, hour, day rollups / whole file, from dbstat after the window; see the store table for a realistic 30-day store.',
            `Of ceiling: checks/s over this run's reference ceiling of the same scheme: ${fmt(ceiling)} GET/s plain HTTP` +
              (Number.isNaN(httpsCeiling)
                ? '.'
                : `, ${fmt(httpsCeiling)} GET/s HTTPS (the same bare-Node loops against HTTPS targets, a full handshake per GET).`),
          ],
        },
      ],
      data: {
        intervalSeconds: INTERVAL_SECONDS,
        windowSeconds,
        ceilingPerSecond: ceiling,
        httpsCeilingPerSecond: httpsCeiling,
        runs,
      },
    };
  },
};

/** What monitor n of a row checks. */
function specOf(kind: Kind, pool: TargetPool): MonitorSpec {
  const http = httpFields(pool, kind === 'remote' ? isSilent : undefined);
  const spec = { intervalSeconds: INTERVAL_SECONDS, fields: http };
  if (kind === 'remote') {
    return {
      ...spec,
      fields: (n) => ({ ...http(n), timeoutSeconds: REMOTE_TIMEOUT_SECONDS }),
      unhealthy: isSilent,
    };
  }
  if (kind !== 'mixed') return spec;
  return {
    ...spec,
    fields: (n) => {
      const target = n % pool.urls.length;
      switch (n % 4) {
        case 1:
          return { type: 'tcp', host: '127.0.0.1', port: pool.tcpPorts[target] };
        case 2:
          return { type: 'tls', host: '127.0.0.1', port: pool.tlsPorts[target] };
        case 3:
          return {
            type: 'dns',
            hostname: DNS_TARGET_NAME,
            resolver: `127.0.0.1:${pool.dnsPorts[target]}`,
            expected: '127.0.0.1',
          };
        default:
          return http(n);
      }
    },
  };
}

function isSilent(n: number): boolean {
  return n % SILENT_EVERY === SILENT_EVERY - 1;
}

async function runCapacity(
  kind: Kind,
  count: number,
  windowSeconds: number,
  pool: TargetPool,
  env: Record<string, string>,
): Promise<CapacityRun> {
  return withBenchNode({ env }, async (node) => {
    const idleRss = rssBytes(node.pid);
    console.log(`capacity: creating ${fmt(count)} ${KIND_LABEL[kind]} monitors…`);
    const fleet = emptyFleet();
    const creation = await createMonitors(node, fleet, count, specOf(kind, pool));
    await sleep(INTERVAL_SECONDS * 1000);
    console.log(`capacity: measuring ${fmt(count)} monitors for ${windowSeconds} s…`);
    const load = await measureLoadWindow(node, pool, windowSeconds, fleet);
    console.log(
      `capacity: ${load.verdict.held ? 'held' : 'NOT held'}, p99 ${fmt(load.lateness.p99)} ms stored / ${fmt(load.targetLateness.p99)} ms at the target, RSS ${megabytes(load.nodeMaxRss)} MB`,
    );
    return {
      kind,
      count,
      createdPerSecond: creation.perSecond,
      ...load,
      ...storageFigures(databaseOf(node)),
      idleRss,
      bytesPerMonitor: (load.nodeMaxRss - idleRss) / count,
      ofCeilingPct: Number.NaN,
    };
  });
}
