import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { AddressRefusedError } from '../net-guard/index.js';
import { startHttpsTarget, startHttpTarget, type HttpTarget } from '../testing/index.js';
import { exchange, type HttpExchange } from './index.js';

function request(url: string, overrides: Partial<HttpExchange> = {}): HttpExchange {
  return {
    url: new URL(url),
    method: 'GET',
    headers: {},
    body: undefined,
    keepBody: true,
    maxBodyBytes: 1_048_576,
    stopAtRedirect: false,
    addressGuard: undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}

const refuseLoopback = (address: string) =>
  address === '127.0.0.1' || address === '::1' ? `address ${address} is not allowed` : undefined;

void describe('exchange', () => {
  let target: HttpTarget;

  before(async () => {
    target = await startHttpTarget();
  });
  after(() => target.close());

  void it('opens a fresh connection for every request', async () => {
    const sockets = new Set<unknown>();
    const counting = await startHttpTarget((req, res) => {
      sockets.add(req.socket);
      res.end('ok');
    });
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await exchange(request(`${counting.url}/`));
        assert.equal(reply.body?.toString(), 'ok');
      }
      assert.equal(sockets.size, 3);
    } finally {
      await counting.close();
    }
  });

  void it('reads the body up to the cap and no further', async () => {
    const capped = await exchange(request(`${target.url}/big?bytes=5000`, { maxBodyBytes: 100 }));
    assert.equal(capped.truncated, true);
    assert.equal(capped.bytesRead, 100);
    assert.equal(capped.body?.length, 100);
    const whole = await exchange(request(`${target.url}/big?bytes=50`, { keepBody: false }));
    assert.equal(whole.truncated, false);
    assert.equal(whole.bytesRead, 53, 'counted: 50 × "x" and "END"');
    assert.equal(whole.body, undefined, 'not kept');
  });

  void it('answers a redirect at once, or reads it as any reply', async () => {
    const stopped = await exchange(request(`${target.url}/redirect?n=1`, { stopAtRedirect: true }));
    assert.equal(stopped.statusCode, 302);
    assert.equal(stopped.location, '/ok');
    assert.equal(stopped.body, undefined);
    const read = await exchange(request(`${target.url}/redirect?n=1`));
    assert.equal(read.statusCode, 302);
    assert.equal(read.location, undefined);
  });

  void it('sends the method, headers and body it is given', async () => {
    const reply = await exchange(
      request(`${target.url}/echo`, {
        method: 'PUT',
        headers: { 'x-probe': 'one', 'content-type': 'text/plain' },
        body: 'payload',
      }),
    );
    const echoed = JSON.parse(reply.body?.toString() ?? '') as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    assert.equal(echoed.method, 'PUT');
    assert.equal(echoed.headers['x-probe'], 'one');
    assert.equal(echoed.body, 'payload');
  });

  void it('times each phase: lookup for names, TLS for https', async () => {
    const byAddress = await exchange(request(`${target.url}/ok`));
    assert.equal(byAddress.timing.dnsMs, undefined, 'no lookup for an IP literal');
    assert.equal(byAddress.timing.tlsMs, undefined);
    assert.equal(typeof byAddress.timing.connectMs, 'number');
    assert.equal(typeof byAddress.timing.firstByteMs, 'number');
    const byName = await exchange(request(`http://localhost:${target.port}/ok`));
    assert.equal(typeof byName.timing.dnsMs, 'number');
    const secure = await startHttpsTarget();
    try {
      const reply = await exchange(request(`${secure.url}/ok`, { rejectUnauthorized: false }));
      assert.equal(typeof reply.timing.tlsMs, 'number');
      const { dnsMs = 0, connectMs = 0, tlsMs = 0, firstByteMs = 0, totalMs } = reply.timing;
      assert.ok(dnsMs + connectMs + tlsMs + firstByteMs <= totalMs + 0.5, 'phases within total');
      await assert.rejects(exchange(request(`${secure.url}/ok`)), {
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
    } finally {
      await secure.close();
    }
  });

  void it('makes a full TLS handshake for every HTTPS request (the shared context resumes no session)', async () => {
    const resumed: boolean[] = [];
    const secure = await startHttpsTarget({
      handler: (req, res) => {
        resumed.push((req.socket as TLSSocket).isSessionReused());
        res.end('ok');
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await exchange(request(`${secure.url}/ok`, { rejectUnauthorized: false }));
        assert.equal(reply.statusCode, 200);
        assert.equal(typeof reply.timing.tlsMs, 'number');
      }
      assert.deepEqual(resumed, [false, false, false]);
    } finally {
      await secure.close();
    }
  });

  void it('names the host in SNI as an agent would: the URL’s name, the Host header’s, never an IP', async () => {
    const seen: (string | false)[] = [];
    const secure = await startHttpsTarget({
      handler: (req, res) => {
        seen.push((req.socket as TLSSocket & { servername: string | false }).servername);
        res.end(String(req.headers.host));
      },
    });
    try {
      const insecure = { rejectUnauthorized: false };
      const hosts = [
        await exchange(request(`https://localhost:${secure.port}/`, insecure)),
        await exchange(request(`${secure.url}/`, insecure)),
        await exchange(
          request(`${secure.url}/`, { ...insecure, headers: { Host: 'example.test:8443' } }),
        ),
      ].map((reply) => reply.body?.toString());
      assert.deepEqual(seen, ['localhost', false, 'example.test']);
      assert.deepEqual(hosts, [
        `localhost:${secure.port}`,
        `127.0.0.1:${secure.port}`,
        'example.test:8443',
      ]);
    } finally {
      await secure.close();
    }
  });

  void it('refuses what the guard rejects, by address or by name, sending nothing', async () => {
    let arrived = 0;
    const watched = await startHttpTarget((_req, res) => {
      arrived++;
      res.end('ok');
    });
    try {
      const guarded = { addressGuard: refuseLoopback };
      await assert.rejects(exchange(request(`${watched.url}/`, guarded)), AddressRefusedError);
      const byName = request(`http://localhost:${watched.port}/`, guarded);
      await assert.rejects(exchange(byName), AddressRefusedError);
      assert.equal(arrived, 0);
      const allowed = { addressGuard: () => undefined };
      assert.equal(
        (await exchange(request(`http://localhost:${watched.port}/`, allowed))).statusCode,
        200,
      );
      assert.equal(arrived, 1);
    } finally {
      await watched.close();
    }
  });

  void it('stops and closes its connection when the signal aborts', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const silent = await startHttpTarget((req) => req.socket.once('close', closed));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(exchange(request(`${silent.url}/`, { signal: controller.signal })), {
        name: 'AbortError',
      });
      await connectionClosed;
    } finally {
      await silent.close();
    }
  });

  void it('refuses at once, connecting nowhere, when the signal aborted before', async () => {
    let arrived = 0;
    const counting = await startHttpTarget((_req, res) => {
      arrived += 1;
      res.end('ok');
    });
    try {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(exchange(request(`${counting.url}/`, { signal: controller.signal })), {
        name: 'AbortError',
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(arrived, 0);
    } finally {
      await counting.close();
    }
  });

  void it('leaves no listener on its signal once answered or failed', async () => {
    // One check's signal spans its redirects: a listener left per request would pile up.
    const { signal } = new AbortController();
    for (let i = 0; i < 3; i++) await exchange(request(`${target.url}/`, { signal }));
    await assert.rejects(exchange(request('http://127.0.0.1:1/', { signal })));
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });
});
