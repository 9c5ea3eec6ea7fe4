import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardOf, parseNetwork, privateAddressGuard } from './index.js';

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries, entry by entry (as of 2025),
 * written out here apart from the guard's own list: each with addresses at its edges and
 * whether the guard refuses them. Entries the registry marks globally reachable are allowed,
 * unless they sit inside a refused block (see ranges.ts); translated forms are judged by the
 * IPv4 address they carry.
 */
const REGISTRY: readonly [entry: string, addresses: string[], refused: boolean][] = [
  ['0.0.0.0/8 this network', ['0.0.0.0', '0.255.255.255'], true],
  ['10.0.0.0/8 private', ['10.0.0.0', '10.255.255.255'], true],
  ['100.64.0.0/10 shared address space', ['100.64.0.0', '100.127.255.255'], true],
  ['127.0.0.0/8 loopback', ['127.0.0.1', '127.255.255.255'], true],
  ['169.254.0.0/16 link local (metadata)', ['169.254.169.254', '169.254.0.0'], true],
  ['172.16.0.0/12 private', ['172.16.0.0', '172.31.255.255'], true],
  ['192.0.0.0/24 IETF protocol assignments', ['192.0.0.0', '192.0.0.255'], true],
  ['192.0.0.0/29 IPv4 service continuity', ['192.0.0.7'], true],
  ['192.0.0.8/32 dummy address', ['192.0.0.8'], true],
  ['192.0.0.9/32 PCP anycast (inside 192.0.0.0/24)', ['192.0.0.9'], true],
  ['192.0.0.10/32 TURN anycast (inside 192.0.0.0/24)', ['192.0.0.10'], true],
  ['192.0.0.170/32 NAT64/DNS64 discovery', ['192.0.0.170', '192.0.0.171'], true],
  ['192.0.2.0/24 TEST-NET-1', ['192.0.2.0', '192.0.2.255'], true],
  ['192.31.196.0/24 AS112-v4', ['192.31.196.1'], false],
  ['192.52.193.0/24 AMT', ['192.52.193.1'], false],
  ['192.88.99.0/24 deprecated 6to4 relay anycast', ['192.88.99.1'], true],
  ['192.168.0.0/16 private', ['192.168.0.0', '192.168.255.255'], true],
  ['192.175.48.0/24 direct delegation AS112', ['192.175.48.1'], false],
  ['198.18.0.0/15 benchmarking', ['198.18.0.0', '198.19.255.255'], true],
  ['198.51.100.0/24 TEST-NET-2', ['198.51.100.7'], true],
  ['203.0.113.0/24 TEST-NET-3', ['203.0.113.255'], true],
  ['224.0.0.0/4 multicast', ['224.0.0.1', '239.255.255.255'], true],
  ['240.0.0.0/4 reserved', ['240.0.0.0', '254.255.255.255'], true],
  ['255.255.255.255/32 limited broadcast', ['255.255.255.255'], true],
  ['::1/128 loopback', ['::1', '0:0:0:0:0:0:0:1'], true],
  ['::/128 unspecified', ['::'], true],
  [
    '::ffff:0:0/96 IPv4-mapped',
    ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:8.8.8.8'],
    true,
  ],
  ['::/96 IPv4-compatible (deprecated)', ['::127.0.0.1', '::a00:1', '::8.8.8.8'], true],
  [
    '64:ff9b::/96 NAT64 of a refused IPv4',
    ['64:ff9b::127.0.0.1', '64:ff9b::a00:1', '64:ff9b::169.254.169.254', '64:ff9b::c0a8:101'],
    true,
  ],
  ['64:ff9b::/96 NAT64 of a public IPv4', ['64:ff9b::8.8.8.8', '64:ff9b::5db8:d822'], false],
  ['64:ff9b:1::/48 local-use translation', ['64:ff9b:1::8.8.8.8', '64:ff9b:1:ffff::1'], true],
  ['100::/64 discard-only', ['100::', '100::ffff:ffff:ffff:ffff'], true],
  ['100:0:0:1::/64 dummy prefix', ['100:0:0:1::1'], true],
  ['2001::/23 IETF protocol assignments', ['2001::', '2001:1ff:ffff::1'], true],
  ['2001::/32 Teredo', ['2001:0:4136:e378:8000:63bf:3fff:fdd2'], true],
  ['2001:1::1/128 PCP anycast (inside 2001::/23)', ['2001:1::1', '2001:1::2', '2001:1::3'], true],
  ['2001:2::/48 benchmarking', ['2001:2::1'], true],
  ['2001:3::/32 AMT (inside 2001::/23)', ['2001:3::1'], true],
  ['2001:4:112::/48 AS112-v6 (inside 2001::/23)', ['2001:4:112::1'], true],
  ['2001:10::/28 deprecated ORCHID', ['2001:10::1'], true],
  ['2001:20::/28 ORCHIDv2 (inside 2001::/23)', ['2001:20::1'], true],
  ['2001:30::/28 drone remote ID (inside 2001::/23)', ['2001:30::1'], true],
  ['2001:db8::/32 documentation', ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'], true],
  ['2002::/16 6to4', ['2002:a00:1::', '2002:808:808::1', '2002:ffff::1'], true],
  ['2620:4f:8000::/48 direct delegation AS112', ['2620:4f:8000::1'], false],
  ['3fff::/20 documentation', ['3fff::1', '3fff:fff:ffff::1'], true],
  ['5f00::/16 segment routing SIDs', ['5f00::1'], true],
  ['fc00::/7 unique local', ['fc00::1', 'fd12:3456::1', 'fdff:ffff::1'], true],
  ['fe80::/10 link local', ['fe80::1', 'febf::1', 'fe80::1%eth0'], true],
  ['fec0::/10 site local (deprecated)', ['fec0::1'], true],
  ['ff00::/8 multicast', ['ff02::1', 'ff0e::1'], true],
  ['outside 2000::/3: reserved by the IETF', ['4000::1', '8000::1', 'e000::1', '1fff::1'], true],
];

/** Global unicast beside the registry's blocks, which the guard must let through. */
const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.32.0.1',
  '172.15.255.255',
  '100.63.255.255',
  '100.128.0.0',
  '192.0.1.255',
  '192.0.3.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700::1111',
  '2001:4860:4860::8888',
  '2001:200::1',
  '2003::1',
  '3ffe:ffff::1',
  '2620:4f:8001::1',
];

test('the guard refuses every special-purpose range of the IANA registries', () => {
  const guard = privateAddressGuard();
  for (const [entry, addresses, refused] of REGISTRY) {
    for (const address of addresses) {
      const reason = guard(address);
      if (refused) assert.match(reason ?? '', /private or reserved/, `${entry}: ${address}`);
      else assert.equal(reason, undefined, `${entry}: ${address}`);
    }
  }
  for (const address of PUBLIC) assert.equal(guard(address), undefined, address);
  assert.match(guard('example.com') ?? '', /not an IP/);
});

test('exceptions let the networks an operator names through, and nothing beside them', () => {
  const guard = privateAddressGuard(['127.0.0.2', '10.1.0.0/16', 'fd00:1::/32']);
  for (const allowed of ['127.0.0.2', '::ffff:127.0.0.2', '10.1.255.1', 'fd00:1::5', '8.8.8.8']) {
    assert.equal(guard(allowed), undefined, allowed);
  }
  for (const refused of ['127.0.0.1', '127.0.0.3', '10.2.0.1', 'fd00:2::1', '169.254.169.254']) {
    assert.match(guard(refused) ?? '', /private or reserved/, refused);
  }
});

test('the guard is on as the settings say, with their exceptions', () => {
  assert.equal(guardOf({ blockPrivateTargets: false }), undefined);
  assert.match(guardOf({ blockPrivateTargets: true })?.('127.0.0.1') ?? '', /private/);
  const excepted = guardOf({ blockPrivateTargets: true, blockPrivateTargetsExcept: ['127.0.0.1'] });
  assert.equal(excepted?.('127.0.0.1'), undefined);
});

test('networks are IPs or CIDRs with a prefix no longer than the address', () => {
  assert.deepEqual(parseNetwork('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, type: 'ipv4' });
  assert.deepEqual(parseNetwork(' ::1 '), { address: '::1', prefix: 128, type: 'ipv6' });
  for (const [text, problem] of [
    ['10.0.0.0/33', /at most 32/],
    ['fd00::/129', /at most 128/],
    ['10.0.0.0/x', /whole number/],
    ['10.0.0.0/8/8', /not an IP/],
    ['example.com', /not an IP/],
    ['', /not an IP/],
  ] as const) {
    const parsed = parseNetwork(text);
    assert.ok(
      typeof parsed === 'string' && problem.test(parsed),
      `${text}: ${JSON.stringify(parsed)}`,
    );
  }
  assert.throws(() => privateAddressGuard(['10.0.0.0/40']), /at most 32/);
});
