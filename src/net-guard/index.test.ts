import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privateAddressGuard } from './index.js';

test('private, loopback, link-local and mapped addresses are refused; public ones pass', () => {
  const refused = [
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ];
  const allowed = ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'];
  for (const address of refused)
    assert.match(privateAddressGuard(address) ?? '', /private or reserved/, address);
  for (const address of allowed) assert.equal(privateAddressGuard(address), undefined, address);
  assert.match(privateAddressGuard('example.com') ?? '', /not an IP/);
});
