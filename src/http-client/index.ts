/**
 * The one HTTP client of checks and notifiers: one request on a fresh connection, through
 * the net-guard address guard, bounded by a signal, its body read up to a cap, each phase
 * timed. On node:http(s), not fetch: fetch takes no socket `lookup`, which the guard needs,
 * and reports no phase timing.
 */
import {
  request as httpRequest,
  type ClientRequestArgs,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createConnection, isIP, type NetConnectOpts, type Socket } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  type ConnectionOptions,
  type SecureContext,
} from 'node:tls';
import { lookupFor, type AddressGuard } from '../net-guard/index.js';

/** One request to send. */
export interface HttpExchange {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  body: string | Buffer | undefined;
  /** Keep the body bytes read, or only count them (spares copies when nobody reads them). */
  keepBody: boolean;
  /** Most body bytes read, bytes; the connection is closed there and the rest not downloaded. */
  maxBodyBytes: number;
  /** Answer a redirect (301/302/303/307/308 with a Location) at once, without its body. */
  stopAtRedirect: boolean;
  /** Refuse invalid certificates. @defaultValue true */
  rejectUnauthorized?: boolean;
  /** When set, the connection refuses the addresses it rejects, whatever name resolved to them. */
  addressGuard: AddressGuard | undefined;
  /**
   * Ends the request (its socket is destroyed) and rejects it when it aborts. Timeouts are the
   * caller's, with a Deadline: one may span several requests (a check's redirects).
   */
  signal: AbortSignal;
}

/** What came back. */
export interface HttpReply {
  statusCode: number;
  /** The Location of a redirect answered at once (see HttpExchange.stopAtRedirect). */
  location?: string;
  /** The body read, when kept: at most maxBodyBytes. */
  body?: Buffer;
  bytesRead: number;
  /** True when the body went on beyond maxBodyBytes and was cut off there. */
  truncated: boolean;
  timing: HttpTiming;
}

/** Each phase's own length, ms, to 0.1 ms. */
export interface HttpTiming {
  /** Name lookup; absent for IP literals. */
  dnsMs?: number;
  /** TCP connect. */
  connectMs?: number;
  /** TLS handshake; absent for http. */
  tlsMs?: number;
  /** From the request sent until the response headers. */
  firstByteMs?: number;
  /** From the start of the request until the reply resolved (body read). */
  totalMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Request headers that the client sets itself (Host from the URL, the body's framing) or that
 * are hop-by-hop (RFC 9110 7.6.1), lower-case: a user's own value could split, smuggle or
 * re-target the request, so monitors and channels may not set them.
 */
export const RESERVED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
]);

let systemContext: SecureContext | undefined;

/**
 * The TLS context of every connection that trusts the system CAs (and NODE_EXTRA_CA_CERTS),
 * made once: building one per connection (OpenSSL's SSL_CTX) costs about as much CPU as the
 * rest of the client's side of a handshake. It keeps no client sessions, so each connection
 * still makes a full handshake and sees the server's certificate.
 */
export function systemSecureContext(): SecureContext {
  return (systemContext ??= createSecureContext());
}

/**
 * Sends one request on a fresh connection (no agent: as a first-time visitor would, and
 * because pooled sockets are reused by host and port, whatever guard vetted them), timing
 * each phase from socket events. The connection is made here rather than by `agent: false`,
 * which builds a whole Agent for every request. Rejects on connection, TLS and protocol errors,
 * when the guard refuses the host (AddressRefusedError; at once for an IP literal), and when
 * `signal` aborts.
 */
export function exchange(ex: HttpExchange): Promise<HttpReply> {
  return new Promise((settleOk, settleError) => {
    if (ex.signal.aborted) {
      settleError(abortErrorOf(ex.signal));
      return;
    }
    // The signal is watched here, not passed to the request: Node would attach an
    // end-of-stream watcher to the request for it (about a tenth of what a check allocates).
    const onAbort = (): void => {
      request.destroy(abortErrorOf(ex.signal));
    };
    const resolve = (reply: HttpReply): void => {
      ex.signal.removeEventListener('abort', onAbort);
      settleOk(reply);
    };
    const reject = (error: Error): void => {
      ex.signal.removeEventListener('abort', onAbort);
      settleError(error);
    };
    const host = hostOf(ex.url);
    const lookup = lookupFor(host, ex.addressGuard);
    const phases = new Phases();
    const https = ex.url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const request = send({
      protocol: ex.url.protocol,
      hostname: host,
      port: ex.url.port,
      // Without an agent, nothing else tells ClientRequest the scheme's port.
      defaultPort: https ? 443 : 80,
      path: ex.url.pathname + ex.url.search,
      auth: credentials(ex.url),
      method: ex.method,
      headers: ex.headers,
      createConnection: https ? connectTls : connectTcp,
      lookup,
      rejectUnauthorized: ex.rejectUnauthorized,
      ...(https
        ? { secureContext: systemSecureContext(), servername: serverName(host, ex.headers) }
        : {}),
    });
    ex.signal.addEventListener('abort', onAbort, { once: true });
    request.once('socket', (socket) => phases.watch(socket, isIP(host) === 0, https));
    request.on('error', reject);
    request.once('response', (response) => {
      phases.firstByte = performance.now();
      const statusCode = response.statusCode ?? 0;
      const location = response.headers.location;
      if (ex.stopAtRedirect && location !== undefined && REDIRECTS.has(statusCode)) {
        response.destroy();
        resolve({ statusCode, location, bytesRead: 0, truncated: false, timing: phases.end() });
      } else {
        readBody(response, ex, phases, resolve, reject);
      }
    });
    request.end(ex.body);
  });
}

function readBody(
  response: IncomingMessage,
  ex: HttpExchange,
  phases: Phases,
  resolve: (reply: HttpReply) => void,
  reject: (error: Error) => void,
): void {
  const statusCode = response.statusCode ?? 0;
  const chunks: Buffer[] | undefined = ex.keepBody ? [] : undefined;
  let bytesRead = 0;
  let finished = false;
  const finish = (truncated: boolean): void => {
    finished = true;
    const body = chunks && (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytesRead));
    resolve({ statusCode, body, bytesRead, truncated, timing: phases.end() });
  };
  response.on('data', (chunk: Buffer) => {
    const room = ex.maxBodyBytes - bytesRead;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    bytesRead += kept.length;
    chunks?.push(kept);
    if (chunk.length > room) {
      // Enough read: closing the connection spares downloading the rest.
      response.destroy();
      finish(true);
    }
  });
  response.once('end', () => finish(false));
  response.on('error', reject);
  response.once('close', () => {
    if (!finished) reject(new Error('connection closed before the body was complete'));
  });
}

/** Timestamps of a request's phases (performance.now()), turned into durations at the end. */
class Phases {
  readonly start = performance.now();
  lookup: number | undefined;
  connect: number | undefined;
  secure: number | undefined;
  firstByte: number | undefined;

  /** Listens only for the phases this connection has: each listener costs every check. */
  watch(socket: Socket, resolvesName: boolean, tls: boolean): void {
    if (resolvesName) socket.once('lookup', () => (this.lookup = performance.now()));
    socket.once('connect', () => (this.connect = performance.now()));
    if (tls) socket.once('secureConnect', () => (this.secure = performance.now()));
  }

  end(): HttpTiming {
    const timing: HttpTiming = { totalMs: roundMs(performance.now() - this.start) };
    let from = this.start;
    if (this.lookup !== undefined) {
      timing.dnsMs = roundMs(this.lookup - from);
      from = this.lookup;
    }
    if (this.connect !== undefined) {
      timing.connectMs = roundMs(this.connect - from);
      from = this.connect;
    }
    if (this.secure !== undefined) {
      timing.tlsMs = roundMs(this.secure - from);
      from = this.secure;
    }
    if (this.firstByte !== undefined) timing.firstByteMs = roundMs(this.firstByte - from);
    return timing;
  }
}

// Wrapped: ClientRequest passes a callback as second argument, which these would take for a
// 'connect' listener.
function connectTcp(options: ClientRequestArgs): Socket {
  return createConnection(options as NetConnectOpts);
}

function connectTls(options: ClientRequestArgs): Socket {
  return tlsConnect(options as ConnectionOptions);
}

/**
 * The name sent in SNI and checked against the certificate, as Node's agents pick it: the
 * Host header's name when one is set, else the URL's host; none for an IP address.
 */
function serverName(host: string, headers: OutgoingHttpHeaders): string {
  const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1];
  let name = host;
  if (typeof header === 'string' && header !== '') {
    const close = header.indexOf(']');
    if (!header.startsWith('[')) name = header.split(':')[0] ?? '';
    else name = close === -1 ? header : header.slice(1, close);
  }
  return isIP(name) ? '' : name;
}

/** The error a request ends with when its signal aborts, as Node's own abort gives it. */
function abortErrorOf(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/** Rounds a duration to 0.1 ms: finer is noise, coarser hides loopback and LAN latencies. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The host to connect to: URL keeps IPv6 literals in brackets, sockets want them bare. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function credentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}
