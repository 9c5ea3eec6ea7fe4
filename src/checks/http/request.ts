import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { roundMs } from '../outcome.js';
import type { CheckDetails } from '../types.js';

export type Timing = NonNullable<CheckDetails['timing']>;

/** One HTTP exchange to perform. */
export interface Exchange {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  body: string | undefined;
  /** Keep the body bytes read (for keyword and JSON checks), or only count them. */
  keepBody: boolean;
  /** Stop reading the body beyond this many bytes. */
  maxBodyBytes: number;
  /** Answer a redirect at once, without reading its body. */
  stopAtRedirect: boolean;
  rejectUnauthorized: boolean;
  lookup: LookupFunction | undefined;
  signal: AbortSignal;
}

/** What came back. */
export interface Reply {
  statusCode: number;
  /** The Location of a redirect answered at once (see Exchange.stopAtRedirect). */
  location?: string;
  /** The body read, when kept: at most maxBodyBytes. */
  body?: Buffer;
  bytesRead: number;
  /** True when the body went on beyond maxBodyBytes and was cut off there. */
  truncated: boolean;
  timing: Timing;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Sends one request on a fresh connection (agent: false, as a first-time visitor would),
 * timing each phase from socket events. Rejects on connection, TLS and protocol errors, and
 * when `signal` aborts.
 */
export function exchange(ex: Exchange): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const phases = new Phases();
    const send = ex.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send({
      protocol: ex.url.protocol,
      hostname: hostOf(ex.url),
      port: ex.url.port,
      path: ex.url.pathname + ex.url.search,
      auth: credentials(ex.url),
      method: ex.method,
      headers: ex.headers,
      agent: false,
      lookup: ex.lookup,
      rejectUnauthorized: ex.rejectUnauthorized,
      signal: ex.signal,
    });
    request.once('socket', (socket) => phases.watch(socket));
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
  ex: Exchange,
  phases: Phases,
  resolve: (reply: Reply) => void,
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

  watch(socket: Socket): void {
    socket.once('lookup', () => (this.lookup = performance.now()));
    socket.once('connect', () => (this.connect = performance.now()));
    socket.once('secureConnect', () => (this.secure = performance.now()));
  }

  /**
   * Each phase's own length, ms: dnsMs (lookup; absent for IP literals), connectMs (TCP),
   * tlsMs (handshake), firstByteMs (request sent until response headers); totalMs spans all.
   */
  end(): Timing {
    const timing: Timing = { totalMs: roundMs(performance.now() - this.start) };
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

/** The host to connect to: URL keeps IPv6 literals in brackets, sockets want them bare. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function credentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}
