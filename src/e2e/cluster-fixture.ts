/**
 * A test cluster for the e2e tests: real nats-servers and real started nodes, node i on
 * server i and given only that server's URL (or another one, e.g. a proxy's). The servers
 * and the nodes are killed when the test process exits, also on SIGINT, SIGTERM or SIGHUP.
 */
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  ApiClient,
  killOnExit,
  startNatsCluster,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
  type NatsCluster,
  type RecordingHttpServer,
  type TirelessProcess,
} from '../testing/index.js';

/** A check's User-Agent: the node (group 1) and region (group 2) that checked. */
export const CHECK_USER_AGENT = /^Tireless\/\S+ \(node (\S+); region (\S+)\)$/;

/**
 * An HTTP target that fails (503) for the checks of the regions in `failingIn`, told by their
 * User-Agent, and answers 200 to every other.
 */
export async function startRegionalTarget(): Promise<{
  target: RecordingHttpServer;
  failingIn: Set<string>;
}> {
  const failingIn = new Set<string>();
  const target = await startRecordingHttpServer((request) => {
    const region = CHECK_USER_AGENT.exec(String(request.headers['user-agent']))?.[2];
    return region !== undefined && failingIn.has(region)
      ? { status: 503, body: `failing for ${region}` }
      : { status: 200, body: 'ok' };
  });
  return { target, failingIn };
}

export interface StoredResult {
  slot: number;
  checkedAt: number;
  status: string;
  node: string;
  region: string;
}

export interface ClusterReply {
  mode: string;
  node: string;
  state: string;
  stateReason?: string;
  nodes: { id: string; region: string; alive: boolean; monitors: number }[];
  outboxDepth: number;
}

/** How one node starts (and starts again). */
export interface TestNodeOptions {
  /** @defaultValue `r1`, `r2`, … by its index */
  region?: string;
  /** More environment for its process, e.g. TIRELESS_SNAPSHOT_INTERVAL_MS. */
  env?: Record<string, string>;
  /** The NATS URL it is given. @defaultValue its own server's */
  url?: string;
}

export interface TestClusterOptions {
  /** The nodes started at once, one after another. @defaultValue one per server */
  nodes?: TestNodeOptions[];
  /** Set up the owner on node 1 and wait for its token on every node. @defaultValue true */
  setUp?: boolean;
}

const SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff';

export class TestCluster {
  readonly dirs: string[];
  readonly nodes: (TirelessProcess | undefined)[];
  readonly apis: ApiClient[] = [];
  private token: string | undefined;
  /** How each node was last started: it starts again the same way. */
  private readonly nodeOptions: TestNodeOptions[] = [];
  private readonly clients: NatsConnection[] = [];

  private constructor(readonly nats: NatsCluster) {
    this.dirs = nats.servers.map(() => tempDir());
    this.nodes = nats.servers.map(() => undefined);
  }

  /**
   * `size` nats-servers, then the nodes one after another (a node that fails to start
   * leaves no other still starting), then the owner set up on node 1.
   */
  static async start(size = 3, options: TestClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(await startNatsCluster(size));
    const nodes = options.nodes ?? cluster.dirs.map(() => ({}));
    for (const [i, node] of nodes.entries()) await cluster.startNode(i, node);
    if (options.setUp === false) return cluster;
    const first = cluster.apis[0] as ApiClient;
    cluster.token = await first.setUp({ email: 'owner@example.com', password: 'a long password' });
    for (const api of cluster.apis) api.token = cluster.token;
    for (const api of cluster.apis) {
      await waitFor('the token on every node', async () =>
        (await api.request('GET', '/api/v1/monitors')).status === 200 ? true : undefined,
      );
    }
    return cluster;
  }

  /** Starts node i (again) on its data dir; `options` as it was last started. */
  async startNode(i: number, options = this.nodeOptions[i] ?? {}): Promise<ApiClient> {
    this.nodeOptions[i] = options;
    const node = await startTireless(this.dirs[i] as string, {
      args: ['--cluster', options.url ?? (this.nats.urls[i] as string), '--node-id', `n${i + 1}`],
      env: {
        TIRELESS_SECRET_KEY: SECRET_KEY,
        TIRELESS_REGION: options.region ?? `r${i + 1}`,
        ...options.env,
      },
    });
    killOnExit(node.child);
    this.nodes[i] = node;
    const api = new ApiClient(node.url, this.token);
    this.apis[i] = api;
    return api;
  }

  /** SIGKILL: the node has no chance to say goodbye. */
  async killNode(i: number): Promise<void> {
    await this.nodes[i]?.kill();
    this.nodes[i] = undefined;
  }

  /** SIGTERM: the node leaves (its peers take over at once). */
  async stopNode(i: number): Promise<void> {
    await this.nodes[i]?.stop();
    this.nodes[i] = undefined;
  }

  /** A NATS client of every server, closed with the cluster. */
  async client(): Promise<NatsConnection> {
    const nc = await connect({ servers: [...this.nats.urls] });
    this.clients.push(nc);
    return nc;
  }

  api(i: number): ApiClient {
    return this.apis[i] as ApiClient;
  }

  status(i: number): Promise<ClusterReply> {
    return this.api(i).expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
  }

  /** Waits until node i reports `state` (and, when given, that many live nodes). */
  async waitState(
    i: number,
    state: string,
    live?: number,
    timeoutMs = 20_000,
  ): Promise<ClusterReply> {
    let last: ClusterReply | undefined;
    try {
      return await waitFor(
        `n${i + 1} ${state}${live === undefined ? '' : ` with ${live} live nodes`}`,
        async () => {
          const reply = (last = await this.status(i));
          const alive = reply.nodes.filter((n) => n.alive).length;
          return reply.state === state && (live === undefined || alive === live)
            ? reply
            : undefined;
        },
        timeoutMs,
        200,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`);
    }
  }

  async resultsOf(i: number, monitorId: string): Promise<StoredResult[]> {
    const reply = await this.api(i).expect<{ items: StoredResult[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitorId}/results?limit=10000`,
    );
    return reply.items;
  }

  /**
   * Node i's results of these monitors with a slot in [from, to), as `monitor:slot:node`
   * keys; fails if one is stored twice.
   */
  async resultKeys(i: number, monitorIds: string[], from: number, to: number): Promise<string[]> {
    const keys: string[] = [];
    for (const id of monitorIds) {
      const mine = (await this.resultsOf(i, id))
        .filter((r) => r.slot >= from && r.slot < to)
        .map((r) => `${id}:${r.slot}:${r.node}`);
      assert.equal(new Set(mine).size, mine.length, `n${i + 1}: a result of ${id} stored twice`);
      keys.push(...mine);
    }
    return keys.sort();
  }

  /**
   * Waits until every running node's outbox is empty and each holds the same results of
   * these monitors with a slot in [from, to) (as resultKeys, each once); returns them.
   */
  async sameResultsEverywhere(monitorIds: string[], from: number, to: number): Promise<string[]> {
    const every = this.nodes.flatMap((node, i) => (node ? [i] : []));
    await waitFor(
      'every outbox empty',
      async () => {
        for (const i of every) if ((await this.status(i)).outboxDepth > 0) return undefined;
        return true;
      },
      20_000,
      250,
    );
    return waitFor(
      'the same results on every node',
      async () => {
        const [first, ...others] = await Promise.all(
          every.map((i) => this.resultKeys(i, monitorIds, from, to)),
        );
        return first && others.every((keys) => keys.join() === first.join()) ? first : undefined;
      },
      20_000,
      500,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node?.kill() ?? Promise.resolve()));
    await Promise.all(this.clients.map((nc) => nc.close()));
    await this.nats.stop();
  }
}

/** A config write, expected to be refused while the node is cut off: 503 saying why. */
export async function assertConfigRefused(api: ApiClient, why: RegExp): Promise<void> {
  const reply = await api.request<{ error: { code: string; message: string } }>(
    'POST',
    '/api/v1/monitors',
    { name: 'refused', type: 'http', url: 'http://127.0.0.1:9/', intervalSeconds: 60 },
  );
  assert.equal(reply.status, 503, JSON.stringify(reply.body));
  assert.equal(reply.body.error.code, 'TIRELESS_UNAVAILABLE');
  assert.match(reply.body.error.message, why);
}
