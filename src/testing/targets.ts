/**
 * Real servers for checks to probe, for tests, end-to-end runs and the benchmark. Each binds
 * 127.0.0.1 only, on a port the system picks, and its close() ends every connection it holds.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';

/** The only address test servers bind to. */
export const LOOPBACK = '127.0.0.1';

/** The document served at /json. */
export const TEST_JSON = {
  status: 'ok',
  data: { items: [{ id: 7, status: 'up', tags: ['a', 'b'] }], count: 1, ready: true },
};

/** A running server: close() stops it and ends its connections. */
export interface Target {
  port: number;
  close(): Promise<void>;
}

export interface HttpTarget extends Target {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:43121. */
  url: string;
}

export interface HttpsTarget extends HttpTarget {
  /** The server's certificate, PEM (self-signed unless one was given). */
  cert: string;
}

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A certificate with its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** Certificates for 127.0.0.1 and localhost, made by makeCertificates. */
export interface TestCertificates {
  /** The test CA's certificate, PEM, to trust in `ca` options. */
  ca: string;
  /** A server certificate signed by the CA. */
  leaf: KeyPair;
  /** A server certificate signed by itself. */
  selfSigned: KeyPair;
  /** A client certificate signed by the CA (for servers that verify their clients). */
  client: KeyPair;
}

/**
 * Starts an HTTP server on `host` (a loopback address, default 127.0.0.1) answering with
 * `handler`, by default testRoutes.
 */
export async function startHttpTarget(
  handler: HttpHandler = testRoutes,
  host = LOOPBACK,
): Promise<HttpTarget> {
  const server = createHttpServer(handler);
  const port = await listen(server, host);
  return { url: `http://${host}:${port}`, port, close: () => closeHttp(server) };
}

/**
 * Starts an HTTPS server on 127.0.0.1 answering with `handler` (default testRoutes), using
 * `pair` or else a fresh self-signed certificate for 127.0.0.1 and localhost.
 */
export async function startHttpsTarget(
  options: { pair?: KeyPair; handler?: HttpHandler } = {},
): Promise<HttpsTarget> {
  const pair = options.pair ?? (await selfSignedPair());
  const server = createHttpsServer(pair, options.handler ?? testRoutes);
  const port = await listen(server);
  const url = `https://${LOOPBACK}:${port}`;
  return { url, port, cert: pair.cert, close: () => closeHttp(server) };
}

/**
 * The default routes of the HTTP targets:
 * - `/ok`: 200 "ok"
 * - `/status/<code>`: that status, body "status <code>"
 * - `/slow?ms=<n>`: 200 "slow" after n ms
 * - `/hang`: never answers
 * - `/redirect?n=<n>`: a chain of n 302s ending at /ok; `?to=<url>` redirects there instead;
 *   `&status=<3xx>` picks the code
 * - `/json`: TEST_JSON
 * - `/big?bytes=<n>`: n bytes of "x" then "END" (default n = 4 MiB), streamed
 * - `/echo`: the request's method, headers and body as JSON
 * - anything else: 404
 */
export function testRoutes(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://target');
  const [, route, argument] = url.pathname.split('/');
  switch (route) {
    case 'ok':
      return send(response, 200, 'ok');
    case 'status':
      return sendStatus(response, Number(argument));
    case 'slow':
      return sendLater(response, Number(url.searchParams.get('ms') ?? 1000));
    case 'hang':
      return;
    case 'redirect':
      return redirect(response, url.searchParams);
    case 'json':
      return send(response, 200, JSON.stringify(TEST_JSON), 'application/json');
    case 'big':
      return sendBig(response, Number(url.searchParams.get('bytes') ?? 4 * 1024 * 1024));
    case 'echo':
      return echo(request, response);
    default:
      return send(response, 404, 'not found');
  }
}

/** Starts a TCP server on 127.0.0.1 that accepts connections and stays silent on them. */
export async function startTcpTarget(): Promise<Target> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  const port = await listen(server);
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await closeServer(server);
  };
  return { port, close };
}

/**
 * A port on 127.0.0.1 where connections never complete, for connect timeouts: the listening
 * socket is left to a child process that never accepts, and its queue is filled, so the
 * kernel drops further connection requests.
 */
export async function startBlackholeTcpTarget(): Promise<Target> {
  const server = createTcpServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, backlog: 1 }, () => resolve(serverPort(server)));
  });
  // A child inherits the listening socket; once this process closes its own copy, nobody
  // accepts. spawn() shares a socket through its native handle, which net.Server keeps in
  // the undocumented `_handle`.
  const { _handle: listening } = server as unknown as { _handle: Socket };
  // `cat` reads its stdin, a pipe from this process, so it also ends if this process dies.
  const holder = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore', listening] });
  await once(holder, 'spawn');
  await closeServer(server);
  const fillers = await fillAcceptQueue(port);
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    if (holder.exitCode === null && holder.signalCode === null) {
      holder.kill();
      await once(holder, 'exit');
    }
  };
  return { port, close };
}

/** A DNS server's behaviour: answer from its records, never answer, or fail every query. */
export type DnsServerMode = 'answer' | 'silent' | 'servfail';

export interface DnsServer extends Target {
  /** "<host>:<port>", e.g. "127.0.0.1:5353", the form a dns monitor's `resolver` takes. */
  address: string;
  /** Queries received so far. */
  readonly queries: number;
}

/**
 * Starts a UDP DNS server on `host` (a loopback address, default 127.0.0.1) that answers from
 * `records` (dns-packet answers, e.g. `{ name: 'example.test', type: 'A', data: '192.0.2.1' }`):
 * the records of the asked name and type; none (NOERROR) when the name has records of other
 * types only; NXDOMAIN for names it does not know.
 */
export async function startDnsServer(
  records: dnsPacket.Answer[],
  mode: DnsServerMode = 'answer',
  host = LOOPBACK,
): Promise<DnsServer> {
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (message, peer) => {
    queries++;
    const response = mode === 'silent' ? undefined : dnsResponse(message, records, mode);
    if (response) socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, resolve);
  });
  const { port } = socket.address();
  return {
    port,
    address: `${host}:${port}`,
    get queries() {
      return queries;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/**
 * Makes, with the openssl CLI in `dir`, a test CA and two server certificates for
 * 127.0.0.1 and localhost valid for `days` (-1 makes them already expired): one signed by
 * the CA, one self-signed; and a client certificate signed by the CA. Files in `dir`:
 * ca.crt, leaf.crt/.key, self.crt/.key, client.crt/.key. Elliptic-curve keys: milliseconds.
 */
export async function makeCertificates(
  dir: string,
  { days }: { days: number },
): Promise<TestCertificates> {
  const path = (name: string): string => join(dir, name);
  await openssl([
    ...['req', '-x509', ...NEW_EC_KEY, '-keyout', path('ca.key'), '-out', path('ca.crt')],
    ...['-days', '3650', '-subj', '/CN=Tireless Test CA'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  await writeFile(
    path('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await writeFile(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
  // `x509 -req` signs for any number of days, -1 included; `req -x509` refuses that.
  const makeCertificate = async (name: string, signer: string[], ext = 'server.ext') => {
    const [key, request] = [path(`${name}.key`), path(`${name}.csr`)];
    await openssl([
      ...['req', '-new', ...NEW_EC_KEY, '-subj', '/CN=localhost'],
      ...['-keyout', key, '-out', request],
    ]);
    await openssl([
      ...['x509', '-req', '-in', request, ...signer, '-days', String(days)],
      ...['-set_serial', `0x${randomBytes(8).toString('hex')}`],
      ...['-extfile', path(ext), '-out', path(`${name}.crt`)],
    ]);
  };
  const byCa = ['-CA', path('ca.crt'), '-CAkey', path('ca.key')];
  await makeCertificate('leaf', byCa);
  await makeCertificate('self', ['-signkey', path('self.key')]);
  await makeCertificate('client', byCa, 'client.ext');
  const read = (name: string): Promise<string> => readFile(path(name), 'utf8');
  return {
    ca: await read('ca.crt'),
    leaf: { cert: await read('leaf.crt'), key: await read('leaf.key') },
    selfSigned: { cert: await read('self.crt'), key: await read('self.key') },
    client: { cert: await read('client.crt'), key: await read('client.key') },
  };
}

const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const runFile = promisify(execFile);
const DNS_NOERROR = 0;
const DNS_SERVFAIL = 2;
const DNS_NXDOMAIN = 3;
const BIG_CHUNK = Buffer.alloc(64 * 1024, 'x');

async function openssl(args: string[]): Promise<void> {
  await runFile('openssl', args);
}

async function selfSignedPair(): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'tireless-cert-'));
  try {
    return (await makeCertificates(dir, { days: 30 })).selfSigned;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function listen(server: Server, host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(serverPort(server)));
  });
}

function serverPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function closeHttp(server: HttpServer): Promise<void> {
  const closed = closeServer(server);
  server.closeAllConnections();
  await closed;
}

// Opens connections until one hangs, which shows the queue is full; returns the rest.
async function fillAcceptQueue(port: number): Promise<Socket[]> {
  const fillers: Socket[] = [];
  for (let attempt = 0; attempt < 64; attempt++) {
    const socket = connect({ port, host: LOOPBACK });
    socket.on('error', () => socket.destroy());
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 100, false)),
    ]);
    if (!connected) {
      socket.destroy();
      return fillers;
    }
    fillers.push(socket);
  }
  for (const socket of fillers) socket.destroy();
  throw new Error('could not fill the accept queue of the blackhole target');
}

function send(response: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendStatus(response: ServerResponse, status: number): void {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return send(response, 400, 'bad status');
  }
  send(response, status, `status ${status}`);
}

function sendLater(response: ServerResponse, ms: number): void {
  const timer = setTimeout(() => send(response, 200, 'slow'), ms);
  response.once('close', () => clearTimeout(timer));
}

function redirect(response: ServerResponse, query: URLSearchParams): void {
  const hops = Number(query.get('n') ?? 1);
  const status = Number(query.get('status') ?? 302);
  const location =
    query.get('to') ?? (hops > 1 ? `/redirect?n=${hops - 1}&status=${status}` : '/ok');
  response.writeHead(status, { location, 'content-length': 0 });
  response.end();
}

function sendBig(response: ServerResponse, bytes: number): void {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': bytes + 3 });
  pipeline(Readable.from(bigBody(bytes)), response, () => {
    // The client may hang up early on purpose (a capped read); nothing to do.
  });
}

function* bigBody(bytes: number): Generator<Buffer> {
  for (let left = bytes; left > 0; left -= BIG_CHUNK.length) {
    yield left >= BIG_CHUNK.length ? BIG_CHUNK : BIG_CHUNK.subarray(0, left);
  }
  yield Buffer.from('END');
}

function echo(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const echoed = { method: request.method, headers: request.headers, body };
    send(response, 200, JSON.stringify(echoed), 'application/json');
  });
}

function dnsResponse(
  message: Buffer,
  records: dnsPacket.Answer[],
  mode: DnsServerMode,
): Buffer | undefined {
  let query: dnsPacket.Packet;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const question = query.questions?.[0];
  if (!question) return undefined;
  const named = records.filter((record) => sameName(record.name, question.name));
  const rcode =
    mode === 'servfail' ? DNS_SERVFAIL : named.length === 0 ? DNS_NXDOMAIN : DNS_NOERROR;
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode,
    questions: query.questions,
    answers: rcode === DNS_NOERROR ? named.filter((record) => record.type === question.type) : [],
  });
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
