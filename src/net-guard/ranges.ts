import { BlockList, isIP } from 'node:net';

/**
 * The address ranges the SSRF guard refuses: every entry of IANA's IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890) that is not globally reachable, plus
 * multicast and everything outside IPv6 global unicast (2000::/3). Where a registry entry
 * marked globally reachable sits inside a refused block (192.0.0.9 and 192.0.0.10 in
 * 192.0.0.0/24; AMT, AS112-v6 and ORCHIDv2 in 2001::/23), the block is refused whole:
 * anycast relays are not monitoring targets, and one rule per block stays auditable.
 *
 * Matching is Node's net.BlockList (built in, C++, exact prefix arithmetic, and it matches
 * IPv4-mapped IPv6 forms against IPv4 rules): no dependency to keep up, and no hand-written
 * address parsing to get wrong. The one translation it does not know, NAT64 (64:ff9b::/96,
 * which is globally reachable), is judged by the IPv4 address embedded in its low 32 bits.
 */
const IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments, DS-Lite, NAT64 discovery
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast 255.255.255.255
];

const IPV6: readonly (readonly [string, number])[] = [
  // Outside global unicast: unspecified, loopback, IPv4-mapped and -compatible, the local-use
  // NAT64 prefix 64:ff9b:1::/48, discard-only 100::/64, SRv6 SIDs 5f00::/16, unique-local
  // fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8. 64:ff9b::/96
  // lies in ::/3 too, and is judged before these rules.
  ['::', 3],
  ['4000::', 2],
  ['8000::', 1],
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: an IPv4 address (private or not) tunnelled through a relay
  ['3fff::', 20], // documentation
];

const NAT64_PREFIX = ['64:ff9b::', 96] as const;

const ipv4 = blockList(IPV4, 'ipv4');
const ipv6 = blockList(IPV6, 'ipv6');
const nat64 = blockList([NAT64_PREFIX], 'ipv6');
// The refused IPv4 ranges as NAT64 addresses: 10.0.0.0/8 is 64:ff9b::10.0.0.0/104.
const nat64Refused = blockList(
  IPV4.map(([network, prefix]) => [`64:ff9b::${network}`, 96 + prefix] as const),
  'ipv6',
);

function blockList(
  ranges: readonly (readonly [string, number])[],
  type: 'ipv4' | 'ipv6',
): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, type);
  return list;
}

/** True when `address` (an IP literal) is in a range the guard refuses. */
export function isSpecialPurpose(address: string): boolean {
  if (isIP(address) === 4) return ipv4.check(address, 'ipv4');
  // BlockList reads past a zone (fe80::1%eth0), which names an interface.
  if (nat64.check(address, 'ipv6')) return nat64Refused.check(address, 'ipv6');
  return ipv6.check(address, 'ipv6');
}

/** One network of an exceptions list: "10.1.2.3", "10.1.0.0/16", "fd00::/8". */
export interface Network {
  address: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
}

/** `text` ("ip" or "ip/prefix") as a network, or why it is not one. */
export function parseNetwork(text: string): Network | string {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `${text} is not an IP address or CIDR network`;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return `${text}: the prefix length must be a whole number`;
  }
  if (prefix > bits) return `${text}: the prefix length must be at most ${bits}`;
  return { address, prefix, type: family === 4 ? 'ipv4' : 'ipv6' };
}
