/** CPU and memory of processes and of the machine, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time the process has used so far (user + system), ms; NaN once it is gone. */
export function cpuTimeMs(pid: number): number {
  return statCpuTimeMs(`/proc/${pid}/stat`);
}

/** CPU time of the process's main thread (its event loop, for node) so far, ms. */
export function mainThreadCpuTimeMs(pid: number): number {
  return statCpuTimeMs(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU time of each thread of the process but the main one so far, ms by thread id. */
function otherThreadsCpuTimeMs(pid: number): Map<number, number> {
  const times = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
      if (tid !== pid) times.set(tid, statCpuTimeMs(`/proc/${pid}/task/${tid}/stat`));
    }
  } catch {
    // The process is gone: no threads.
  }
  return times;
}

function statCpuTimeMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The process's resident set size now, bytes; NaN once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Bytes the process has caused to be written to storage so far; NaN once it is gone. */
export function writtenBytes(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const bytes = /^write_bytes:\s+(\d+)/m.exec(io)?.[1];
    return bytes === undefined ? Number.NaN : Number(bytes);
  } catch {
    return Number.NaN;
  }
}

/** Busy and total jiffies of all cores together, from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU time of every process on the machine now, ms by pid. */
function allCpuTimes(): Map<number, number> {
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ms = cpuTimeMs(Number(name));
    if (Number.isFinite(ms)) times.set(Number(name), ms);
  }
  return times;
}

/** CPU use over a span, % of one core (1 core fully busy = 100). */
export interface CpuUse {
  /** Per process group name: the sum of its processes. */
  processes: Record<string, number>;
  /** Per process group name: the main thread of its first process (node: the event loop). */
  mainThreads: Record<string, number>;
  /** Per process group name: the busiest other thread of its first process (node: a worker). */
  busiestOtherThreads: Record<string, number>;
  /**
   * Every other process on the machine (other work sharing it, kernel threads), this
   * process included: a process that ended during the span is not counted.
   */
  others: number;
  /** The whole machine, all cores (2 cores fully busy = 200). */
  machine: number;
  /** Largest RSS seen per process group (sum of its processes), bytes. */
  maxRss: Record<string, number>;
  /** Bytes written to storage per process group over the span (/proc/<pid>/io write_bytes). */
  written: Record<string, number>;
}

/**
 * Samples CPU time and RSS of groups of processes from start() to stop(): CPU % is the
 * delta of CPU time over the wall-clock span; RSS is sampled every `everyMs` and the
 * largest kept.
 */
export class ProcessSampler {
  private readonly startCpu = new Map<string, number>();
  private readonly startMainThread = new Map<string, number>();
  private readonly startOtherThreads = new Map<string, Map<number, number>>();
  private readonly startWritten = new Map<string, number>();
  private readonly maxRss = new Map<string, number>();
  private startedAt = 0;
  private startMachine = { busy: 0, total: 0 };
  private startAll = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly groups: Record<string, readonly number[]>,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.startMachine = machineJiffies();
    this.startAll = allCpuTimes();
    for (const [name, pids] of Object.entries(this.groups)) {
      this.startCpu.set(name, sumOf(pids, cpuTimeMs));
      this.startMainThread.set(name, mainThreadCpuTimeMs(pids[0] ?? 0));
      this.startOtherThreads.set(name, otherThreadsCpuTimeMs(pids[0] ?? 0));
      this.startWritten.set(name, sumOf(pids, writtenBytes));
    }
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), this.everyMs);
  }

  stop(): CpuUse {
    clearInterval(this.timer);
    this.sampleRss();
    const elapsedMs = performance.now() - this.startedAt;
    const machine = machineJiffies();
    const processes: Record<string, number> = {};
    const mainThreads: Record<string, number> = {};
    const busiestOtherThreads: Record<string, number> = {};
    const written: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      const used = sumOf(pids, cpuTimeMs) - (this.startCpu.get(name) ?? 0);
      processes[name] = (100 * used) / elapsedMs;
      const mainUsed = mainThreadCpuTimeMs(pids[0] ?? 0) - (this.startMainThread.get(name) ?? 0);
      mainThreads[name] = (100 * mainUsed) / elapsedMs;
      const startOthers = this.startOtherThreads.get(name) ?? new Map<number, number>();
      let busiest = 0;
      for (const [tid, ms] of otherThreadsCpuTimeMs(pids[0] ?? 0))
        busiest = Math.max(busiest, ms - (startOthers.get(tid) ?? 0));
      busiestOtherThreads[name] = (100 * busiest) / elapsedMs;
      written[name] = sumOf(pids, writtenBytes) - (this.startWritten.get(name) ?? 0);
    }
    const busy = machine.busy - this.startMachine.busy;
    const total = machine.total - this.startMachine.total;
    const cores = machineCores();
    const ours = new Set(Object.values(this.groups).flat());
    let othersMs = 0;
    for (const [pid, ms] of allCpuTimes()) {
      if (!ours.has(pid)) othersMs += ms - (this.startAll.get(pid) ?? 0);
    }
    return {
      processes,
      mainThreads,
      busiestOtherThreads,
      others: (100 * othersMs) / elapsedMs,
      machine: total > 0 ? (100 * cores * busy) / total : Number.NaN,
      maxRss: Object.fromEntries(this.maxRss),
      written,
    };
  }

  private sampleRss(): void {
    for (const [name, pids] of Object.entries(this.groups)) {
      const rss = sumOf(pids, rssBytes);
      if (Number.isFinite(rss) && rss > (this.maxRss.get(name) ?? 0)) this.maxRss.set(name, rss);
    }
  }
}

function sumOf(pids: readonly number[], read: (pid: number) => number): number {
  return pids.reduce((sum, pid) => sum + read(pid), 0);
}

function machineCores(): number {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line)).length;
}
