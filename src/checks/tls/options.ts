import { z } from 'zod';
import { hostField, hostPort, isHostName, MULTILINE, portField } from '../fields.js';
import type { OptionsSpec } from '../types.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

/** tls options: the certificate a TLS server presents, its expiry and its chain. */
export const tlsOptions = z
  .object({
    host: hostField.describe('host name or IP address to connect to'),
    port: portField.default(443).describe('TCP port'),
    servername: z
      .string()
      .refine(isHostName, 'must be a host name (not an IP address)')
      .optional()
      .describe(
        'SNI name, and the name the certificate must match; default: host (none for an IP)',
      ),
    warnDays: z
      .array(z.int('must be whole days').min(1, 'must be at least 1 day').max(3650))
      .max(10, 'at most 10 warning thresholds')
      .default([30, 14, 7])
      .describe('days before expiry at which to warn (certificate.expiring); the check stays up'),
    ca: z
      .string()
      .regex(PEM_CERTIFICATE, 'must be a PEM certificate')
      .optional()
      .describe('PEM certificate(s) of a private CA, trusted instead of the system CAs')
      .meta(MULTILINE),
    ignoreChain: z
      .boolean()
      .default(false)
      .describe('judge only expiry: an untrusted chain or a name mismatch is not down'),
  })
  .strict();

export type TlsOptions = z.output<typeof tlsOptions>;

export const tlsSpec: OptionsSpec<TlsOptions> = {
  options: tlsOptions,
  target: ({ host, port }) => hostPort(host, port),
};
