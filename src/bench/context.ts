import type { ScenarioReport } from './report.js';

/** What every scenario is given, and what earlier scenarios leave for later ones. */
export interface BenchContext {
  /** A short run (the whole bench in about 4 minutes). */
  quick: boolean;
  /** Target processes the capacity, saturation and profile scenarios check against. */
  targetProcesses: number;
  /** Fresh-connection GETs/s of one bare-Node process against that pool (set by ceiling). */
  ceilingPerSecond?: number;
  /** Monitors and interval at which p99 lateness first passed 1 s (set by saturation). */
  saturation?: { monitors: number; intervalSeconds: number };
}

export interface Scenario {
  name: string;
  /** Left out of a --quick run unless named with --only. */
  fullOnly?: boolean;
  run(context: BenchContext): Promise<ScenarioReport>;
}
