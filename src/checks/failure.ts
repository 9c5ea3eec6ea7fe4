import { describeError } from '../errors/index.js';
import { AddressRefusedError } from '../net-guard/index.js';

/** System error codes a check commonly meets, in words. */
const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed temporarily',
};

/** Certificate verification codes (as Node reports them) in words. */
const CERTIFICATE_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  INVALID_CA: 'invalid CA certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: "host name does not match the certificate's names",
};

interface SystemErrorFields {
  code?: unknown;
  /** OpenSSL's reason, on TLS errors. */
  reason?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
}

/**
 * "certificate error: <reason>" for a verification `code`; `detail` (Node's own message)
 * wins over the stock wording when given, as it names the host or issuer.
 */
export function certificateError(code: string, detail?: string): string {
  return `certificate error: ${detail ?? CERTIFICATE_ERRORS[code] ?? code}`;
}

/** One readable line for anything a probe threw, e.g. "connection refused (ECONNREFUSED 127.0.0.1:1234)". */
export function describeFailure(error: unknown): string {
  return firstLine(describe(error));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof AddressRefusedError) return error.message;
  const fields = error as SystemErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : '';
  const network = NETWORK_ERRORS[code];
  if (network) return `${network} (${code}${where(fields)})`;
  if (code in CERTIFICATE_ERRORS) return certificateError(code, error.message);
  if (code.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  if (code.startsWith('ERR_SSL_') && typeof fields.reason === 'string') {
    return `TLS handshake failed: ${fields.reason} (${code})`;
  }
  return describeError(error);
}

function where({ address, port, hostname }: SystemErrorFields): string {
  if (typeof address === 'string') {
    const host = address.includes(':') ? `[${address}]` : address;
    return typeof port === 'number' ? ` ${host}:${port}` : ` ${host}`;
  }
  return typeof hostname === 'string' ? ` ${hostname}` : '';
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
