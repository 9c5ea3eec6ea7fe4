/**
 * A load target, run in its own process: a bare node:http (or, with `--tls <dir>`,
 * node:https with `<dir>/leaf.crt` and `leaf.key`) server on 127.0.0.1 answering 200 'ok'.
 * It records when each request for `/m/<n>` arrived (monitor n of the bench), so that the
 * bench measures lateness where a user sees it: arrival − slot.
 *
 * With `--mixed`, the HTTPS server listens on a port of its own beside plain HTTP.
 * `--remote` makes it answer as a remote server does: after a delay drawn from
 * REMOTE_DELAY_MS, and never for `/silent/<n>`. `--mixed` also starts a TCP port that accepts
 * connections, for tcp monitors, and a UDP DNS server that answers A queries for
 * DNS_TARGET_NAME, for dns monitors.
 *
 * Prints `{"port": n, "tlsPort"?: n, "tcpPort"?: n, "dnsPort"?: n}` once listening; exits on
 * SIGTERM.
 * Control: `POST /__bench/reset` forgets the arrivals; `GET /__bench/arrivals` returns them as
 * `{"monitors": [n…], "at": [ms since the epoch…]}`.
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDnsServer } from '../testing/index.js';
import { DNS_TARGET_NAME, REMOTE_DELAY_MS } from './target-pool.js';

const { values } = parseArgs({
  options: {
    tls: { type: 'string' },
    remote: { type: 'boolean', default: false },
    mixed: { type: 'boolean', default: false },
  },
});

const BODY = Buffer.from('ok');
const MONITOR_PATH = /^\/m\/(\d+)$/;
// Arrivals since the last reset: monitor numbers and times, in growable typed arrays.
let monitors = new Uint32Array(1 << 16);
let at = new Float64Array(1 << 16);
let arrivals = 0;

function record(monitor: number, time: number): void {
  if (arrivals === monitors.length) {
    const grownMonitors = new Uint32Array(monitors.length * 2);
    grownMonitors.set(monitors);
    monitors = grownMonitors;
    const grownAt = new Float64Array(at.length * 2);
    grownAt.set(at);
    at = grownAt;
  }
  monitors[arrivals] = monitor;
  at[arrivals++] = time;
}

function answer(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  response.end(BODY);
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const arrived = Date.now();
  const url = request.url ?? '/';
  const monitor = MONITOR_PATH.exec(url);
  if (monitor) record(Number(monitor[1]), arrived);
  else if (url === '/__bench/arrivals') return control(response, true);
  else if (url === '/__bench/reset') return control(response, false);
  else if (url.startsWith('/silent/')) return; // never answers; the checker times out
  if (!values.remote) return answer(response);
  const { min, max } = REMOTE_DELAY_MS;
  setTimeout(answer, min + Math.random() * (max - min), response);
}

function control(response: ServerResponse, send: boolean): void {
  const body = send
    ? JSON.stringify({
        monitors: Array.from(monitors.subarray(0, arrivals)),
        at: Array.from(at.subarray(0, arrivals)),
      })
    : '{}';
  if (!send) arrivals = 0;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(portOf(server))));
}

function httpsServer(dir: string) {
  const cert = readFileSync(join(dir, 'leaf.crt'));
  return createHttpsServer({ cert, key: readFileSync(join(dir, 'leaf.key')) }, handle);
}

async function main(): Promise<void> {
  // Mixed: HTTP on `port`, and the HTTPS server (for tls monitors) on a port of its own.
  const server = values.tls && !values.mixed ? httpsServer(values.tls) : createHttpServer(handle);
  const port = await listen(server);
  const closers: (() => unknown)[] = [
    () => {
      server.close();
      server.closeAllConnections();
    },
  ];
  const ports: Record<string, number> = { port };
  if (values.mixed && values.tls) {
    const tls = httpsServer(values.tls);
    ports.tlsPort = await listen(tls);
    closers.push(() => {
      tls.close();
      tls.closeAllConnections();
    });
  }
  if (values.mixed) {
    const tcp = createTcpServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end();
    });
    ports.tcpPort = await listen(tcp);
    closers.push(() => tcp.close());
    const dns = await startDnsServer([{ name: DNS_TARGET_NAME, type: 'A', data: '127.0.0.1' }]);
    ports.dnsPort = dns.port;
    closers.push(() => dns.close());
  }
  process.stdout.write(JSON.stringify(ports) + '\n');
  process.once('SIGTERM', () => closers.forEach((close) => close()));
}

await main();
