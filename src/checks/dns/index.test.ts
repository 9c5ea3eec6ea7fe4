import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type DnsServer } from '../../testing/index.js';
import { privateAddressGuard } from '../../net-guard/index.js';
import { refuse127002, testContext } from '../test-context.js';
import type { CheckContext, CheckOutcome } from '../types.js';
import { runDns } from './index.js';
import { dnsOptions, dnsSpec } from './options.js';
import { resolverAddress } from './resolver.js';

const SOA = {
  mname: 'ns1.example.test',
  rname: 'hostmaster.example.test',
  serial: 2024010101,
  refresh: 7200,
  retry: 3600,
  expire: 1209600,
  minimum: 300,
};

describe('dns checker', () => {
  let server: DnsServer;
  let silent: DnsServer;
  let failing: DnsServer;
  before(async () => {
    [server, silent, failing] = await Promise.all([
      startDnsServer([
        { name: 'example.test', type: 'A', data: '192.0.2.1' },
        { name: 'example.test', type: 'A', data: '192.0.2.2' },
        { name: 'example.test', type: 'AAAA', data: '2001:db8::1' },
        {
          name: 'example.test',
          type: 'MX',
          data: { preference: 10, exchange: 'mail.example.test' },
        },
        { name: 'example.test', type: 'TXT', data: 'v=spf1 -all' },
        { name: 'example.test', type: 'TXT', data: ['part one, ', 'part two'] },
        { name: 'example.test', type: 'NS', data: 'ns1.example.test' },
        { name: 'example.test', type: 'CAA', data: { flags: 0, tag: 'issue', value: 'ca.test' } },
        { name: 'example.test', type: 'SOA', data: SOA },
        { name: 'www.example.test', type: 'CNAME', data: 'example.test' },
        {
          name: '_sip._tcp.example.test',
          type: 'SRV',
          data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.test' },
        },
        { name: '1.2.0.192.in-addr.arpa', type: 'PTR', data: 'host.example.test' },
        // Answers the SSRF guard judges (no connection is made to any of them).
        { name: 'public.example.test', type: 'A', data: '93.184.216.34' },
        { name: 'internal.example.test', type: 'A', data: '10.1.2.3' },
        { name: 'mixed.example.test', type: 'A', data: '93.184.216.34' },
        { name: 'mixed.example.test', type: 'A', data: '10.1.2.3' },
        { name: 'internal.example.test', type: 'AAAA', data: 'fd00::5' },
        { name: '3.2.1.10.in-addr.arpa', type: 'PTR', data: 'db.internal.test' },
        { name: '34.216.184.93.in-addr.arpa', type: 'PTR', data: 'www.example.test' },
      ]),
      startDnsServer([], 'silent'),
      startDnsServer([], 'servfail'),
    ]);
  });
  after(() => Promise.all([server.close(), silent.close(), failing.close()]));

  /** Parses `input` as a monitor's options would be (resolver: the test server), then checks. */
  function check(
    input: Record<string, unknown>,
    ctx?: Partial<CheckContext>,
  ): Promise<CheckOutcome> {
    const options = dnsOptions.parse({ resolver: server.address, ...input });
    return runDns(options, testContext(ctx));
  }

  it('is up when there is an answer, with the query time as latency', async () => {
    const outcome = await check({ hostname: 'example.test' });
    assert.equal(outcome.status, 'up', outcome.error);
    assert.ok(outcome.latencyMs > 0 && outcome.latencyMs < 1000);
  });

  it('renders each record type as text for `expected`', async () => {
    const cases: [string, string, string][] = [
      ['A', 'example.test', '192.0.2.2'],
      ['AAAA', 'example.test', '2001:db8::1'],
      ['CNAME', 'www.example.test', 'example.test'],
      ['MX', 'example.test', '10 mail.example.test'],
      ['TXT', 'example.test', 'part one, part two'],
      ['NS', 'example.test', 'ns1.example.test'],
      ['SRV', '_sip._tcp.example.test', '10 5 5060 sip.example.test'],
      ['CAA', 'example.test', '0 issue "ca.test"'],
      ['PTR', '1.2.0.192.in-addr.arpa', 'host.example.test'],
      ['PTR', '192.0.2.1', 'host.example.test'],
      [
        'SOA',
        'example.test',
        'ns1.example.test hostmaster.example.test 2024010101 7200 3600 1209600 300',
      ],
    ];
    for (const [recordType, hostname, expected] of cases) {
      const outcome = await check({ hostname, recordType, expected });
      assert.equal(outcome.status, 'up', `${recordType} ${hostname}: ${outcome.error}`);
    }
  });

  it('is down when no answer is the expected one', async () => {
    const outcome = await check({ hostname: 'example.test', expected: '192.0.2.9' });
    assert.deepEqual(
      [outcome.status, outcome.error],
      ['down', 'expected 192.0.2.9, got 192.0.2.1, 192.0.2.2'],
    );
  });

  it('compares names and addresses case-insensitively, TXT exactly', async () => {
    const aaaa = await check({
      hostname: 'example.test',
      recordType: 'AAAA',
      expected: '2001:DB8::1',
    });
    assert.equal(aaaa.status, 'up');
    const mx = await check({
      hostname: 'example.test',
      recordType: 'MX',
      expected: '10 MAIL.example.test',
    });
    assert.equal(mx.status, 'up');
    const txt = await check({
      hostname: 'example.test',
      recordType: 'TXT',
      expected: 'V=SPF1 -all',
    });
    assert.equal(txt.status, 'down');
  });

  it('is down when the name has no records of the type', async () => {
    const outcome = await check({ hostname: 'www.example.test', recordType: 'AAAA' });
    assert.deepEqual(
      [outcome.status, outcome.error],
      ['down', 'no AAAA records for www.example.test'],
    );
  });

  it('is down when the name does not exist', async () => {
    const outcome = await check({ hostname: 'missing.test' });
    assert.deepEqual(
      [outcome.status, outcome.error],
      ['down', 'missing.test does not exist (NXDOMAIN)'],
    );
  });

  it('is down when the server fails', async () => {
    const outcome = await check({ hostname: 'example.test', resolver: failing.address });
    assert.deepEqual(
      [outcome.status, outcome.error],
      ['down', 'DNS server failed to answer (ESERVFAIL)'],
    );
  });

  it('is down at the deadline when the server never answers', async () => {
    const outcome = await check(
      { hostname: 'example.test', resolver: silent.address },
      { timeoutMs: 300 },
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'timeout after 300 ms']);
    assert.ok(silent.queries >= 1, 'the query reached the server');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await check(
      { hostname: 'example.test', resolver: silent.address },
      { signal: controller.signal },
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'check aborted']);
    assert.ok(outcome.latencyMs < 1000);
  });

  it('refuses a resolver the guard rejects', async () => {
    const outcome = await check(
      { hostname: 'example.test', resolver: `127.0.0.2:${server.port}` },
      { addressGuard: refuse127002 },
    );
    assert.deepEqual([outcome.status, outcome.error], ['down', 'address 127.0.0.2 is not allowed']);
    const allowed = await check({ hostname: 'example.test' }, { addressGuard: refuse127002 });
    assert.equal(allowed.status, 'up');
  });

  describe('under the SSRF guard (the test resolver excepted)', () => {
    const guarded = { addressGuard: privateAddressGuard(['127.0.0.1']) };
    const refused = 'resolves to a private or reserved address, which this server does not report';

    it('neither lists nor compares private answers', async () => {
      for (const [hostname, recordType] of [
        ['internal.example.test', 'A'],
        ['mixed.example.test', 'A'],
        ['internal.example.test', 'AAAA'],
      ]) {
        for (const expected of [undefined, '10.1.2.3', 'fd00::5']) {
          const outcome = await check({ hostname, recordType, expected }, guarded);
          assert.deepEqual([outcome.status, outcome.error], ['down', `${hostname} ${refused}`]);
        }
      }
      const unguarded = await check({ hostname: 'internal.example.test', expected: '10.9.9.9' });
      assert.equal(unguarded.error, 'expected 10.9.9.9, got 10.1.2.3');
      const answer = { hostname: 'public.example.test', expected: '93.184.216.34' };
      assert.equal((await check(answer, guarded)).status, 'up');
    });

    it('does not ask a private resolver', async () => {
      const asked = server.queries;
      // Without the exception, the test resolver is a private one.
      const outcome = await check(
        { hostname: 'public.example.test' },
        { addressGuard: privateAddressGuard() },
      );
      assert.match(outcome.error ?? '', /^address 127\.0\.0\.1 is private or reserved/);
      assert.equal(server.queries, asked);
    });

    it('looks up the names of public addresses only, without asking otherwise', async () => {
      const asked = server.queries;
      for (const [hostname, error] of [
        ['10.1.2.3', /reverse lookups of private or reserved addresses are refused/],
        ['3.2.1.10.in-addr.arpa', /reverse lookups of private or reserved addresses are refused/],
        ['5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', /reverse/],
        ['10.in-addr.arpa', /PTR queries name a whole address/],
      ] as const) {
        const outcome = await check({ hostname, recordType: 'PTR' }, guarded);
        assert.match(outcome.error ?? '', error, hostname);
      }
      assert.equal(server.queries, asked, 'none of them was asked');
      const named = await check({ hostname: '93.184.216.34', recordType: 'PTR' }, guarded);
      assert.equal(named.status, 'up', named.error);
    });
  });

  it('reads the address of each resolver form', () => {
    assert.equal(resolverAddress('1.1.1.1'), '1.1.1.1');
    assert.equal(resolverAddress('127.0.0.1:5353'), '127.0.0.1');
    assert.equal(resolverAddress('::1'), '::1');
    assert.equal(resolverAddress('[::1]'), '::1');
    assert.equal(resolverAddress('[2001:db8::53]:5353'), '2001:db8::53');
    for (const bad of [
      'dns.test',
      'localhost:53',
      '1.2.3.4:0',
      '1.2.3.4:99999',
      '[1.2.3.4]',
      '[::1',
      '1.2.3',
    ]) {
      assert.equal(resolverAddress(bad), undefined, bad);
    }
  });

  it('fills in the defaults and renders its target', () => {
    const options = dnsOptions.parse({ hostname: 'example.test' });
    assert.deepEqual(options, { hostname: 'example.test', recordType: 'A' });
    assert.equal(dnsSpec.target(options), 'A example.test');
    const asked = dnsOptions.parse({
      hostname: 'example.test',
      recordType: 'MX',
      resolver: '[::1]:53',
    });
    assert.equal(dnsSpec.target(asked), 'MX example.test @[::1]:53');
  });

  it('rejects bad options, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'hostname'],
      [{ hostname: 'https://example.test' }, 'hostname'],
      [{ hostname: 'example.test', recordType: 'ANY' }, 'recordType'],
      [{ hostname: 'example.test', recordType: 'a' }, 'recordType'],
      [{ hostname: 'example.test', expected: '' }, 'expected'],
      [{ hostname: 'example.test', resolver: 'dns.test' }, 'resolver'],
      [{ hostname: 'example.test', resolver: '127.0.0.1:99999' }, 'resolver'],
    ];
    for (const [input, field] of cases) {
      const parsed = dnsOptions.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      assert.deepEqual(parsed.error?.issues[0]?.path, [field], JSON.stringify(input));
    }
    const unknown = dnsOptions.safeParse({ hostname: 'example.test', server: '1.1.1.1' });
    assert.equal(unknown.error?.issues[0]?.code, 'unrecognized_keys');
  });
});
