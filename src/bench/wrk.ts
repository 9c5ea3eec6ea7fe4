import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether the wrk load generator is on the PATH. */
export async function hasWrk(): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v wrk']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fresh-connection GETs/s that wrk reaches (`Connection: close`), with `connections` and
 * `threads` split evenly over the URLs (one wrk per URL, all at once).
 */
export async function wrkRequestsPerSecond(
  urls: readonly string[],
  options: { connections: number; threads: number; seconds: number },
): Promise<number> {
  const share = (total: number) => Math.max(1, Math.round(total / urls.length));
  const runs = urls.map((url) =>
    run('wrk', [
      `-c${share(options.connections)}`,
      `-t${share(options.threads)}`,
      `-d${options.seconds}s`,
      '-H',
      'Connection: close',
      url,
    ]),
  );
  const outputs = await Promise.all(runs);
  return outputs.reduce((sum, { stdout }) => sum + requestsPerSecond(stdout), 0);
}

function requestsPerSecond(output: string): number {
  const match = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!match) throw new Error(`unexpected wrk output:\n${output}`);
  return Number(match[1]);
}
