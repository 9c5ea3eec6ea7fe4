import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, it } from 'node:test';
import { AddressRefusedError, lookupFor, resolveAllowed, type AddressGuard } from './index.js';

/** Refuses `addresses`, as a shared deployment refuses private ones. */
function refusing(...addresses: string[]): AddressGuard {
  return (address) =>
    addresses.includes(address) ? `address ${address} is not allowed` : undefined;
}

const LOOPBACK = refusing('127.0.0.1', '::1');

/** What `lookup` answers for `hostname` with `all` set, as a socket asks it. */
function lookupAll(lookup: LookupFunction, hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses as LookupAddress[]),
    );
  });
}

void describe('lookupFor', () => {
  void it('leaves sockets alone without a guard', () => {
    assert.equal(lookupFor('127.0.0.1', undefined), undefined);
  });

  void it('refuses an IP literal up front, since sockets do not look literals up', () => {
    assert.throws(
      () => lookupFor('127.0.0.2', refusing('127.0.0.2')),
      (error) =>
        error instanceof AddressRefusedError && /127\.0\.0\.2 is not allowed/.test(error.message),
    );
    assert.equal(typeof lookupFor('127.0.0.1', refusing('127.0.0.2')), 'function');
  });

  void it('refuses a name when any address it resolves to is refused, naming none', async () => {
    const lookup = lookupFor('localhost', LOOPBACK);
    assert.ok(lookup);
    await assert.rejects(
      lookupAll(lookup, 'localhost'),
      (error) =>
        error instanceof AddressRefusedError &&
        error.message ===
          'localhost resolves to a private or reserved address; this server refuses to contact it',
    );
  });

  void it('answers with the addresses of a name the guard allows', async () => {
    const lookup = lookupFor('localhost', refusing('127.0.0.2'));
    assert.ok(lookup);
    const addresses = await lookupAll(lookup, 'localhost');
    assert.ok(addresses.some(({ address }) => address === '127.0.0.1' || address === '::1'));
  });
});

void describe('resolveAllowed', () => {
  void it('refuses a refused literal and a name resolving to a refused address', async () => {
    await assert.rejects(resolveAllowed('127.0.0.1', LOOPBACK), /127\.0\.0\.1 is not allowed/);
    await assert.rejects(
      resolveAllowed('localhost', LOOPBACK),
      /localhost resolves to a private or reserved address/,
    );
  });

  void it('resolves an allowed name to one of its addresses', async () => {
    assert.match(await resolveAllowed('localhost', refusing('127.0.0.2')), /^(127\.0\.0\.1|::1)$/);
  });
});
