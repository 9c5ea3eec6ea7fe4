import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessSampler } from './proc-stats.js';

/** The machine and code a run was measured on, for bench/results.json. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  /** Total memory, bytes. */
  memoryBytes: number;
  node: string;
  /** ISO 8601, when the run started. */
  date: string;
  commit: string;
  /** Whether the work tree had uncommitted changes. */
  dirty: boolean;
  /** CPU % of the whole machine (2 cores = 200) over 2 s before the run: other work sharing it. */
  backgroundCpu: number;
}

export async function machineInfo(startedAt: Date): Promise<MachineInfo> {
  const sampler = new ProcessSampler({});
  sampler.start();
  await sleep(2000);
  const backgroundCpu = sampler.stop().machine;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    date: startedAt.toISOString(),
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain']) !== '',
    backgroundCpu,
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '';
  }
}
