import type { ScenarioReport } from './report.js';

/** What every scenario is given, and what earlier scenarios leave for later ones. */
export interface BenchContext {
  /** A short run (the whole bench in about 4 minutes). */
  quick: boolean;
  /** Target processes the capacity, saturation and profile scenarios check against. */
  targetProcesses: number;
  /** Offered checks/s of the saturation steps, instead of the default ones (--steps). */
  saturationSteps?: number[];
  /** Fresh-connection GETs/s of one bare-Node process against that pool (set by ceiling). */
  ceilingPerSecond?: number;
  /** Loads to profile, set by saturation: the largest held and the first not held. */
  saturation?: { intervalSeconds: number; held?: number; failed?: number };
}

export interface Scenario {
  name: string;
  /** Left out of a --quick run unless named with --only. */
  fullOnly?: boolean;
  run(context: BenchContext): Promise<ScenarioReport>;
}
