/**
 * A three-node test cluster for the fault tests: real nats-servers and real started nodes,
 * each node given only its own server's URL (as `cluster.test.ts` does).
 */
import assert from 'node:assert/strict';
import {
  ApiClient,
  startNatsCluster,
  startTireless,
  tempDir,
  waitFor,
  type NatsCluster,
  type TirelessProcess,
} from '../testing/index.js';

export interface StoredResult {
  slot: number;
  checkedAt: number;
  status: string;
  node: string;
}

export interface ClusterReply {
  mode: string;
  node: string;
  state: string;
  stateReason?: string;
  nodes: { id: string; alive: boolean }[];
  outboxDepth: number;
}

const SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff';

export class TestCluster {
  readonly dirs: string[];
  readonly nodes: (TirelessProcess | undefined)[];
  readonly apis: ApiClient[] = [];
  private token: string | undefined;

  private constructor(readonly nats: NatsCluster) {
    this.dirs = nats.servers.map(() => tempDir());
    this.nodes = nats.servers.map(() => undefined);
  }

  /** nats-servers, then the nodes one after another, then the owner set up on node 1. */
  static async start(size = 3): Promise<TestCluster> {
    const cluster = new TestCluster(await startNatsCluster(size));
    for (let i = 0; i < size; i++) await cluster.startNode(i);
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

  /** Starts node i (again) on its data dir, with only its own server's URL. */
  async startNode(i: number): Promise<ApiClient> {
    const node = await startTireless(this.dirs[i] as string, {
      args: ['--cluster', this.nats.urls[i] as string, '--node-id', `n${i + 1}`],
      env: { TIRELESS_SECRET_KEY: SECRET_KEY, TIRELESS_REGION: `r${i + 1}` },
    });
    this.nodes[i] = node;
    const api = new ApiClient(node.url, this.token);
    this.apis[i] = api;
    return api;
  }

  async killNode(i: number): Promise<void> {
    await this.nodes[i]?.kill();
    this.nodes[i] = undefined;
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

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node?.kill() ?? Promise.resolve()));
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
