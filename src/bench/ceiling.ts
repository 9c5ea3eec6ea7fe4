/**
 * Scenario 1, the ceiling: how many fresh-connection GETs/s this machine and runtime do at
 * most against the load target — bare Node loops (1 or 2 processes) against 1 or 2 target
 * processes, and wrk when it is installed.
 */
import { loadSettings } from '../config/index.js';
import { spawnBenchChild } from './child-process.js';
import type { BenchContext, Scenario } from './context.js';
import type { LoopOutcome } from './fresh-get-main.js';
import { ProcessSampler } from './proc-stats.js';
import { join } from 'node:path';
import { fmt, type ScenarioReport, type Table } from './report.js';
import { startTargetPool } from './target-pool.js';
import { hasWrk, wrkRequestsPerSecond } from './wrk.js';

/** GETs in flight per load process. */
const CONCURRENCY = 50;

interface WrkRun {
  targets: number;
  perSecond: number;
}

interface CeilingRun {
  loops: number;
  targets: number;
  perSecond: number;
  errors: number;
  /** CPU % (1 core = 100) of the load loops, the targets and the machine. */
  loopCpu: number;
  targetCpu: number;
  machineCpu: number;
  /** Every other process: other work sharing the machine, kernel threads, this bench. */
  othersCpu: number;
}

/**
 * Threads the node runs checks on, as it will start with this environment: its check
 * workers, or its main thread when it has none. The ceiling runs as many bare-Node loops.
 */
export function nodeCheckThreads(): number {
  return Math.max(1, loadSettings({}, process.env).checkWorkers);
}

function ceilingTiming(context: BenchContext): { seconds: number; repeats: number } {
  return { seconds: context.quick ? 5 : 10, repeats: context.quick ? 1 : 3 };
}

/**
 * The reference ceiling of this invocation: as many bare-Node loops as the node has check
 * threads against the same target processes, measured now unless the ceiling scenario ran.
 */
export async function referenceCeiling(context: BenchContext): Promise<number> {
  if (context.ceilingPerSecond === undefined) {
    const { seconds, repeats } = ceilingTiming(context);
    const loops = nodeCheckThreads();
    console.log(`ceiling: ${loops} bare-Node loop(s), the reference for this run…`);
    const run = await medianOf(repeats, () => runBareNode(loops, context.targetProcesses, seconds));
    context.ceilingPerSecond = run.perSecond;
    context.ceilingLoops = loops;
  }
  return context.ceilingPerSecond;
}

/**
 * The HTTPS reference ceiling of this invocation, measured as the HTTP one but against HTTPS
 * targets serving `certDir`'s certificate (a full TLS handshake per GET): what HTTPS rows are
 * compared with, since the targets' own handshakes share the same cores.
 */
export async function referenceHttpsCeiling(
  context: BenchContext,
  certDir: string,
): Promise<number> {
  if (context.httpsCeilingPerSecond === undefined) {
    const { seconds, repeats } = ceilingTiming(context);
    const loops = nodeCheckThreads();
    console.log(`ceiling: ${loops} bare-Node HTTPS loop(s), the reference for HTTPS rows…`);
    const run = await medianOf(repeats, () =>
      runBareNode(loops, context.targetProcesses, seconds, certDir),
    );
    context.httpsCeilingPerSecond = run.perSecond;
  }
  return context.httpsCeilingPerSecond;
}

export const ceilingScenario: Scenario = {
  name: 'ceiling',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const { seconds, repeats } = ceilingTiming(context);
    const checkThreads = nodeCheckThreads();
    const runs: CeilingRun[] = [];
    for (const targets of [...new Set([1, context.targetProcesses])]) {
      for (const loops of [...new Set([1, checkThreads])])
        runs.push(await medianOf(repeats, () => runBareNode(loops, targets, seconds)));
    }
    const reference = runs.find(
      (r) => r.loops === checkThreads && r.targets === context.targetProcesses,
    );
    context.ceilingPerSecond = reference?.perSecond;
    context.ceilingLoops = checkThreads;
    const wrk = (await hasWrk()) ? await runWrk(seconds) : undefined;
    return {
      name: 'ceiling',
      tables: [ceilingTable(runs, wrk, { seconds, repeats }, context)],
      data: {
        seconds,
        repeats,
        concurrency: CONCURRENCY,
        bareNode: runs,
        wrk: wrk ?? 'wrk not installed',
      },
    };
  },
};

/** The run with the median GET/s of `repeats` runs (the machine is noisy, runs vary ±15 %). */
async function medianOf(repeats: number, run: () => Promise<CeilingRun>): Promise<CeilingRun> {
  const runs: CeilingRun[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await run());
  runs.sort((a, b) => a.perSecond - b.perSecond);
  return runs[Math.floor(runs.length / 2)] as CeilingRun;
}

/** Bare-Node loops against fresh targets; HTTPS ones with `tlsDir`'s certificates. */
async function runBareNode(
  loops: number,
  targets: number,
  seconds: number,
  tlsDir?: string,
): Promise<CeilingRun> {
  const pool = await startTargetPool(targets, tlsDir ? { tlsDir } : {});
  const env: Record<string, string> = tlsDir ? { NODE_EXTRA_CA_CERTS: join(tlsDir, 'ca.crt') } : {};
  try {
    const children = Array.from({ length: loops }, () =>
      spawnBenchChild<LoopOutcome>(
        'fresh-get-main.js',
        [String(seconds), String(CONCURRENCY), ...pool.urls],
        env,
      ),
    );
    // The loops report their own CPU (they exit as they finish, before the sample is taken);
    // they are sampled only so that they are not counted among the others.
    const sampler = new ProcessSampler({
      loops: children.map((child) => child.pid),
      targets: pool.pids,
    });
    sampler.start();
    const outcomes = await Promise.all(children.map((child) => child.firstLine));
    const cpu = sampler.stop();
    return {
      loops,
      targets,
      perSecond: outcomes.reduce((sum, o) => sum + o.requests / o.seconds, 0),
      errors: outcomes.reduce((sum, o) => sum + o.errors, 0),
      loopCpu: outcomes.reduce((sum, o) => sum + o.cpuPct, 0),
      targetCpu: cpu.processes.targets ?? Number.NaN,
      machineCpu: cpu.machine,
      othersCpu: cpu.others,
    };
  } finally {
    await pool.close();
  }
}

/** wrk's GETs/s against 1 and 2 target processes: -c50 -t2 in all, split over the targets. */
async function runWrk(seconds: number): Promise<WrkRun[]> {
  const runs: WrkRun[] = [];
  for (const targets of [1, 2]) {
    const pool = await startTargetPool(targets);
    try {
      const perSecond = await wrkRequestsPerSecond(pool.urls, {
        connections: CONCURRENCY,
        threads: 2,
        seconds,
      });
      runs.push({ targets, perSecond });
    } finally {
      await pool.close();
    }
  }
  return runs;
}

const COLUMNS = [
  'load',
  'target processes',
  'GET/s',
  'errors',
  'load CPU %',
  'target CPU %',
  'machine CPU %',
  'others CPU %',
];

function ceilingTable(
  runs: readonly CeilingRun[],
  wrk: readonly WrkRun[] | undefined,
  { seconds, repeats }: { seconds: number; repeats: number },
  context: BenchContext,
): Table {
  const rows: (string | number)[][] = runs.map((r) => [
    `bare Node, ${r.loops} process${r.loops > 1 ? 'es' : ''}`,
    r.targets,
    fmt(r.perSecond),
    r.errors,
    fmt(r.loopCpu),
    fmt(r.targetCpu),
    fmt(r.machineCpu),
    fmt(r.othersCpu),
  ]);
  const padded = (cells: (string | number)[]) => [
    ...cells,
    ...Array<string>(COLUMNS.length - cells.length).fill(''),
  ];
  for (const r of wrk ?? []) {
    rows.push(padded(['wrk -c50 -t2, Connection: close', r.targets, fmt(r.perSecond)]));
  }
  if (!wrk) rows.push(padded(['wrk', '', 'wrk not installed']));
  return {
    title: 'Ceiling: fresh-connection GETs against the load target',
    columns: COLUMNS,
    rows,
    notes: [
      `Median of ${repeats} run(s) of ${seconds} s each, ${CONCURRENCY} GETs in flight per load process, node:http agent:false; CPU %: 1 core = 100; others = every other process (other work sharing the machine, this bench).`,
      `Reference ceiling for the ratios below: ${context.ceilingLoops ?? '?'} bare-Node process(es) (as many as the node has check threads) against ${context.targetProcesses} target process(es) = ${fmt(context.ceilingPerSecond ?? Number.NaN)} GET/s, measured in this run.`,
    ],
  };
}
