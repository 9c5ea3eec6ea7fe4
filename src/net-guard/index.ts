import { BlockList, isIP } from 'node:net';
import type { AddressGuard } from './lookup.js';
import { isSpecialPurpose, parseNetwork, type Network } from './ranges.js';

export { AddressRefusedError, lookupFor, resolveAllowed, type AddressGuard } from './lookup.js';
export { parseNetwork, type Network } from './ranges.js';

/**
 * The SSRF guard for shared deployments (setting blockPrivateTargets): checks and
 * notifications may not reach loopback, private, link-local (cloud metadata), carrier-grade
 * NAT, unique-local, multicast, documentation, translation or any other special-purpose
 * address (see ranges.ts), whatever name resolved to them, except the networks in
 * `exceptions` (setting blockPrivateTargetsExcept: IPs or CIDRs the operator lets through).
 * Throws on an exception that parseNetwork refuses (settings validate them first).
 */
export function privateAddressGuard(exceptions: readonly string[] = []): AddressGuard {
  const allowed = new BlockList();
  for (const text of exceptions) {
    const network: Network | string = parseNetwork(text);
    if (typeof network === 'string') throw new Error(network);
    allowed.addSubnet(network.address, network.prefix, network.type);
  }
  return (address) => {
    const family = isIP(address);
    if (family === 0) return `not an IP address: ${address}`;
    if (!isSpecialPurpose(address)) return undefined;
    if (exceptions.length > 0 && allowed.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
      return undefined;
    }
    return `address ${address} is private or reserved; this server refuses to contact it`;
  };
}

/** The guard a node's settings ask for, or undefined when it is off. */
export function guardOf(settings: {
  blockPrivateTargets: boolean;
  blockPrivateTargetsExcept?: readonly string[];
}): AddressGuard | undefined {
  return settings.blockPrivateTargets
    ? privateAddressGuard(settings.blockPrivateTargetsExcept)
    : undefined;
}
