import {
  checkServerIdentity,
  connect,
  createSecureContext,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { z } from 'zod';
import { systemSecureContext } from '../../http-client/index.js';
import { lookupFor } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { certificateError } from '../failure.js';
import { hostField, hostPort, isHostName, MULTILINE, portField } from '../fields.js';
import { down, msSince, up } from '../outcome.js';
import { whenReady } from '../socket.js';
import type { Checker, CheckOutcome } from '../types.js';

const DAY_MS = 86_400_000;
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

// Options objects live as long as their monitor: a private CA's context is built once per monitor.
const privateContexts = new WeakMap<TlsOptions, SecureContext>();

/** The TLS context trusting the monitor's CA, or the system's; no session is kept in it. */
function contextFor(options: TlsOptions): SecureContext {
  if (options.ca === undefined) return systemSecureContext();
  let context = privateContexts.get(options);
  if (!context) {
    context = createSecureContext({ ca: options.ca });
    privateContexts.set(options, context);
  }
  return context;
}

/**
 * Completes a TLS handshake and reads the server's certificate. Down when it has expired
 * (judged at ctx.now), or when its chain or name does not verify unless `ignoreChain`;
 * details carry certDaysLeft and certExpiresAt. Latency is the time to finish the handshake.
 */
export const tlsChecker: Checker<TlsOptions> = {
  type: 'tls',
  options: tlsOptions,
  target: ({ host, port }) => hostPort(host, port),
  run: (options, ctx) =>
    withDeadline(ctx, async (signal, startedAt) => {
      const socket = connect({
        host: options.host,
        port: options.port,
        servername: options.servername,
        secureContext: contextFor(options),
        // Verification is judged below, so that an invalid chain still shows its expiry.
        rejectUnauthorized: false,
        lookup: lookupFor(options.host, ctx.addressGuard),
      });
      await whenReady(socket, 'secureConnect', signal);
      try {
        return judgeCertificate(socket, options, ctx.now, msSince(startedAt));
      } finally {
        socket.destroy();
      }
    }),
};

function judgeCertificate(
  socket: TLSSocket,
  options: TlsOptions,
  now: number,
  latencyMs: number,
): CheckOutcome {
  const certificate = socket.getPeerCertificate();
  const certExpiresAt = Date.parse(certificate.valid_to);
  if (Number.isNaN(certExpiresAt)) return down(latencyMs, 'server presented no certificate');
  const details = { certDaysLeft: Math.floor((certExpiresAt - now) / DAY_MS), certExpiresAt };
  if (certExpiresAt <= now) {
    const on = new Date(certExpiresAt).toISOString();
    return down(latencyMs, `certificate expired on ${on}`, details);
  }
  if (!socket.authorized && !options.ignoreChain) {
    return down(latencyMs, chainProblem(socket, options), details);
  }
  return up(latencyMs, details);
}

function chainProblem(socket: TLSSocket, options: TlsOptions): string {
  // Node types authorizationError as an Error; at run time it is the verification code.
  const code = String(socket.authorizationError);
  if (code !== 'ERR_TLS_CERT_ALTNAME_INVALID') return certificateError(code);
  const name = options.servername ?? options.host;
  return certificateError(code, checkServerIdentity(name, socket.getPeerCertificate())?.message);
}
