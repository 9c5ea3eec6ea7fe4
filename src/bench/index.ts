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
 * HTTP monitors, or <kind>:<count> with kind http, https, remote or mixed). The node inherits the environment, so
 * `TIRELESS_CHECK_WORKERS=2 npm run bench` measures another worker count.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
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
  clusterScenario,
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      targets: { type: 'string', default: '2' },
      steps: { type: 'string' },
      monitors: { type: 'string' },
      'allow-dirty': { type: 'boolean', default: false },
    },
  });
  const selected = selectScenarios(values.only, values.quick);
  const targetProcesses = Number(values.targets);
  if (!Number.isInteger(targetProcesses) || targetProcesses < 1 || targetProcesses > 8) {
    throw new Error(`--targets must be a whole number from 1 to 8, not ${values.targets}`);
  }
  const saturationSteps = values.steps?.split(',').map(Number);
  if (saturationSteps?.some((rate) => !Number.isInteger(rate) || rate < 1)) {
    throw new Error(`--steps must be whole checks/s separated by commas, not ${values.steps}`);
  }
  const capacityRows = values.monitors?.split(',').map(parseCapacityRow);
  const context: BenchContext = {
    quick: values.quick,
    targetProcesses,
    ...(saturationSteps ? { saturationSteps } : {}),
    ...(capacityRows ? { capacityRows } : {}),
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
    throw new Error(
      `--monitors takes counts or <kind>:<count> separated by commas (kinds: ${CAPACITY_KINDS.join(', ')}), not ${entry}`,
    );
  }
  return [kind, n];
}

function selectScenarios(only: string[] | undefined, quick: boolean): readonly Scenario[] {
  if (!only) return SCENARIOS.filter((scenario) => !(quick && scenario.fullOnly));
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
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
  console.error(error);
  process.exitCode = 1;
});
