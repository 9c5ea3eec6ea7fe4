import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { tempDir, waitFor } from './node-process.js';

/** One nats-server process of a test cluster, on loopback ports chosen at start. */
export interface NatsServer {
  readonly name: string;
  /** nats://127.0.0.1:port */
  readonly url: string;
  readonly running: boolean;
  /** The process id while it runs. */
  readonly pid: number | undefined;
  /** SIGTERM and wait for the exit (JetStream flushes). */
  stop(): Promise<void>;
  /** SIGKILL: what a power cut or OOM kill does. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store directory. */
  start(): Promise<void>;
  /** Everything it logged so far. */
  output(): string;
}

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Every server's client URL, for a client that should fail over between them. */
  readonly urls: readonly string[];
  /** Resolves once JetStream answers (its meta leader is elected), through `server`. */
  jetStreamReady(server?: number): Promise<void>;
  /** Stops every server still running. */
  stop(): Promise<void>;
}

/**
 * A real JetStream cluster of `size` nats-server processes on 127.0.0.1, each with its own
 * store directory, routed to one another. Resolves once JetStream answers. Fails loudly
 * when nats-server is missing. `options.config`: more lines for every server's config (e.g.
 * `authorization` or `tls` blocks); `options.connect`: how the readiness probe signs in then.
 */
export async function startNatsCluster(
  size = 3,
  options: { config?: string[]; connect?: Partial<NodeConnectionOptions> } = {},
): Promise<NatsCluster> {
  requireNatsServer();
  const dir = tempDir('tireless-nats-');
  const ports = await freePorts(size * 2);
  const clientPorts = ports.slice(0, size);
  const routePorts = ports.slice(size);
  const servers = clientPorts.map((clientPort, i) => {
    const name = `n${i + 1}`;
    const storeDir = join(dir, name);
    mkdirSync(storeDir, { recursive: true });
    const routes = routePorts
      .filter((_, j) => j !== i)
      .map((port) => `nats-route://127.0.0.1:${port}`);
    const configFile = join(dir, `${name}.conf`);
    writeFileSync(
      configFile,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${clientPort}`,
        `jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
        `cluster { name: tireless-test, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes.join(', ')}] }`,
        ...(options.config ?? []),
      ].join('\n'),
    );
    return new NatsServerProcess(name, clientPort, configFile);
  });
  await Promise.all(servers.map((server) => server.start()));
  const jetStreamReady = async (server = 0) => {
    const nc = await connect({ ...options.connect, servers: servers[server]?.url });
    try {
      // Ready means a stream with a replica on every server can be placed (the meta leader
      // knows all its peers), not only that the meta leader answers.
      const probe = `READY_${server}_${Date.now()}`;
      await waitFor(
        'JetStream to place a stream on every server',
        () =>
          jetstreamManager(nc, { timeout: 1000 })
            .then(async (jsm) => {
              await jsm.streams.add({ name: probe, subjects: [probe], num_replicas: size });
              await jsm.streams.delete(probe);
            })
            .then(
              () => true,
              () => undefined,
            ),
        30_000,
        100,
      );
    } finally {
      await nc.close();
    }
  };
  await jetStreamReady();
  return {
    servers,
    urls: servers.map((server) => server.url),
    jetStreamReady,
    stop: async () => {
      await Promise.all(servers.filter((s) => s.running).map((s) => s.stop()));
    },
  };
}

class NatsServerProcess implements NatsServer {
  readonly url: string;
  private child: ChildProcess | null = null;
  private log = '';

  constructor(
    readonly name: string,
    private readonly port: number,
    private readonly configFile: string,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  output(): string {
    return this.log;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('nats-server', ['-c', this.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    killOnExit(child);
    const append = (chunk: Buffer) => (this.log += chunk.toString());
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    await waitFor(
      `nats-server ${this.name} to listen on ${this.port} (output: ${this.log.slice(-500)})`,
      () => {
        if (!this.child) throw new Error(`nats-server ${this.name} exited:\n${this.log}`);
        return this.log.includes('Server is ready') ? true : undefined;
      },
      15_000,
      50,
    );
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/** Children still running that this process started; killed when it exits. */
const strays = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills `child` (SIGKILL) if it still runs when this process exits, or is stopped by
 * SIGINT, SIGTERM or SIGHUP: a test run that is killed or fails before its `after` hooks
 * leaves no nats-server or node behind. SIGKILL cannot be caught.
 */
export function killOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killStrays);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killStrays();
        // Then end as the signal would have ended it without this handler.
        process.kill(process.pid, signal);
      });
    }
  }
  strays.add(child);
  child.once('exit', () => strays.delete(child));
}

function killStrays(): void {
  for (const child of strays) child.kill('SIGKILL');
  strays.clear();
}

/**
 * A TCP proxy on 127.0.0.1 in front of a NATS server (`url`: nats://host:port), for a client
 * whose link to it should lag: while held, what the server sends is kept back (and what the
 * client sends passes), then delivered in order on release.
 */
export interface LinkProxy {
  /** nats://127.0.0.1:port, to give the client instead of the server's URL. */
  readonly url: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startLinkProxy(url: string): Promise<LinkProxy> {
  const { hostname, port } = new URL(url);
  let held = false;
  const links: { client: Socket; server: Socket; backlog: Buffer[] }[] = [];
  const proxy = createServer((client) => {
    const server = connectTcp(Number(port), hostname);
    const link = { client, server, backlog: [] as Buffer[] };
    links.push(link);
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      if (held) link.backlog.push(chunk);
      else client.write(chunk);
    });
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `nats://127.0.0.1:${address.port}`,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const link of links) {
        for (const chunk of link.backlog.splice(0)) link.client.write(chunk);
      }
    },
    close: async () => {
      for (const { client, server } of links) {
        client.destroy();
        server.destroy();
      }
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

function requireNatsServer(): void {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'nats-server is not installed: the cluster tests need it (Debian package nats-server; `npm test` installs it when run as root)',
    );
  }
}

/** Ports free on 127.0.0.1 right now (held open together, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
