import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { waitFor } from './node-process.js';

/**
 * A process that starts a two-server cluster (JetStream's least), prints the servers' pids,
 * and exits when told on stdin.
 */
const SCRIPT = `
const { startNatsCluster } = await import(${JSON.stringify(new URL('./index.js', import.meta.url).href)});
const nats = await startNatsCluster(2);
process.stdout.write(nats.servers.map((server) => server.pid).join(' ') + '\\n');
process.stdin.once('data', () => process.exit(0));
`;

/** Whether the process runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('a test process that exits, or is stopped by SIGTERM or SIGINT, leaves no nats-server behind', async () => {
  for (const end of ['exit', 'SIGTERM', 'SIGINT'] as const) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const pids = await waitFor(`the servers' pids (${end})`, () =>
      printed.endsWith('\n') ? printed.trim().split(' ').map(Number) : undefined,
    );
    try {
      assert.equal(pids.filter(running).length, 2, `the servers run (${end})`);
      if (end === 'exit') child.stdin.write('exit\n');
      else child.kill(end);
      await exited;
      await waitFor(
        `the servers gone after ${end}`,
        () => (pids.some(running) ? undefined : true),
        5000,
      );
    } finally {
      // Should the hook fail, the test leaves no stray of its own.
      for (const pid of pids.filter(running)) process.kill(pid, 'SIGKILL');
    }
  }
});
