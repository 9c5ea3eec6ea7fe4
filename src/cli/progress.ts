/** Progress and summary lines for CLI commands that can run for minutes. */

export interface ProgressOptions {
  /** Least time between two lines, ms; nothing is printed for work that ends sooner. @defaultValue 1000 */
  intervalMs?: number;
  /** Milliseconds since some fixed point. @defaultValue performance.now */
  now?: () => number;
}

/**
 * A reporter of `done` out of `total`: it prints `<label>: <percent>%` through `log` at most
 * once per interval, so a quick copy stays silent and a long one shows it is moving.
 */
export function createProgress(
  log: (line: string) => void,
  label: string,
  options: ProgressOptions = {},
): (done: number, total: number) => void {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  let lastAt = now();
  return (done, total) => {
    const at = now();
    if (at - lastAt < intervalMs) return;
    lastAt = at;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    log(`${label}: ${percent}%`);
  };
}

/** A byte count for people, e.g. `12.3 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A duration for people, e.g. `850 ms` or `12.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A count with thousands separators, e.g. `1,234,567`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
