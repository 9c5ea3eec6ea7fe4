import { z } from 'zod';
import { hostField } from '../fields.js';
import type { OptionsSpec } from '../types.js';
import { resolverAddress } from './resolver.js';

const DNS_RECORD_TYPES = [
  'A',
  'AAAA',
  'CNAME',
  'MX',
  'TXT',
  'NS',
  'SRV',
  'CAA',
  'PTR',
  'SOA',
] as const;

export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** dns options: query one record type of one name, optionally expecting a given answer. */
export const dnsOptions = z
  .object({
    hostname: hostField.describe(
      'name to query (for PTR, an IP address or an in-addr.arpa / ip6.arpa name)',
    ),
    recordType: z
      .enum(DNS_RECORD_TYPES, { error: `must be one of ${DNS_RECORD_TYPES.join(', ')}` })
      .default('A')
      .describe('record type to query'),
    expected: z
      .string()
      .min(1, 'must not be empty')
      .max(1024)
      .optional()
      .describe(
        'an answer that must be among the answers, as text: "1.2.3.4"; MX "10 mx.example.com"; ' +
          'SRV "0 5 5060 sip.example.com" (priority weight port target); CAA \'0 issue "ca.example"\'; ' +
          'SOA "ns hostmaster serial refresh retry expire minttl"; TXT its strings joined. ' +
          'Compared exactly, case-insensitively for all types but TXT; absent: any answer is up',
      ),
    resolver: z
      .string()
      .refine(
        (value) => resolverAddress(value) !== undefined,
        'must be an IP address with an optional port, e.g. 1.1.1.1 or 127.0.0.1:5353 or [::1]:53',
      )
      .optional()
      .describe(
        'DNS server to ask: an IP address with optional port ("1.1.1.1", "127.0.0.1:5353", ' +
          '"[::1]:53"); default: the system resolvers',
      ),
  })
  .strict();

export type DnsOptions = z.output<typeof dnsOptions>;

export const dnsSpec: OptionsSpec<DnsOptions> = {
  options: dnsOptions,
  target: ({ hostname, recordType, resolver }) =>
    resolver ? `${recordType} ${hostname} @${resolver}` : `${recordType} ${hostname}`,
};
