/**
 * The node at its saturation point under `node --cpu-prof`: monitors are created on a
 * plain node first, then the node restarts under the profiler, so the profile holds the
 * steady check load, not the API calls that created the monitors. Summarised by self time;
 * the profile is kept as bench/saturation.cpuprofile (open it in Chrome DevTools).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, tempDir } from '../testing/index.js';
import type { BenchContext, Scenario } from './context.js';
import { summarizeCpuProfileFile, type ProfileSummary, type SelfTime } from './cpu-profile.js';
import { measureLoadWindow } from './load-window.js';
import { fmt, megabytes, type ScenarioReport, type Table } from './report.js';
import { SATURATION_INTERVAL_SECONDS } from './saturation.js';
import { startTargetPool } from './target-pool.js';
import { createMonitors, startBenchNode } from './tireless-node.js';

/** Monitors profiled when the saturation scenario did not run first. */
const DEFAULT_MONITORS = 15_000;
const KEPT_PROFILE = join(REPO_ROOT, 'bench', 'saturation.cpuprofile');

export const profileScenario: Scenario = {
  name: 'profile',
  fullOnly: true,
  async run(context: BenchContext): Promise<ScenarioReport> {
    const { monitors, intervalSeconds } = context.saturation ?? {
      monitors: DEFAULT_MONITORS,
      intervalSeconds: SATURATION_INTERVAL_SECONDS,
    };
    const windowSeconds = context.quick ? 10 : 30;
    const pool = await startTargetPool(context.targetProcesses);
    const dataDir = tempDir('tireless-bench-');
    const profileDir = join(dataDir, 'profile');
    try {
      const plain = await startBenchNode(dataDir);
      console.log(`profile: creating ${fmt(monitors)} monitors at ${intervalSeconds} s…`);
      await createMonitors(plain, monitors, { intervalSeconds, urls: pool.urls });
      await plain.stop();
      const profiled = await startBenchNode(dataDir, {
        token: plain.api.token as string,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      });
      await sleep(2 * intervalSeconds * 1000);
      console.log(`profile: profiling for ${windowSeconds} s…`);
      const load = await measureLoadWindow(profiled, pool, windowSeconds);
      await profiled.stop();
      const file = join(profileDir, onlyProfileIn(profileDir));
      mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
      copyFileSync(file, KEPT_PROFILE);
      const summary = summarizeCpuProfileFile(file);
      const figures =
        `${fmt(monitors)} monitors at ${intervalSeconds} s under the profiler: ${fmt(load.checksPerSecond)} checks/s, ` +
        `p99 lateness ${fmt(load.lateness.p99)} ms, node CPU ${fmt(load.nodeCpu)} %, ` +
        `RSS ${megabytes(load.nodeMaxRss)} MB; profile kept as bench/saturation.cpuprofile`;
      return {
        name: 'profile',
        tables: profileTables(summary, figures),
        data: { monitors, intervalSeconds, windowSeconds, load, summary },
      };
    } finally {
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

function onlyProfileIn(dir: string): string {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length !== 1)
    throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return files[0] as string;
}

/** The summary as three tables: by area, by file, by function. */
export function profileTables(summary: ProfileSummary, context?: string): Table[] {
  const table = (title: string, entries: readonly SelfTime[], top: number): Table => ({
    title: `CPU profile, self time ${title}`,
    columns: ['', 'self ms', '% of busy'],
    rows: entries.slice(0, top).map((e) => [e.name, fmt(e.ms), `${fmt(e.pct, 1)} %`]),
  });
  const [byArea, byFile, byFunction] = [
    table('by area', summary.byArea, 15),
    table('by file', summary.byFile, 15),
    table('by function', summary.byFunction, 25),
  ];
  byArea.notes = [
    `Profiled ${fmt(summary.totalMs / 1000, 1)} s, busy (not idle) ${fmt(summary.busyMs / 1000, 1)} s.`,
    ...(context ? [context] : []),
  ];
  return [byArea, byFile, byFunction];
}
