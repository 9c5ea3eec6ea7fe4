import {
  checkServerIdentity,
  connect,
  createSecureContext,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { systemSecureContext } from '../../http-client/index.js';
import { lookupFor } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { certificateError } from '../failure.js';
import { down, msSince, up } from '../outcome.js';
import { whenReady } from '../socket.js';
import type { CheckOutcome, Runner } from '../types.js';
import type { TlsOptions } from './options.js';

const DAY_MS = 86_400_000;

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
export const runTls: Runner<TlsOptions> = (options, ctx) =>
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
  });

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
