import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/** Returns a reason when `address` (an IP literal) must not be contacted, else undefined. */
export type AddressGuard = (address: string) => string | undefined;

/** Thrown when an address guard refuses a host; its message is the guard's reason. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

const lookups = new WeakMap<AddressGuard, LookupFunction>();

/**
 * The socket `lookup` option that makes a connection to `host` honour `guard` (undefined
 * without a guard). Sockets never call `lookup` for IP literals, so a refused literal is
 * refused here, by throwing AddressRefusedError.
 */
export function lookupFor(
  host: string,
  guard: AddressGuard | undefined,
): LookupFunction | undefined {
  if (!guard) return undefined;
  refuseLiteral(host, guard);
  let lookup = lookups.get(guard);
  if (!lookup) {
    lookup = guardedLookup(guard);
    lookups.set(guard, lookup);
  }
  return lookup;
}

/**
 * Resolves `host` to the address to contact, refusing it (AddressRefusedError) when the
 * guard rejects any of its addresses. For tools that resolve names themselves, e.g. ping.
 */
export async function resolveAllowed(host: string, guard: AddressGuard): Promise<string> {
  refuseLiteral(host, guard);
  const addresses = await dnsLookupAll(host, { all: true });
  if (anyRefused(addresses, guard)) throw nameRefused(host);
  // dns.lookup with `all` fails with ENOTFOUND rather than answer nothing.
  return (addresses[0] as LookupAddress).address;
}

function refuseLiteral(host: string, guard: AddressGuard): void {
  const refusal = isIP(host) ? guard(host) : undefined;
  if (refusal !== undefined) throw new AddressRefusedError(refusal);
}

// Every address is checked, not just the first, so a name cannot smuggle a refused
// address in behind an allowed one.
function anyRefused(addresses: readonly LookupAddress[], guard: AddressGuard): boolean {
  return addresses.some(({ address }) => guard(address) !== undefined);
}

// The addresses are not named: which private address an internal name has is what a
// shared service must not tell its users.
function nameRefused(hostname: string): AddressRefusedError {
  return new AddressRefusedError(
    `${hostname} resolves to a private or reserved address; this server refuses to contact it`,
  );
}

function guardedLookup(guard: AddressGuard): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (anyRefused(addresses, guard)) return callback(nameRefused(hostname), '');
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
