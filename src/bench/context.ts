import type { ScenarioReport } from './report.js';

/** What every scenario is given, and what earlier scenarios leave for later ones. */
export interface BenchContext {
  /** A short run (the whole bench in about 4 minutes). */
  quick: boolean;
  /** Target processes the capacity, saturation and profile scenarios check against. */
  targetProcesses: number;
  /** Offered checks/s of the saturation steps, instead of the default ones (--steps). */
  saturationSteps?: number[];
  /** Rows of the capacity scenario, instead of the default ones (--monitors). */
  capacityRows?: [kind: 'http' | 'https' | 'remote' | 'mixed', count: number][];
  /**
   * Fresh-connection GETs/s of as many bare-Node processes as the node has check threads
   * against that pool, measured in this invocation (see referenceCeiling).
   */
  ceilingPerSecond?: number;
  /** The same against HTTPS targets (a TLS handshake per GET), when an HTTPS row needs it. */
  httpsCeilingPerSecond?: number;
  /** How many bare-Node processes that was. */
  ceilingLoops?: number;
  /**
   * Run the dashboard scenario's node under `node --cpu-prof` (--cpu-prof): its figures then
   * include the profiler's cost, so they are not the ones to compare with a run without it.
   */
  cpuProfile?: boolean;
  /** Loads to profile, set by saturation: the largest held and the first not held. */
  saturation?: { intervalSeconds: number; held?: number; failed?: number };
}

export interface Scenario {
  name: string;
  /** Left out of a --quick run unless named with --only. */
  fullOnly?: boolean;
  run(context: BenchContext): Promise<ScenarioReport>;
}
