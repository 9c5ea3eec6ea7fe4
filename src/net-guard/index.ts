import { BlockList, isIP } from 'node:net';

export { AddressRefusedError, lookupFor, resolveAllowed, type AddressGuard } from './lookup.js';

/**
 * The SSRF guard for shared deployments (setting blockPrivateTargets): checks and
 * notifications may not reach loopback, private, link-local (cloud metadata), carrier-grade
 * NAT, unique-local or unspecified addresses, whatever name resolved to them.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Returns why `address` may not be contacted, or undefined when it may. */
export function privateAddressGuard(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `not an IP address: ${address}`;
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  const isBlocked = mapped
    ? blocked.check(mapped, 'ipv4')
    : blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
  return isBlocked
    ? `address ${address} is private or reserved; this server refuses to contact it`
    : undefined;
}
