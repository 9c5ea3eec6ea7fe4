import { execFile, type ExecFileException } from 'node:child_process';
import { resolveAllowed } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { down, msSince, roundMs, up } from '../outcome.js';
import type { CheckOutcome, Runner } from '../types.js';
import type { PingOptions } from './options.js';

/** Seconds between echo requests: the shortest that iputils allows without root. */
const SPACING_SECONDS = 0.2;
/** What starting ping and printing its summary may take, ms, within the check's deadline. */
const STARTUP_ALLOWANCE_MS = 150;
const NOT_INSTALLED = 'ping command not found (install iputils-ping)';

// iputils: "3 packets transmitted, 3 received, 0% packet loss" and
// "rtt min/avg/max/mdev = 0.037/0.264/0.717/0.320 ms"; busybox: "round-trip min/avg/max = …".
const PACKET_LOSS = /([\d.]+)% packet loss/;
const AVERAGE_RTT = /min\/avg\/max[^=]*= *[\d.]+\/([\d.]+)\//;

interface PingRun {
  error: ExecFileException | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ping -n -c count -i 0.2 -W wait host`. Down on 100 % packet loss or when ping
 * fails; latency is the average round trip, and details carry packetLossPercent.
 */
export const runPing: Runner<PingOptions> = (options, ctx) =>
  withDeadline(ctx, async (signal, startedAt) => {
    // ping resolves names itself, so a guarded check hands it the vetted address instead.
    const address = ctx.addressGuard
      ? await resolveAllowed(options.host, ctx.addressGuard)
      : options.host;
    const args = ['-n', '-c', String(options.count), '-i', String(SPACING_SECONDS)];
    args.push('-W', waitSeconds(options.count, ctx.timeoutMs), address);
    const result = await execPing(args, signal);
    return judgePing(result, msSince(startedAt));
  });

// How long ping waits for the last reply: what the deadline leaves after the spacing, so
// that ping reports lost packets itself rather than being killed at the deadline.
function waitSeconds(count: number, timeoutMs: number): string {
  const spacingMs = SPACING_SECONDS * 1000 * (count - 1);
  const waitMs = Math.max(100, timeoutMs - spacingMs - STARTUP_ALLOWANCE_MS);
  return (waitMs / 1000).toFixed(1);
}

function execPing(args: string[], signal: AbortSignal): Promise<PingRun> {
  return new Promise((resolve) => {
    execFile('ping', args, { signal, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ error, stdout, stderr }),
    );
  });
}

function judgePing({ error, stdout, stderr }: PingRun, elapsedMs: number): CheckOutcome {
  if (error?.code === 'ENOENT') return down(elapsedMs, NOT_INSTALLED);
  const loss = PACKET_LOSS.exec(stdout)?.[1];
  // No summary: ping could not start pinging (unknown host, no permission…) and said why.
  if (loss === undefined) return down(elapsedMs, pingFailure(error, stderr));
  const details = { packetLossPercent: Number(loss) };
  if (details.packetLossPercent >= 100) {
    return down(elapsedMs, 'no reply (100% packet loss)', details);
  }
  const average = AVERAGE_RTT.exec(stdout)?.[1];
  return up(average === undefined ? elapsedMs : roundMs(Number(average)), details);
}

function pingFailure(error: ExecFileException | null, stderr: string): string {
  const said = stderr.trim().split('\n', 1)[0];
  if (said) return said;
  return error ? `ping failed (exit code ${String(error.code)})` : 'ping printed no summary';
}
