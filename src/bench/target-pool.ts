import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { spawnBenchChild, type BenchChild } from './child-process.js';

/** How long a `remote` target takes to answer, ms: uniform in [min, max). */
export const REMOTE_DELAY_MS = { min: 200, max: 1200 } as const;

/** The name the mixed targets' DNS servers answer (an A record, 127.0.0.1). */
export const DNS_TARGET_NAME = 'bench.tireless.test';

/** How the targets behave. */
export interface TargetOptions {
  /** Serve HTTPS with `<dir>/leaf.crt` and `leaf.key` (see makeCertificates). */
  tlsDir?: string;
  /** Answer after REMOTE_DELAY_MS, and never for /silent/<n>. */
  remote?: boolean;
  /**
   * Also a TCP port that accepts connections and a UDP DNS server, per process; HTTP stays
   * plain and the HTTPS server (with tlsDir) gets a port of its own, for tls monitors.
   */
  mixed?: boolean;
}

/** Requests for /m/<n> that reached the targets: monitor n, and when (ms since the epoch). */
export interface Arrivals {
  monitors: number[];
  at: number[];
}

/** Load targets, one process each, each on its own loopback port. */
export interface TargetPool {
  /** One base URL per process, e.g. http://127.0.0.1:40123/ */
  urls: string[];
  /** mixed: per process, the TLS port, a TCP port and the DNS server's (UDP) port. */
  tlsPorts: number[];
  tcpPorts: number[];
  dnsPorts: number[];
  pids: number[];
  /** Forgets the arrivals recorded so far. */
  resetArrivals(): Promise<void>;
  /** The arrivals since the last reset, of every process. */
  arrivals(): Promise<Arrivals>;
  close(): Promise<void>;
}

interface Ports {
  port: number;
  tlsPort?: number;
  tcpPort?: number;
  dnsPort?: number;
}

/**
 * Starts `processes` target processes. Separate ports rather than node:cluster: cluster's
 * primary would accept every connection and hand it to a worker, a cost of its own.
 */
export async function startTargetPool(
  processes: number,
  options: TargetOptions = {},
): Promise<TargetPool> {
  const args = [
    ...(options.tlsDir ? ['--tls', options.tlsDir] : []),
    ...(options.remote ? ['--remote'] : []),
    ...(options.mixed ? ['--mixed'] : []),
  ];
  const children: BenchChild<Ports>[] = [];
  for (let i = 0; i < processes; i++) children.push(spawnBenchChild('http-target-main.js', args));
  const ports = await Promise.all(children.map((child) => child.firstLine));
  const scheme = options.tlsDir && !options.mixed ? 'https' : 'http';
  const urls = ports.map(({ port }) => `${scheme}://127.0.0.1:${port}/`);
  // The control requests go to the same servers; HTTPS ones trust the bench's CA only.
  const control = async (path: string): Promise<unknown[]> =>
    Promise.all(ports.map(({ port }) => controlRequest(scheme, port, path, options.tlsDir)));
  return {
    urls,
    tlsPorts: ports.map((p) => p.tlsPort ?? 0),
    tcpPorts: ports.map((p) => p.tcpPort ?? 0),
    dnsPorts: ports.map((p) => p.dnsPort ?? 0),
    pids: children.map((child) => child.pid),
    resetArrivals: async () => {
      await control('/__bench/reset');
    },
    arrivals: async () => {
      const all = (await control('/__bench/arrivals')) as Arrivals[];
      return {
        monitors: all.flatMap((a) => a.monitors),
        at: all.flatMap((a) => a.at),
      };
    },
    close: async () => {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}

function controlRequest(
  scheme: string,
  port: number,
  path: string,
  tlsDir: string | undefined,
): Promise<unknown> {
  const request = scheme === 'https' ? httpsRequest : httpRequest;
  const ca = tlsDir ? readFileSync(join(tlsDir, 'ca.crt')) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', agent: false, ...(ca ? { ca } : {}) },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
