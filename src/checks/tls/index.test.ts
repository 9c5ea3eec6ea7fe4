import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  makeCertificates,
  startHttpTarget,
  startHttpsTarget,
  startTcpTarget,
  type HttpTarget,
  type Target,
  type TestCertificates,
} from '../../testing/index.js';
import { refuse127002, testContext } from '../test-context.js';
import type { CheckContext, CheckOutcome } from '../types.js';
import { runTls } from './index.js';
import { tlsOptions, tlsSpec } from './options.js';

const DAY_MS = 86_400_000;

describe('tls checker', () => {
  let dir: string;
  let certificates: TestCertificates;
  let expiredCa: string;
  let valid: Target;
  let selfSigned: Target;
  let expired: Target;
  let silent: Target;
  let plain: HttpTarget;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tireless-tls-'));
    await Promise.all([mkdir(join(dir, 'valid')), mkdir(join(dir, 'expired'))]);
    const [current, old] = await Promise.all([
      makeCertificates(join(dir, 'valid'), { days: 10 }),
      makeCertificates(join(dir, 'expired'), { days: -1 }),
    ]);
    certificates = current;
    expiredCa = old.ca;
    [valid, selfSigned, expired, silent, plain] = await Promise.all([
      startHttpsTarget({ pair: current.leaf }),
      startHttpsTarget({ pair: current.selfSigned }),
      startHttpsTarget({ pair: old.leaf }),
      startTcpTarget(),
      startHttpTarget(),
    ]);
  });
  after(async () => {
    await Promise.all([valid, selfSigned, expired, silent, plain].map((target) => target.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Parses `input` as a monitor's options would be, then runs one check. */
  function check(
    input: Record<string, unknown>,
    ctx?: Partial<CheckContext>,
  ): Promise<CheckOutcome> {
    return runTls(tlsOptions.parse({ host: '127.0.0.1', ...input }), testContext(ctx));
  }

  it('is up for a trusted certificate, with days left and expiry, even within warnDays', async () => {
    const now = Date.now();
    const outcome = await check({ port: valid.port, ca: certificates.ca }, { now });
    assert.equal(outcome.status, 'up', outcome.error);
    const expiresAt = outcome.details?.certExpiresAt ?? 0;
    // openssl counts the 10 days from when it made the certificate, to the second.
    assert.ok(Math.abs(expiresAt - (now + 10 * DAY_MS)) < 60_000, String(expiresAt));
    assert.equal(outcome.details?.certDaysLeft, 9);
    assert.ok(outcome.latencyMs > 0);
  });

  it('checks the name of a host given by name', async () => {
    const outcome = await check({ host: 'localhost', port: valid.port, ca: certificates.ca });
    assert.equal(outcome.status, 'up', outcome.error);
  });

  it('is down when the chain does not verify', async () => {
    const outcome = await check({ port: valid.port });
    assert.equal(outcome.status, 'down');
    assert.equal(outcome.error, 'certificate error: unable to verify the first certificate');
    assert.equal(outcome.details?.certDaysLeft, 9, 'expiry is still reported');
  });

  it('is down for a self-signed certificate unless ignoreChain', async () => {
    const outcome = await check({ port: selfSigned.port });
    assert.equal(outcome.status, 'down');
    assert.equal(outcome.error, 'certificate error: self-signed certificate');
    const ignored = await check({ port: selfSigned.port, ignoreChain: true });
    assert.equal(ignored.status, 'up');
    assert.equal(ignored.details?.certDaysLeft, 9);
  });

  it('is down when the name does not match unless ignoreChain', async () => {
    const options = { port: valid.port, ca: certificates.ca, servername: 'example.test' };
    const outcome = await check(options);
    assert.equal(outcome.status, 'down');
    assert.match(
      outcome.error ?? '',
      /^certificate error: Hostname\/IP does not match certificate's altnames: Host: example\.test\./,
    );
    assert.equal((await check({ ...options, ignoreChain: true })).status, 'up');
  });

  it('is down for an expired certificate, with negative days left', async () => {
    const outcome = await check({ port: expired.port, ca: expiredCa, ignoreChain: true });
    assert.equal(outcome.status, 'down');
    const expiresAt = outcome.details?.certExpiresAt ?? 0;
    assert.equal(outcome.error, `certificate expired on ${new Date(expiresAt).toISOString()}`);
    // Expired a day ago and a little: floor(-1.0…) is -2, so days left < 0 exactly when expired.
    assert.equal(outcome.details?.certDaysLeft, -2);
  });

  it('judges expiry at ctx.now', async () => {
    const now = Date.now() + 20 * DAY_MS;
    const outcome = await check({ port: valid.port, ca: certificates.ca }, { now });
    assert.equal(outcome.status, 'down');
    assert.match(outcome.error ?? '', /^certificate expired on /);
    assert.equal(outcome.details?.certDaysLeft, -11);
  });

  it('says when the server does not speak TLS', async () => {
    const outcome = await check({ port: plain.port });
    assert.equal(outcome.status, 'down');
    assert.match(outcome.error ?? '', /^TLS handshake failed: wrong version number \(ERR_SSL_/);
  });

  it('says when the connection is refused', async () => {
    const closed = await startTcpTarget();
    await closed.close();
    const outcome = await check({ port: closed.port });
    assert.equal(outcome.error, `connection refused (ECONNREFUSED 127.0.0.1:${closed.port})`);
  });

  it('is down at the deadline when the handshake never completes', async () => {
    const outcome = await check({ port: silent.port }, { timeoutMs: 300 });
    assert.deepEqual([outcome.status, outcome.error], ['down', 'timeout after 300 ms']);
    assert.ok(outcome.latencyMs < 1000);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await check({ port: silent.port }, { signal: controller.signal });
    assert.deepEqual([outcome.status, outcome.error], ['down', 'check aborted']);
  });

  it('refuses addresses the guard rejects', async () => {
    const outcome = await check(
      { host: '127.0.0.2', port: valid.port },
      { addressGuard: refuse127002 },
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'address 127.0.0.2 is not allowed']);
  });

  it('fills in the defaults and renders its target', () => {
    const options = tlsOptions.parse({ host: 'example.com' });
    assert.deepEqual(options, {
      host: 'example.com',
      port: 443,
      warnDays: [30, 14, 7],
      ignoreChain: false,
    });
    assert.equal(tlsSpec.target(options), 'example.com:443');
  });

  it('rejects bad options, naming the field', () => {
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [{}, ['host']],
      [{ host: 'https://example.com' }, ['host']],
      [{ host: 'example.com', port: 0 }, ['port']],
      [{ host: 'example.com', servername: '127.0.0.1' }, ['servername']],
      [{ host: 'example.com', warnDays: [30, 0] }, ['warnDays', 1]],
      [{ host: 'example.com', warnDays: [1.5] }, ['warnDays', 0]],
      [{ host: 'example.com', ca: 'not a certificate' }, ['ca']],
      [{ host: 'example.com', ignoreChain: 1 }, ['ignoreChain']],
    ];
    for (const [input, path] of cases) {
      const parsed = tlsOptions.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      assert.deepEqual(parsed.error?.issues[0]?.path, path, JSON.stringify(input));
    }
    const unknown = tlsOptions.safeParse({ host: 'example.com', url: 'x' });
    assert.equal(unknown.error?.issues[0]?.code, 'unrecognized_keys');
  });
});
