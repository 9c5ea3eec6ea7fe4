/**
 * A free account on a shared node must not reach the provider's network, through the real
 * binary: open sign-up does not start without a decision about the SSRF guard, and with the
 * guard on, monitors and a webhook aimed at loopback, at the link-local metadata address, at
 * a name that resolves to loopback, and at a redirect to either, are recorded down (or
 * refused), while the servers they aim at receive nothing.
 *
 * Tests may only contact loopback, which the guard refuses; so the node runs with one
 * loopback address, 127.0.0.2, excepted from the guard (blockPrivateTargetsExcept, the
 * setting an operator uses for a private status page) to stand for the public internet, and
 * the targets that must stay untouched listen on 127.0.0.1. 169.254.169.254 is never
 * contacted: the guard refuses an IP literal before any socket opens.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiClient,
  runTireless,
  startDnsServer,
  startHttpTarget,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  testRoutes,
  waitFor,
  type DnsServer,
  type HttpTarget,
  type RecordingHttpServer,
  type TirelessProcess,
} from '../testing/index.js';

const STAND_IN_FOR_PUBLIC = '127.0.0.2';
const REFUSED = /^address \S+ is private or reserved; this server refuses to contact it$/;

void describe('open sign-up and the SSRF guard', () => {
  void it('does not start open sign-up without a decision about private targets', async () => {
    const refused = await runTireless(['start', '--data', tempDir(), '--signup', 'open']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /blockPrivateTargets \(TIRELESS_BLOCK_PRIVATE_TARGETS\): open sign-up .*--allow-private-targets/,
    );
    for (const [name, value, problem] of [
      [
        'TIRELESS_BLOCK_PRIVATE_TARGETS',
        'yes-please',
        /blockPrivateTargets .*must be true or false/,
      ],
      ['TIRELESS_PORT', '1e3', /port \(TIRELESS_PORT\): must be a whole number .*"1e3"/],
    ] as const) {
      const bad = await runTireless(['start', '--data', tempDir()], { [name]: value });
      assert.equal(bad.code, 1, name);
      assert.match(bad.stderr, problem);
    }
  });

  void it('says in its banner that private targets are allowed, when that is meant', async () => {
    const node = await startTireless(tempDir(), {
      args: ['--signup', 'open', '--allow-private-targets'],
    });
    try {
      assert.match(node.output(), /SSRF guard: off \(allowPrivateTargets, with open sign-up\)/);
    } finally {
      await node.kill();
    }
  });
});

void describe('a free account under the SSRF guard', () => {
  let node: TirelessProcess;
  let api: ApiClient;
  /** What must receive nothing: on 127.0.0.1, which the guard refuses. */
  let victim: RecordingHttpServer;
  let victimDns: DnsServer;
  /** The stand-ins for a public server and resolver, on the excepted 127.0.0.2. */
  let outside: HttpTarget;
  let outsideDns: DnsServer;
  const outsidePaths: string[] = [];

  before(async () => {
    victim = await startRecordingHttpServer();
    victimDns = await startDnsServer([{ name: 'db.internal', type: 'A', data: '10.0.0.5' }]);
    outside = await startHttpTarget((request, response) => {
      outsidePaths.push(request.url ?? '');
      testRoutes(request, response);
    }, STAND_IN_FOR_PUBLIC);
    // A public resolver that knows a name with a private address.
    outsideDns = await startDnsServer(
      [{ name: 'db.internal', type: 'A', data: '10.0.0.5' }],
      'answer',
      STAND_IN_FOR_PUBLIC,
    );
    node = await startTireless(tempDir(), {
      args: [
        '--signup',
        'open',
        '--block-private-targets',
        '--block-private-targets-except',
        STAND_IN_FOR_PUBLIC,
      ],
      // The free account checks every second and polls for results: no quota in the way.
      env: {
        TIRELESS_CHECK_WORKERS: '1',
        TIRELESS_QUOTA_MIN_INTERVAL_SECONDS: '0',
        TIRELESS_QUOTA_API_REQUESTS_PER_MINUTE: '0',
      },
    });
    await new ApiClient(node.url).setUp({
      email: 'operator@example.com',
      password: 'the operator password',
    });
    // The guard binds every account alike; a signed-up one is the attacker of the story
    // (the operator's own account would do as well, and is bound by no quota).
    const freeAccount = { email: 'free@example.com', password: 'a free account password' };
    await new ApiClient(node.url).expect(202, 'POST', '/api/v1/auth/signup', freeAccount);
    const { token } = await new ApiClient(node.url).expect<{ token: string }>(
      200,
      'POST',
      '/api/v1/auth/login',
      freeAccount,
    );
    api = new ApiClient(node.url, token);
  });
  after(async () => {
    await node?.kill();
    await Promise.all([victim?.close(), victimDns?.close(), outside?.close(), outsideDns?.close()]);
  });

  void it('says in its banner that the guard is on, and what it lets through', () => {
    assert.match(
      node.output(),
      /SSRF guard: on \(blockPrivateTargets\): .*refuse private and reserved addresses, except 127\.0\.0\.2/,
    );
  });

  void it('records monitors aimed at private addresses down, contacting none of them', async () => {
    const victimUrl = `http://127.0.0.1:${victim.port}/`;
    const monitors: [name: string, fields: Record<string, unknown>, error: RegExp][] = [
      ['loopback', { type: 'http', url: victimUrl }, REFUSED],
      [
        'metadata',
        { type: 'http', url: 'http://169.254.169.254/latest/meta-data/' },
        /^address 169\.254\.169\.254 is private or reserved/,
      ],
      [
        'mapped',
        { type: 'http', url: `http://[::ffff:127.0.0.1]:${victim.port}/` },
        /^address ::ffff:7f00:1 is private or reserved/,
      ],
      [
        'by name',
        { type: 'http', url: `http://localhost:${victim.port}/` },
        // The address a name resolves to is not told.
        /^localhost resolves to a private or reserved address; this server refuses to contact it$/,
      ],
      [
        'redirect to loopback',
        { type: 'http', url: `${outside.url}/redirect?to=${encodeURIComponent(victimUrl)}` },
        /^address 127\.0\.0\.1 is private or reserved/,
      ],
      [
        'redirect to metadata',
        {
          type: 'http',
          url: `${outside.url}/redirect?to=${encodeURIComponent('http://169.254.169.254/')}`,
        },
        /^address 169\.254\.169\.254 is private or reserved/,
      ],
      [
        'redirect to a name',
        {
          type: 'http',
          url: `${outside.url}/redirect?to=${encodeURIComponent(`http://localhost:${victim.port}/`)}`,
        },
        /^localhost resolves to a private or reserved address/,
      ],
      ['tcp', { type: 'tcp', host: '127.0.0.1', port: victim.port }, REFUSED],
      [
        'private resolver',
        { type: 'dns', hostname: 'db.internal', resolver: victimDns.address },
        /^address 127\.0\.0\.1 is private or reserved/,
      ],
      [
        'private answer',
        {
          type: 'dns',
          hostname: 'db.internal',
          resolver: outsideDns.address,
          expected: '10.0.0.5',
        },
        // Neither listed nor compared: which address an internal name has is not told.
        /^db\.internal resolves to a private or reserved address, which this server does not report$/,
      ],
      [
        'body not quoted',
        { type: 'http', url: `${outside.url}/json`, jsonPath: 'status', jsonValue: 'down' },
        /^jsonPath status is not "down"$/,
      ],
    ];
    const ids = new Map<string, string>();
    for (const [name, fields] of monitors) {
      const created = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
        name,
        intervalSeconds: 1,
        ...fields,
      });
      ids.set(name, created.id);
    }
    for (const [name, , error] of monitors) {
      const result = await waitFor(`a result of ${name}`, async () => {
        const { items } = await api.expect<{ items: { status: string; error?: string }[] }>(
          200,
          'GET',
          `/api/v1/monitors/${ids.get(name)}/results?limit=1`,
        );
        return items[0];
      });
      assert.equal(result.status, 'down', name);
      assert.match(result.error ?? '', error, name);
    }
    assert.deepEqual(victim.requests, [], 'the private target received nothing');
    assert.equal(victimDns.queries, 0, 'the private resolver was asked nothing');
    assert.ok(outsideDns.queries > 0, 'the public resolver was asked');
    // The redirects were answered by the stand-in for the internet, and went no further.
    assert.ok(outsidePaths.filter((path) => path.startsWith('/redirect')).length >= 3);
  });

  void it('refuses for good to deliver to a webhook on a private address', async () => {
    const failed = await failedTestDelivery(api, `http://127.0.0.1:${victim.port}/hook`);
    assert.match(
      failed.lastError ?? '',
      /^webhook: address refused: address 127\.0\.0\.1 is private or reserved/,
    );
    assert.deepEqual(victim.requests, [], 'the webhook receiver got nothing');
  });

  void it('refuses for good a webhook at the metadata address or a name of loopback', async () => {
    const [metadata, byName] = await Promise.all([
      failedTestDelivery(api, 'http://169.254.169.254/latest/meta-data/'),
      failedTestDelivery(api, `http://localhost:${victim.port}/hook`),
    ]);
    // Refused by the guard, before any socket: a connection tried would fail otherwise.
    assert.match(
      metadata.lastError ?? '',
      /^webhook: address refused: address 169\.254\.169\.254 is private or reserved/,
    );
    assert.equal(metadata.attempts, 1, 'not tried again');
    assert.match(
      byName.lastError ?? '',
      /^webhook: address refused: localhost resolves to a private or reserved address; this server refuses to contact it \(TIRELESS_DELIVERY\)$/,
    );
    assert.equal(byName.attempts, 1, 'not tried again');
    assert.deepEqual(victim.requests, [], 'the webhook receiver got nothing');
  });

  void it('does not follow a webhook receiver’s redirect to a private address', async () => {
    const victimHook = `http://127.0.0.1:${victim.port}/hook`;
    const failed = await failedTestDelivery(
      api,
      `${outside.url}/redirect?status=307&to=${encodeURIComponent(victimHook)}`,
    );
    assert.equal(
      failed.lastError,
      'webhook: HTTP 307 (redirects are not followed) (TIRELESS_DELIVERY)',
    );
    assert.ok(outsidePaths.some((path) => path.startsWith('/redirect?status=307')));
    assert.deepEqual(victim.requests, [], 'the redirect’s target got nothing');
  });
});

interface DeliveryItem {
  id: string;
  status: string;
  attempts: number;
  lastError?: string;
}

/** Sends a test message through a new webhook channel to `url`; its delivery, once failed. */
async function failedTestDelivery(api: ApiClient, url: string): Promise<DeliveryItem> {
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    name: `hook to ${new URL(url).host}`,
    type: 'webhook',
    config: { url },
  });
  const { deliveryId } = await api.expect<{ deliveryId: string }>(
    202,
    'POST',
    `/api/v1/channels/${channel.id}/test`,
  );
  return waitFor(`the test delivery to ${url} to fail`, async () => {
    const { items } = await api.expect<{ items: DeliveryItem[] }>(200, 'GET', '/api/v1/deliveries');
    return items.find((delivery) => delivery.id === deliveryId && delivery.status === 'failed');
  });
}
