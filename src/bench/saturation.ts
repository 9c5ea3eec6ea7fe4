/**
 * Scenario 3, saturation: one node, monitors added step by step (offered checks/s rising)
 * until a step is not held (every criterion of held.ts). Reports every step, the largest load held, and what ran
 * out first: the node's one busy core (event loop), the targets, or the machine.
 */
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { referenceCeiling } from './ceiling.js';
import type { BenchContext, Scenario } from './context.js';
import { WINDOW_COLUMNS, measureLoadWindow, windowCells, type LoadFigures } from './load-window.js';
import { fmt, type ScenarioReport, type Table } from './report.js';
import { startTargetPool, type TargetPool } from './target-pool.js';
import {
  createMonitors,
  emptyFleet,
  httpFields,
  type BenchNode,
  type Fleet,
  withBenchNode,
} from './tireless-node.js';

export const SATURATION_INTERVAL_SECONDS = 5;

interface Step extends LoadFigures {
  offeredPerSecond: number;
  held: boolean;
}

export const saturationScenario: Scenario = {
  name: 'saturation',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const rates =
      context.saturationSteps ??
      (context.quick ? [1500, 3000, 4500] : [2000, 3000, 4000, 4500, 5000, 5500, 6000, 6500, 7000]);
    const windowSeconds = context.quick ? 10 : 20;
    await referenceCeiling(context);
    const fleet = emptyFleet();
    const pool = await startTargetPool(context.targetProcesses);
    const steps: Step[] = [];
    try {
      await withBenchNode({}, async (node) => {
        for (const rate of rates) {
          const step = await runStep(node, pool, fleet, rate, windowSeconds);
          steps.push(step);
          if (!step.held) break;
        }
      });
    } finally {
      await pool.close();
    }
    const failed = steps.find((step) => !step.held);
    const held = steps.filter((step) => step.held).at(-1);
    const limit = failed ? ranOutFirst(failed, context.targetProcesses) : undefined;
    context.saturation = {
      intervalSeconds: SATURATION_INTERVAL_SECONDS,
      held: held?.monitors,
      failed: failed?.monitors,
    };
    return {
      name: 'saturation',
      tables: [stepTable(steps, windowSeconds, context, limit)],
      data: {
        intervalSeconds: SATURATION_INTERVAL_SECONDS,
        windowSeconds,
        steps,
        largestHeld: held ?? null,
        firstFailed: failed ?? null,
        ranOutFirst: limit ?? null,
        missedSlotsBeforeFailure: steps
          .filter((step) => step.held)
          .reduce((sum, step) => sum + step.expectedSlots - step.checkedSlots, 0),
      },
    };
  },
};

async function runStep(
  node: BenchNode,
  pool: TargetPool,
  fleet: Fleet,
  offeredPerSecond: number,
  windowSeconds: number,
): Promise<Step> {
  const monitors = offeredPerSecond * SATURATION_INTERVAL_SECONDS;
  console.log(`saturation: ${fmt(monitors)} monitors (${fmt(offeredPerSecond)} checks/s offered)…`);
  await createMonitors(node, fleet, monitors - fleet.monitors.length, {
    intervalSeconds: SATURATION_INTERVAL_SECONDS,
    fields: httpFields(pool),
  });
  // One interval for the new monitors' first slots, one more to settle.
  await sleep(2 * SATURATION_INTERVAL_SECONDS * 1000);
  const load = await measureLoadWindow(node, pool, windowSeconds, fleet);
  return { offeredPerSecond, ...load, held: load.verdict.held };
}

/** What was busiest when the node fell behind, judged from the window's CPU figures. */
function ranOutFirst(step: Step, targetProcesses: number): string {
  const cores = availableParallelism();
  if (step.machineCpu >= 95 * cores)
    return `the machine: all ${cores} cores busy (${fmt(step.machineCpu)} %: node ${fmt(step.nodeCpu)} %, targets ${fmt(step.targetCpu)} %, the rest the kernel's network stack and others)`;
  if (step.nodeMainThreadCpu >= 90)
    return `the node's main thread (${fmt(step.nodeMainThreadCpu)} %: scheduling, SQLite, API)`;
  if (step.nodeBusiestWorkerCpu >= 90)
    return `a check worker thread (${fmt(step.nodeBusiestWorkerCpu)} %): more workers (TIRELESS_CHECK_WORKERS) may help`;
  if (step.targetCpu >= 90 * targetProcesses)
    return `the load targets (${fmt(step.targetCpu)} % for ${targetProcesses} processes)`;
  return `no core at its limit (machine ${fmt(step.machineCpu)} %, node main thread ${fmt(step.nodeMainThreadCpu)} %, busiest worker ${fmt(step.nodeBusiestWorkerCpu)} %): look at the profile`;
}

function stepTable(
  steps: readonly Step[],
  windowSeconds: number,
  context: BenchContext,
  limit: string | undefined,
): Table {
  return {
    title: `Saturation: monitors at ${SATURATION_INTERVAL_SECONDS} s added until a step is not held`,
    columns: [
      'monitors',
      'offered/s',
      'checks/s (on slot / started)',
      ...WINDOW_COLUMNS,
      'of ceiling',
    ],
    rows: steps.map((s) => [
      fmt(s.monitors),
      fmt(s.offeredPerSecond),
      `${fmt(s.checksPerSecond)} / ${fmt(s.startedPerSecond)}`,
      ...windowCells(s),
      context.ceilingPerSecond
        ? `${fmt((100 * s.checksPerSecond) / context.ceilingPerSecond, 1)} %`
        : '–',
    ]),
    notes: [
      `One node, monitors added per step; ${windowSeconds} s window per step after two intervals of settling; stops at the first step not held (any criterion ✗).`,
      'checks/s: results for slots in the window / checks started in the window whatever their slot (a backlog of stale slots counts here only).',
      `Of ceiling: checks/s over this run's reference ceiling (${fmt(context.ceilingPerSecond ?? Number.NaN)} GET/s: ${context.ceilingLoops ?? '?'} bare-Node process(es), as many as the node's check threads).`,
      'CPU: 1 core = 100 %; machine = both cores (node + targets + kernel network stack + everything else); others = every other process (other work sharing the machine, this bench).',
      ...(limit ? [`Ran out first at the step not held: ${limit}.`] : []),
    ],
  };
}
