/**
 * `npm run bench`: runs the scenarios in order, prints a table per scenario and writes
 * bench/results.json with the machine and commit they ran on.
 *
 * A full run (no flags) from a clean work tree also writes docs/BENCHMARKS.md and
 * docs/bench-results/<commit>.json; `--allow-dirty` writes them from a dirty one, marked so.
 *
 * Flags: `--quick` (a short run, about 4 minutes), `--only <scenario>` (one scenario; may
 * repeat), `--targets <n>` (load target processes, default 2), `--steps <a,b,…>` (the
 * saturation scenario's offered checks/s), `--monitors <rows>` (the capacity rows: counts of
 * HTTP monitors, or <kind>:<count> with kind http, https, remote or mixed), `--cpu-prof` (the
 * dashboard scenario's node under the profiler). The node inherits the environment, so
 * `TIRELESS_CHECK_WORKERS=2 npm run bench` measures another worker count.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
import { browserScenario } from './browser.js';
import { CAPACITY_KINDS, capacityScenario, isCapacityKind, type CapacityRow } from './capacity.js';
import { ceilingScenario } from './ceiling.js';
import { clusterScenario } from './cluster.js';
import type { BenchContext, Scenario } from './context.js';
import { dashboardScenario } from './dashboard.js';
import { ingestScenario } from './ingest.js';
import { machineInfo } from './machine.js';
import { profileScenario } from './profile.js';
import { queriesScenario } from './queries.js';
import { renderTable, type ScenarioReport } from './report.js';
import { saturationScenario } from './saturation.js';
import { storeScenario } from './store-size.js';
import { commitLabel, writeDocuments } from './document.js';

const SCENARIOS: readonly Scenario[] = [
  ceilingScenario,
  capacityScenario,
  saturationScenario,
  profileScenario,
  ingestScenario,
  storeScenario,
  queriesScenario,
  dashboardScenario,
  browserScenario,
  clusterScenario,
];

const USAGE = `Usage: npm run bench -- [flags]   (or node dist/bench/index.js [flags])

  (no flags)            the full run; from a clean work tree it also writes docs/BENCHMARKS.md
  --quick               a short run, about 4 minutes
  --only <scenario>     one scenario (may repeat): ${SCENARIOS.map((s) => s.name).join(', ')}
  --targets <n>         load target processes, 1 to 8 (default 2)
  --steps <a,b,…>       the saturation scenario's offered checks/s
  --monitors <rows>     the capacity rows: counts of HTTP monitors, or <kind>:<count>
                        with kind ${CAPACITY_KINDS.join(', ')} (e.g. 30000,remote:30000)
  --cpu-prof            run the dashboard scenario's node under node --cpu-prof: its main
                        thread's self time over the window, the profile kept in bench/
  --allow-dirty         write docs/BENCHMARKS.md from a work tree with uncommitted changes
  --help                this text`;

/** Thrown for a bad command line: printed as a sentence with the usage, not as a stack. */
class UsageError extends Error {}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ options: BENCH_OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  await run(values);
}

const BENCH_OPTIONS = {
  help: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  only: { type: 'string', multiple: true },
  targets: { type: 'string', default: '2' },
  steps: { type: 'string' },
  monitors: { type: 'string' },
  'cpu-prof': { type: 'boolean', default: false },
  'allow-dirty': { type: 'boolean', default: false },
} as const;

async function run(
  values: ReturnType<typeof parseArgs<{ options: typeof BENCH_OPTIONS }>>['values'],
): Promise<void> {
  const selected = selectScenarios(values.only, values.quick);
  const targetProcesses = Number(values.targets);
  if (!Number.isInteger(targetProcesses) || targetProcesses < 1 || targetProcesses > 8) {
    throw new UsageError(`--targets must be a whole number from 1 to 8, not ${values.targets}`);
  }
  const saturationSteps = values.steps?.split(',').map(Number);
  if (saturationSteps?.some((rate) => !Number.isInteger(rate) || rate < 1)) {
    throw new UsageError(`--steps must be whole checks/s separated by commas, not ${values.steps}`);
  }
  const capacityRows = values.monitors?.split(',').map(parseCapacityRow);
  const context: BenchContext = {
    quick: values.quick,
    targetProcesses,
    ...(saturationSteps ? { saturationSteps } : {}),
    ...(capacityRows ? { capacityRows } : {}),
    cpuProfile: values['cpu-prof'],
  };
  const startedAt = new Date();
  const machine = await machineInfo(startedAt);
  console.log(
    `Tireless bench${context.quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, ` +
      `${Math.round(machine.memoryBytes / 2 ** 30)} GiB, Node ${machine.node}, ${machine.commit.slice(0, 7)}${machine.dirty ? '+dirty' : ''}; ` +
      `background CPU before the run ${Math.round(machine.backgroundCpu)} % (2 cores = 200)`,
  );
  const reports: ScenarioReport[] = [];
  for (const scenario of selected) {
    const began = performance.now();
    console.log(`\n== ${scenario.name} ==`);
    const report = await scenario.run(context);
    report.seconds = Math.round((performance.now() - began) / 1000);
    for (const table of report.tables) console.log(`\n${renderTable(table)}`);
    console.log(`\n(${scenario.name}: ${report.seconds} s)`);
    reports.push(report);
  }
  const totalSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  const args = process.argv.slice(2);
  const results = { machine, quick: context.quick, totalSeconds, args, scenarios: reports };
  writeResults(results);
  console.log(`\nbench done in ${totalSeconds} s; wrote bench/results.json`);
  // Only a full run with the default settings describes the node as it ships.
  const full = args.every((arg) => arg === '--allow-dirty');
  if (!full) return;
  if (machine.dirty && !values['allow-dirty']) {
    console.log(
      `NOT writing docs/BENCHMARKS.md: the work tree has uncommitted changes (${commitLabel(machine)}). ` +
        'Commit them and run again, or pass --allow-dirty to write it marked "+dirty".',
    );
    process.exitCode = 1;
    return;
  }
  console.log(`wrote ${writeDocuments(results).join(' and ')} for ${commitLabel(machine)}`);
}

/** A --monitors entry: `30000` (HTTP) or `<kind>:<count>`, e.g. `remote:30000`. */
function parseCapacityRow(entry: string): CapacityRow {
  const [kind, count] = entry.includes(':') ? entry.split(':') : ['http', entry];
  const n = Number(count);
  if (!isCapacityKind(kind) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `--monitors takes counts or <kind>:<count> separated by commas (kinds: ${CAPACITY_KINDS.join(', ')}), not ${entry}`,
    );
  }
  return [kind, n];
}

function selectScenarios(only: string[] | undefined, quick: boolean): readonly Scenario[] {
  if (!only) return SCENARIOS.filter((scenario) => !(quick && scenario.fullOnly));
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return SCENARIOS.filter((scenario) => only.includes(scenario.name));
}

function writeResults(results: Record<string, unknown>): void {
  const dir = join(REPO_ROOT, 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
