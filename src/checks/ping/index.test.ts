import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { refuse127002, testContext } from '../test-context.js';
import type { CheckContext, CheckOutcome } from '../types.js';
import { runPing } from './index.js';
import { pingOptions, pingSpec } from './options.js';

const IPUTILS_LOSS = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 0 received, 100% packet loss, time 2040ms
`;
const IPUTILS_PARTIAL = `--- 10.0.0.1 ping statistics ---
3 packets transmitted, 2 received, 33.3333% packet loss, time 405ms
rtt min/avg/max/mdev = 10.102/12.345/14.588/2.243 ms
`;
const BUSYBOX = `--- 10.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 1.046/1.267/1.589 ms
`;

/** Parses `input` as a monitor's options would be, then runs one check. */
function check(input: Record<string, unknown>, ctx?: Partial<CheckContext>): Promise<CheckOutcome> {
  return runPing(pingOptions.parse(input), testContext(ctx));
}

describe('ping checker', () => {
  const originalPath = process.env.PATH;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tireless-ping-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /**
   * Runs `body` with a fake `ping`, the shell script `script`, first on PATH. The script
   * finds its arguments in "$@" and may write to $LOG (a file in the fake's folder).
   */
  async function withFakePing<T>(
    name: string,
    script: string,
    body: (log: string) => Promise<T>,
  ): Promise<T> {
    const bin = join(dir, name);
    const log = join(bin, 'log');
    await mkdir(bin);
    await writeFile(join(bin, 'ping'), `#!/bin/sh\nLOG='${log}'\n${script}\n`);
    await chmod(join(bin, 'ping'), 0o755);
    process.env.PATH = `${bin}:${originalPath}`;
    try {
      return await body(log);
    } finally {
      process.env.PATH = originalPath;
    }
  }

  describe('with the system ping', () => {
    it('is up with the average round trip as latency and no loss', async () => {
      const outcome = await check({ host: '127.0.0.1', count: 2 });
      assert.equal(outcome.status, 'up', outcome.error);
      assert.equal(outcome.details?.packetLossPercent, 0);
      // Two pings take 200 ms at least; a latency well under that is the round trip.
      assert.ok(outcome.latencyMs >= 0 && outcome.latencyMs < 150, String(outcome.latencyMs));
    });

    it('pings a host name', async () => {
      const outcome = await check({ host: 'localhost', count: 1 });
      assert.equal(outcome.status, 'up', outcome.error);
    });

    it('refuses addresses the guard rejects, by address or by name', async () => {
      const literal = await check({ host: '127.0.0.2' }, { addressGuard: refuse127002 });
      assert.deepEqual(
        [literal.status, literal.error],
        ['down', 'address 127.0.0.2 is not allowed'],
      );
      const named = await check({ host: 'localhost' }, { addressGuard: () => 'no loopback' });
      assert.deepEqual(
        [named.status, named.error],
        [
          'down',
          'localhost resolves to a private or reserved address; this server refuses to contact it',
        ],
      );
    });
  });

  describe('reading what ping says', () => {
    it('runs ping quietly, spaced, bounded, against the vetted address', async () => {
      await withFakePing('args', `printf '%s' "$*" > "$LOG"; exit 2`, async (log) => {
        await check(
          { host: 'localhost', count: 4 },
          { timeoutMs: 2000, addressGuard: refuse127002 },
        );
        assert.equal(await readFile(log, 'utf8'), '-n -c 4 -i 0.2 -W 1.3 127.0.0.1');
      });
    });

    it('is down on 100% packet loss', async () => {
      await withFakePing('loss', `${print(IPUTILS_LOSS)}\nexit 1`, async () => {
        const outcome = await check({ host: '127.0.0.1' });
        assert.deepEqual([outcome.status, outcome.error], ['down', 'no reply (100% packet loss)']);
        assert.equal(outcome.details?.packetLossPercent, 100);
      });
    });

    it('is up on partial loss, reporting it', async () => {
      await withFakePing('partial', print(IPUTILS_PARTIAL), async () => {
        const outcome = await check({ host: '127.0.0.1' });
        assert.equal(outcome.status, 'up');
        assert.equal(outcome.latencyMs, 12.3);
        assert.equal(outcome.details?.packetLossPercent, 33.3333);
      });
    });

    it("reads busybox's summary too", async () => {
      await withFakePing('busybox', print(BUSYBOX), async () => {
        const outcome = await check({ host: '127.0.0.1' });
        assert.equal(outcome.status, 'up');
        assert.equal(outcome.latencyMs, 1.3);
        assert.equal(outcome.details?.packetLossPercent, 0);
      });
    });

    it('is down with what ping printed when it could not ping', async () => {
      const script = "echo 'ping: unknown.test: Name or service not known' >&2; exit 2";
      await withFakePing('unknown', script, async () => {
        const outcome = await check({ host: 'unknown.test' });
        assert.deepEqual(
          [outcome.status, outcome.error],
          ['down', 'ping: unknown.test: Name or service not known'],
        );
      });
    });

    it('is down when ping exits without a word', async () => {
      await withFakePing('mute', 'exit 2', async () => {
        const outcome = await check({ host: '127.0.0.1' });
        assert.deepEqual([outcome.status, outcome.error], ['down', 'ping failed (exit code 2)']);
      });
    });

    it('is down at the deadline when ping hangs, and kills it', async () => {
      await withFakePing('hang', 'echo $$ > "$LOG"; exec sleep 30', async (log) => {
        const outcome = await check({ host: '127.0.0.1' }, { timeoutMs: 300 });
        assert.deepEqual([outcome.status, outcome.error], ['down', 'timeout after 300 ms']);
        await assertExits(Number(await readFile(log, 'utf8')));
      });
    });

    it('stops, and kills ping, when the signal aborts', async () => {
      await withFakePing('abort', 'echo $$ > "$LOG"; exec sleep 30', async (log) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const outcome = await check({ host: '127.0.0.1' }, { signal: controller.signal });
        assert.deepEqual([outcome.status, outcome.error], ['down', 'check aborted']);
        await assertExits(Number(await readFile(log, 'utf8')));
      });
    });

    it('says how to install ping when it is missing', async () => {
      process.env.PATH = join(dir, 'nothing-here');
      try {
        const outcome = await check({ host: '127.0.0.1' });
        assert.deepEqual(
          [outcome.status, outcome.error],
          ['down', 'ping command not found (install iputils-ping)'],
        );
      } finally {
        process.env.PATH = originalPath;
      }
    });
  });

  describe('options', () => {
    it('fills in the defaults and renders its target', () => {
      const options = pingOptions.parse({ host: 'example.com' });
      assert.deepEqual(options, { host: 'example.com', count: 3 });
      assert.equal(pingSpec.target(options), 'example.com');
    });

    it('rejects bad options, naming the field', () => {
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'host'],
        [{ host: '-f' }, 'host'],
        [{ host: '127.0.0.1 -f' }, 'host'],
        [{ host: 'example.com', count: 0 }, 'count'],
        [{ host: 'example.com', count: 21 }, 'count'],
        [{ host: 'example.com', count: 1.5 }, 'count'],
      ];
      for (const [input, field] of cases) {
        const parsed = pingOptions.safeParse(input);
        assert.equal(parsed.success, false, JSON.stringify(input));
        assert.deepEqual(parsed.error?.issues[0]?.path, [field], JSON.stringify(input));
      }
      const unknown = pingOptions.safeParse({ host: 'example.com', interval: 1 });
      assert.equal(unknown.error?.issues[0]?.code, 'unrecognized_keys');
    });
  });
});

/** A shell command that prints `text` as it is. */
function print(text: string): string {
  return `cat <<'TEXT'\n${text}TEXT`;
}

/** Waits up to a second for process `pid` to be gone. */
async function assertExits(pid: number): Promise<void> {
  for (let waited = 0; waited < 1000; waited += 20) {
    if (!isRunning(pid)) return;
    await sleep(20);
  }
  assert.fail(`process ${pid} is still running`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
