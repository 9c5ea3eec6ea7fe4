/**
 * The node at its saturation point under `node --cpu-prof`: monitors are created on a
 * plain node first, then the node restarts under the profiler, so the profile holds the
 * steady check load, not the API calls that created the monitors. Profiles a steady load
 * below saturation and the first load saturation did not hold, summarised by self time per
 * thread (the main thread, each check worker); each profile is kept as
 * bench/saturation-<steady|overloaded>-<thread>.cpuprofile (Chrome DevTools opens it).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../testing/index.js';
import type { BenchContext, Scenario } from './context.js';
import { summarizeCpuProfileFile, type ProfileSummary, type SelfTime } from './cpu-profile.js';
import { measureLoadWindow, type LoadFigures } from './load-window.js';
import { fmt, megabytes, type ScenarioReport, type Table } from './report.js';
import { SATURATION_INTERVAL_SECONDS } from './saturation.js';
import { startTargetPool, type TargetPool } from './target-pool.js';
import { createHttpFleet, startBenchNode, withDataDir } from './tireless-node.js';

/** Monitors profiled when the saturation scenario did not run first. */
const DEFAULT_MONITORS = 15_000;

/** One thread's profile: `main` or `worker-<thread id>`. */
interface ThreadProfile {
  thread: string;
  summary: ProfileSummary;
  /** Where the .cpuprofile was kept, relative to the repository. */
  kept: string;
}

/** One profiled load: its figures and a self-time summary per thread. */
interface ProfiledLoad {
  label: string;
  monitors: number;
  load: LoadFigures;
  threads: ThreadProfile[];
}

export const profileScenario: Scenario = {
  name: 'profile',
  fullOnly: true,
  async run(context: BenchContext): Promise<ScenarioReport> {
    const intervalSeconds = context.saturation?.intervalSeconds ?? SATURATION_INTERVAL_SECONDS;
    const points = profilePoints(context);
    const windowSeconds = context.quick ? 10 : 30;
    const pool = await startTargetPool(context.targetProcesses);
    const profiled: ProfiledLoad[] = [];
    try {
      for (const { label, monitors } of points) {
        const spec = { monitors, intervalSeconds, windowSeconds };
        profiled.push({ label, monitors, ...(await profileLoad(pool, spec, label)) });
      }
    } finally {
      await pool.close();
    }
    return {
      name: 'profile',
      tables: profiled.flatMap((p) =>
        p.threads.flatMap((t) =>
          profileTables(t.summary, `${p.label} ${t.thread}`, describeLoad(p, t, intervalSeconds)),
        ),
      ),
      data: { intervalSeconds, windowSeconds, profiled },
    };
  },
};

/**
 * Three quarters of the largest load saturation held (steady: the profiler's own cost must
 * not tip it over) and the first load it did not hold (overloaded), or a default.
 */
function profilePoints(context: BenchContext): { label: string; monitors: number }[] {
  const { held, failed } = context.saturation ?? {};
  const points = [
    ...(held === undefined ? [] : [{ label: 'steady', monitors: Math.round(held * 0.75) }]),
    ...(failed === undefined ? [] : [{ label: 'overloaded', monitors: failed }]),
  ];
  return points.length > 0 ? points : [{ label: 'default', monitors: DEFAULT_MONITORS }];
}

/**
 * Creates the monitors on a plain node, restarts it under --cpu-prof, lets it settle for
 * two intervals, measures a window, stops it, and summarises the profile.
 */
async function profileLoad(
  pool: TargetPool,
  spec: { monitors: number; intervalSeconds: number; windowSeconds: number },
  label: string,
): Promise<{ load: LoadFigures; threads: ThreadProfile[] }> {
  return withDataDir(async (dataDir) => {
    const profileDir = join(dataDir, 'profile');
    const plain = await startBenchNode(dataDir);
    console.log(`profile: creating ${fmt(spec.monitors)} monitors at ${spec.intervalSeconds} s…`);
    const { fleet } = await createHttpFleet(plain, pool, spec.monitors, spec.intervalSeconds);
    await plain.stop();
    const node = await startBenchNode(dataDir, {
      token: plain.api.token as string,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    });
    await sleep(2 * spec.intervalSeconds * 1000);
    console.log(`profile: profiling for ${spec.windowSeconds} s…`);
    const load = await measureLoadWindow(node, pool, spec.windowSeconds, fleet);
    await node.stop();
    mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
    const threads = threadProfilesIn(profileDir).map(({ thread, file }) => {
      const kept = join('bench', `saturation-${label}-${thread}.cpuprofile`);
      copyFileSync(file, join(REPO_ROOT, kept));
      return { thread, summary: summarizeCpuProfileFile(file), kept };
    });
    return { load, threads };
  });
}

function describeLoad(p: ProfiledLoad, t: ThreadProfile, intervalSeconds: number): string {
  return (
    `${p.label}: ${fmt(p.monitors)} monitors at ${intervalSeconds} s under the profiler: ` +
    `${fmt(p.load.checksPerSecond)} checks/s on slot, p99 lateness ${fmt(p.load.lateness.p99)} ms, ` +
    `node CPU ${fmt(p.load.nodeCpu)} % (main thread ${fmt(p.load.nodeMainThreadCpu)} %), ` +
    `RSS ${megabytes(p.load.nodeMaxRss)} MB; profile kept as ${t.kept}`
  );
}

/**
 * The profiles node wrote, one per thread, named `CPU.<date>.<time>.<pid>.<thread id>.<n>`
 * where thread 0 is the main thread.
 */
export function threadProfilesIn(dir: string): { thread: string; file: string }[] {
  const profiles = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => {
      const threadId = name.split('.')[4];
      return { thread: threadId === '0' ? 'main' : `worker-${threadId}`, file: join(dir, name) };
    })
    .sort((a, b) => a.thread.localeCompare(b.thread));
  if (!profiles.some((p) => p.thread === 'main'))
    throw new Error(`no main-thread .cpuprofile in ${dir}`);
  return profiles;
}

/**
 * The summary as tables: self time by area and by function, and by file when `byFile` (the
 * bench leaves it to results.json).
 */
export function profileTables(
  summary: ProfileSummary,
  label?: string,
  context?: string,
  byFile = false,
): Table[] {
  const table = (title: string, entries: readonly SelfTime[], top: number): Table => ({
    title: `CPU profile${label ? ` (${label})` : ''}, self time ${title}`,
    columns: ['', 'self ms', '% of busy'],
    rows: entries.slice(0, top).map((e) => [e.name, fmt(e.ms), `${fmt(e.pct, 1)} %`]),
  });
  const byArea = table('by area', summary.byArea, 12);
  byArea.notes = [
    `Profiled ${fmt(summary.totalMs / 1000, 1)} s, busy (not idle) ${fmt(summary.busyMs / 1000, 1)} s.`,
    ...(context ? [context] : []),
  ];
  return [
    byArea,
    ...(byFile ? [table('by file', summary.byFile, 20)] : []),
    table('by function', summary.byFunction, 20),
  ];
}
