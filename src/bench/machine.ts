import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

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
}

export function machineInfo(startedAt: Date): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    date: startedAt.toISOString(),
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain']) !== '',
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
