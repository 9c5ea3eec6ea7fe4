import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  startHttpTarget,
  startHttpsTarget,
  type HttpsTarget,
  type HttpTarget,
} from '../../testing/index.js';
import { refuse127002, testContext } from '../test-context.js';
import type { CheckContext, CheckOutcome } from '../types.js';
import { runHttp } from './index.js';
import { httpOptions, httpSpec } from './options.js';

/** Parses `input` as a monitor's options would be (defaults applied), then runs one check. */
function check(input: Record<string, unknown>, ctx?: Partial<CheckContext>): Promise<CheckOutcome> {
  return runHttp(httpOptions.parse(input), testContext(ctx));
}

function assertDown(outcome: CheckOutcome, error: string | RegExp): void {
  assert.equal(outcome.status, 'down');
  if (typeof error === 'string') assert.equal(outcome.error, error);
  else assert.match(outcome.error ?? '', error);
}

describe('http checker', () => {
  let target: HttpTarget;
  let other: HttpTarget;
  let secure: HttpsTarget;
  before(async () => {
    [target, other, secure] = await Promise.all([
      startHttpTarget(),
      startHttpTarget(),
      startHttpsTarget(),
    ]);
  });
  after(() => Promise.all([target.close(), other.close(), secure.close()]));

  describe('status', () => {
    it('is up on a 2xx, with the status and a timing breakdown', async () => {
      const outcome = await check({ url: `${target.url}/ok` });
      assert.equal(outcome.status, 'up');
      assert.equal(outcome.error, undefined);
      assert.equal(outcome.details?.statusCode, 200);
      const timing = outcome.details?.timing;
      assert.ok(timing, 'timing is reported');
      assert.equal(timing.dnsMs, undefined, 'an IP literal needs no lookup');
      assert.equal(timing.tlsMs, undefined);
      assert.ok(timing.connectMs !== undefined && timing.connectMs >= 0);
      assert.ok(timing.firstByteMs !== undefined && timing.firstByteMs >= 0);
      assert.ok(timing.totalMs >= timing.connectMs + timing.firstByteMs - 0.2);
      assert.ok(outcome.latencyMs >= timing.totalMs);
    });

    it('times the lookup of a host name', async () => {
      const outcome = await check({ url: `http://localhost:${target.port}/ok` });
      assert.equal(outcome.status, 'up');
      assert.ok((outcome.details?.timing?.dnsMs ?? -1) >= 0);
    });

    it('is down on an unexpected status', async () => {
      const outcome = await check({ url: `${target.url}/status/503` });
      assertDown(outcome, 'expected status 200-399, got 503');
      assert.equal(outcome.details?.statusCode, 503);
    });

    it('accepts listed codes and ranges', async () => {
      const url = `${target.url}/status/503`;
      assert.equal((await check({ url, expectedStatus: [200, 503] })).status, 'up');
      assert.equal((await check({ url, expectedStatus: ['500-503'] })).status, 'up');
      assertDown(
        await check({ url, expectedStatus: [200, '400-499'] }),
        'expected status 200, 400-499, got 503',
      );
    });
  });

  describe('request', () => {
    it('sends the method, headers and body, with the node’s User-Agent', async () => {
      const request = {
        url: `${target.url}/echo`,
        method: 'PUT',
        headers: { 'X-Test': 'yes', 'Content-Type': 'text/plain' },
        body: 'hello',
      };
      const echoed: [string, string][] = [
        ['method', 'PUT'],
        ['headers.x-test', 'yes'],
        ['body', 'hello'],
        ['headers.user-agent', 'Tireless/0.0.0 (node test-node; region test-region)'],
      ];
      for (const [jsonPath, jsonValue] of echoed) {
        const outcome = await check({ ...request, jsonPath, jsonValue });
        assert.equal(outcome.status, 'up', outcome.error);
      }
      const agent = { 'User-Agent': 'probe/1' };
      const own = {
        ...request,
        headers: agent,
        jsonPath: 'headers.user-agent',
        jsonValue: 'probe/1',
      };
      assert.equal((await check(own)).status, 'up');
    });

    it('sends URL credentials as basic auth but never shows them', async () => {
      const url = `http://user:p%40ss@127.0.0.1:${target.port}/echo`;
      const expected = `Basic ${Buffer.from('user:p@ss').toString('base64')}`;
      const outcome = await check({ url, jsonPath: 'headers.authorization', jsonValue: expected });
      assert.equal(outcome.status, 'up');
      assert.equal(
        httpSpec.target(httpOptions.parse({ url })),
        `http://127.0.0.1:${target.port}/echo`,
      );
    });
  });

  describe('body', () => {
    it('finds a keyword, or says it is missing', async () => {
      assert.equal((await check({ url: `${target.url}/ok`, keyword: 'ok' })).status, 'up');
      assertDown(await check({ url: `${target.url}/ok`, keyword: 'OK' }), 'keyword "OK" not found');
    });

    it('is down when an unwanted keyword appears', async () => {
      const url = `${target.url}/ok`;
      assert.equal((await check({ url, keywordAbsent: 'error' })).status, 'up');
      assertDown(await check({ url, keywordAbsent: 'ok' }), 'unwanted keyword "ok" found');
    });

    it('checks a JSON path against a value', async () => {
      const url = `${target.url}/json`;
      const path = 'data.items[0].status';
      assert.equal((await check({ url, jsonPath: path, jsonValue: 'up' })).status, 'up');
      assertDown(
        await check({ url, jsonPath: path, jsonValue: 'down' }),
        'jsonPath data.items[0].status is "up", expected "down"',
      );
    });

    it('quotes nothing of the body under the address guard', async () => {
      const url = `${target.url}/json`;
      // The guard lets the local target through: what is left to check is the quoting.
      const guarded = { addressGuard: refuse127002 };
      const outcome = await check({ url, jsonPath: 'status', jsonValue: 'down' }, guarded);
      assertDown(outcome, 'jsonPath status is not "down"');
    });

    it('compares JSON values deeply, and a string with a scalar written the same way', async () => {
      const url = `${target.url}/json`;
      const up = async (jsonPath: string, jsonValue: unknown): Promise<void> =>
        assert.equal((await check({ url, jsonPath, jsonValue })).status, 'up', jsonPath);
      await up('data.items[0].id', 7);
      await up('data.items[0].id', '7');
      await up('data.ready', 'true');
      await up('data.items[0].tags', ['a', 'b']);
      await up('data.items[0]', { tags: ['a', 'b'], status: 'up', id: 7 });
      assertDown(
        await check({ url, jsonPath: 'data.items[0].tags', jsonValue: ['b', 'a'] }),
        'jsonPath data.items[0].tags is ["a","b"], expected ["b","a"]',
      );
      assertDown(await check({ url, jsonPath: 'data.count', jsonValue: 2 }), /is 1, expected 2$/);
    });

    it('with a JSON path alone, needs the path to exist', async () => {
      const url = `${target.url}/json`;
      assert.equal((await check({ url, jsonPath: 'data.count' })).status, 'up');
      assertDown(
        await check({ url, jsonPath: 'data.items[3]' }),
        'jsonPath data.items[3] not found',
      );
      assertDown(await check({ url, jsonPath: 'status.code' }), 'jsonPath status.code not found');
    });

    it('is down when a JSON check meets a body that is not JSON', async () => {
      const outcome = await check({ url: `${target.url}/ok`, jsonPath: 'status' });
      assertDown(outcome, 'body is not valid JSON');
    });

    it('reads at most maxBodyBytes, without failing for a large body by itself', async () => {
      const url = `${target.url}/big?bytes=3000000`;
      const drained = await check({ url });
      assert.equal(drained.status, 'up');
      assertDown(
        await check({ url, keyword: 'END' }),
        'keyword "END" not found in the first 1048576 bytes',
      );
      assert.equal((await check({ url, keyword: 'END', maxBodyBytes: 4_000_000 })).status, 'up');
      assertDown(
        await check({ url, jsonPath: 'a' }),
        'body larger than maxBodyBytes (1048576), cannot check jsonPath',
      );
    });

    it('reads a body exactly maxBodyBytes long whole', async () => {
      const url = `${target.url}/big?bytes=997`;
      const outcome = await check({ url, keyword: 'END', maxBodyBytes: 1000 });
      assert.equal(outcome.status, 'up');
    });
  });

  describe('response time', () => {
    it('is down when slower than maxResponseMs', async () => {
      const url = `${target.url}/slow?ms=150`;
      assertDown(
        await check({ url, maxResponseMs: 50 }),
        /^response took \d+ ms, more than maxResponseMs 50$/,
      );
      assert.equal((await check({ url, maxResponseMs: 1000 })).status, 'up');
    });
  });

  describe('redirects', () => {
    it('follows them to the end, reporting the final status', async () => {
      const outcome = await check({ url: `${target.url}/redirect?n=3` });
      assert.equal(outcome.status, 'up');
      assert.equal(outcome.details?.statusCode, 200);
      assert.ok(outcome.latencyMs >= (outcome.details?.timing?.totalMs ?? Infinity));
    });

    it('can judge the redirect itself', async () => {
      const url = `${target.url}/redirect?n=1`;
      const outcome = await check({ url, followRedirects: false });
      assert.equal(outcome.status, 'up');
      assert.equal(outcome.details?.statusCode, 302);
      const strict = await check({ url, followRedirects: false, expectedStatus: [200] });
      assertDown(strict, 'expected status 200, got 302');
    });

    it('stops after maxRedirects', async () => {
      const outcome = await check({ url: `${target.url}/redirect?n=5`, maxRedirects: 2 });
      assertDown(outcome, 'too many redirects (2)');
      assert.equal(outcome.details?.statusCode, 302);
      assertDown(await check({ url: `${target.url}/redirect?n=11` }), 'too many redirects (10)');
      assert.equal((await check({ url: `${target.url}/redirect?n=10` })).status, 'up');
    });

    it('refuses redirects to other schemes', async () => {
      const outcome = await check({ url: `${target.url}/redirect?to=ftp://127.0.0.1/x` });
      assertDown(outcome, 'redirect to an unsupported URL (ftp://127.0.0.1/x)');
    });

    it('turns a POST into a GET after 303, and keeps it after 307', async () => {
      const post = { method: 'POST', body: 'hello', jsonPath: 'method' };
      const after303 = `${target.url}/redirect?to=/echo&status=303`;
      assert.equal((await check({ url: after303, ...post, jsonValue: 'GET' })).status, 'up');
      const after307 = `${target.url}/redirect?to=/echo&status=307`;
      assert.equal((await check({ url: after307, ...post, jsonValue: 'POST' })).status, 'up');
      const body307 = { url: after307, ...post, jsonPath: 'body', jsonValue: 'hello' };
      assert.equal((await check(body307)).status, 'up');
    });

    it('keeps credentials within the origin and drops them across origins', async () => {
      const headers = { Authorization: 'Bearer secret-token' };
      const same = `${target.url}/redirect?to=/echo`;
      assert.equal((await check({ url: same, headers, keyword: 'secret-token' })).status, 'up');
      const cross = `${target.url}/redirect?to=${other.url}/echo`;
      assert.equal(
        (await check({ url: cross, headers, keywordAbsent: 'secret-token' })).status,
        'up',
      );
    });
  });

  describe('failures', () => {
    it('says when the connection is refused', async () => {
      const closed = await startHttpTarget();
      await closed.close();
      const outcome = await check({ url: `${closed.url}/ok` });
      assertDown(outcome, `connection refused (ECONNREFUSED 127.0.0.1:${closed.port})`);
    });

    it('says when the response is not HTTP', async () => {
      const garbled = await startHttpTarget((_request, response) => {
        response.socket?.end('NONSENSE\r\n\r\n');
      });
      try {
        assertDown(await check({ url: `${garbled.url}/` }), /^invalid HTTP response \(HPE_/);
      } finally {
        await garbled.close();
      }
    });

    it('says when the body is cut short', async () => {
      const cut = await startHttpTarget((_request, response) => {
        response.writeHead(200, { 'content-length': 100 });
        response.write('partial');
        setTimeout(() => response.destroy(), 20);
      });
      try {
        assertDown(await check({ url: `${cut.url}/` }), 'connection reset (ECONNRESET)');
      } finally {
        await cut.close();
      }
    });

    it('is down at the deadline when the server never answers', async () => {
      const started = performance.now();
      const outcome = await check({ url: `${target.url}/hang` }, { timeoutMs: 300 });
      assertDown(outcome, 'timeout after 300 ms');
      assert.ok(outcome.latencyMs >= 290 && performance.now() - started < 1000);
    });

    it('closes the connection when it gives up', async () => {
      let closed: Promise<unknown> | undefined;
      const silent = await startHttpTarget((request) => {
        closed = once(request.socket, 'close', { signal: AbortSignal.timeout(2000) });
      });
      try {
        assertDown(
          await check({ url: `${silent.url}/` }, { timeoutMs: 200 }),
          'timeout after 200 ms',
        );
        assert.ok(closed, 'the request arrived');
        await closed;
      } finally {
        await silent.close();
      }
    });

    it('stops when the signal aborts', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const outcome = await check({ url: `${target.url}/hang` }, { signal: controller.signal });
      assertDown(outcome, 'check aborted');
      assert.ok(outcome.latencyMs < 1000);
    });

    it('counts an abort by AbortSignal.timeout() as a timeout', async () => {
      const ctx = { timeoutMs: 5000, signal: AbortSignal.timeout(50) };
      assertDown(await check({ url: `${target.url}/hang` }, ctx), 'timeout after 5000 ms');
    });
  });

  describe('https', () => {
    it('is down on a self-signed certificate', async () => {
      const outcome = await check({ url: `${secure.url}/ok` });
      assertDown(outcome, 'certificate error: self-signed certificate');
    });

    it('accepts it with ignoreTlsErrors, timing the handshake', async () => {
      const outcome = await check({ url: `${secure.url}/ok`, ignoreTlsErrors: true });
      assert.equal(outcome.status, 'up');
      assert.ok((outcome.details?.timing?.tlsMs ?? -1) >= 0);
    });
  });

  describe('address guard', () => {
    it('refuses a refused address given as the host', async () => {
      const outcome = await check(
        { url: `http://127.0.0.2:${target.port}/ok` },
        { addressGuard: refuse127002 },
      );
      assertDown(outcome, 'address 127.0.0.2 is not allowed');
      const allowed = await check({ url: `${target.url}/ok` }, { addressGuard: refuse127002 });
      assert.equal(allowed.status, 'up');
    });

    it('refuses a host name that resolves to a refused address', async () => {
      const outcome = await check(
        { url: `http://localhost:${target.port}/ok` },
        { addressGuard: (address) => `address ${address} is private` },
      );
      // Which address the name has is not said.
      assertDown(
        outcome,
        'localhost resolves to a private or reserved address; this server refuses to contact it',
      );
    });

    it('refuses a redirect to a refused address', async () => {
      const url = `${target.url}/redirect?to=http://127.0.0.2:${target.port}/ok`;
      const outcome = await check({ url }, { addressGuard: refuse127002 });
      assertDown(outcome, 'address 127.0.0.2 is not allowed');
    });
  });

  describe('options', () => {
    it('refuses headers the client sets itself, naming each', () => {
      for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'CONNECTION', 'Upgrade']) {
        const parsed = httpOptions.safeParse({
          url: 'https://example.com/',
          headers: { 'X-Fine': 'yes', [name]: 'x' },
        });
        assert.equal(parsed.success, false, name);
        assert.deepEqual(
          parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
          [
            [
              `headers.${name}`,
              `${name} is set by Tireless from the URL and body; it cannot be set here`,
            ],
          ],
        );
      }
    });

    it('fills in the defaults', () => {
      assert.deepEqual(httpOptions.parse({ url: 'https://example.com/' }), {
        url: 'https://example.com/',
        method: 'GET',
        expectedStatus: ['200-399'],
        followRedirects: true,
        maxRedirects: 10,
        ignoreTlsErrors: false,
        maxBodyBytes: 1_048_576,
      });
    });

    it('rejects bad options, naming the field', () => {
      const url = 'https://example.com/';
      const cases: [Record<string, unknown>, (string | number)[]][] = [
        [{}, ['url']],
        [{ url: 'ftp://example.com/' }, ['url']],
        [{ url: 'example.com' }, ['url']],
        [{ url, method: 'FETCH' }, ['method']],
        [{ url, expectedStatus: ['2xx'] }, ['expectedStatus', 0]],
        [{ url, expectedStatus: [200, '399-200'] }, ['expectedStatus', 1]],
        [{ url, expectedStatus: [99] }, ['expectedStatus', 0]],
        [{ url, expectedStatus: [] }, ['expectedStatus']],
        [{ url, headers: { 'Bad Name': 'x' } }, ['headers', 'Bad Name']],
        [{ url, headers: { 'X-Ok': 'line\r\nbreak' } }, ['headers', 'X-Ok']],
        [{ url, keyword: '' }, ['keyword']],
        [{ url, jsonPath: 'a..b' }, ['jsonPath']],
        [{ url, jsonValue: 'ok' }, ['jsonValue']],
        [{ url, maxResponseMs: 0 }, ['maxResponseMs']],
        [{ url, maxRedirects: 21 }, ['maxRedirects']],
        [{ url, maxBodyBytes: 0 }, ['maxBodyBytes']],
        [{ url, followRedirects: 'yes' }, ['followRedirects']],
      ];
      for (const [input, path] of cases) {
        const parsed = httpOptions.safeParse(input);
        assert.equal(parsed.success, false, JSON.stringify(input));
        assert.deepEqual(parsed.error?.issues[0]?.path, path, JSON.stringify(input));
      }
      const unknown = httpOptions.safeParse({ url, timeout: 5 });
      assert.equal(unknown.error?.issues[0]?.code, 'unrecognized_keys');
    });

    it('renders its target', () => {
      const options = httpOptions.parse({ url: 'https://example.com/health', method: 'HEAD' });
      assert.equal(httpSpec.target(options), 'HEAD https://example.com/health');
    });
  });
});
