import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  ApiClient,
  killOnExit,
  runTireless,
  startHttpTarget,
  startLinkProxy,
  startTireless,
  tempDir,
  waitFor,
  type HttpTarget,
  type LinkProxy,
  type TirelessProcess,
} from '../testing/index.js';
import { TestCluster, type ClusterReply as NodeReply } from './cluster-fixture.js';

// Fault test 9 and the cluster-wide unique names, through two started nodes: racing
// first-run setups and sign-ups on two nodes, a token used on the other node at once,
// `tireless cluster status`, garbage on every subject, and nodes of the previous and of a
// newer message version beside them.

const HEARTBEATS = 'tireless.v1.heartbeat';
const RESULTS = 'tireless.v1.results';
/**
 * Open sign-up (without the SSRF guard, on purpose: the targets are on loopback), room for
 * the racing logins, one check thread.
 */
const ENV = {
  TIRELESS_SIGNUP: 'open',
  TIRELESS_ALLOW_PRIVATE_TARGETS: 'true',
  TIRELESS_AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  TIRELESS_CHECK_WORKERS: '1',
};

interface ClusterReply extends NodeReply {
  rejected: Record<string, number>;
  newer: Record<string, number>;
  jetstream: { connected: boolean; quorum: boolean };
}

let cluster: TestCluster | undefined;
let proxy: LinkProxy | undefined;
let solo: TirelessProcess | undefined;
let target: HttpTarget | undefined;

after(async () => {
  await cluster?.close();
  await proxy?.close();
  await solo?.kill();
  await target?.close();
});

/** Outcomes of racing `body` to `path` on each node: the statuses and the 409's message. */
async function race(apis: ApiClient[], path: string, bodies: object[]) {
  const replies = await Promise.all(
    apis.map((api, i) =>
      api.request<{ token?: string; error?: { message: string } }>('POST', path, bodies[i]),
    ),
  );
  return {
    statuses: replies.map((r) => r.status).sort(),
    winner: replies.findIndex((r) => r.status === 201),
    conflict: replies.find((r) => r.status === 409)?.body.error?.message,
  };
}

test('two nodes: one owner and one account per email cluster-wide, tokens and push URLs hold on every node at once, cluster status, and garbage or other-version messages neither crash nor get lost', async () => {
  target = await startHttpTarget();
  cluster = await TestCluster.start(3, { nodes: [{ env: ENV }], setUp: false });
  const c = cluster;
  // Node 2 reaches its server through a proxy that can hold back what the server sends.
  const link = await startLinkProxy(c.nats.urls[1] as string);
  proxy = link;
  await c.startNode(1, { env: ENV, url: link.url });
  const nodes = c.nodes.slice(0, 2) as TirelessProcess[];
  const [a, b] = [c.api(0), c.api(1)];

  // Both nodes offer the first-run setup; raced, exactly one owner results.
  const setup = await race([a, b], '/api/v1/setup', [
    { email: 'first@example.com', password: 'a long password' },
    { email: 'second@example.com', password: 'a long password' },
  ]);
  assert.deepEqual(setup.statuses, [201, 409]);
  assert.equal(setup.conflict, 'setup is done already; log in');
  const owner = setup.winner === 0 ? 'first@example.com' : 'second@example.com';
  const loser = setup.winner === 0 ? 'second@example.com' : 'first@example.com';
  for (const api of [a, b]) {
    const login = (email: string) =>
      api.request('POST', '/api/v1/auth/login', { email, password: 'a long password' });
    assert.equal((await login(owner)).status, 200);
    assert.equal((await login(loser)).status, 401);
  }

  // Sign-ups with one email on both nodes at once: one account, though both answer alike
  // (sign-up does not tell whether an email is taken): one password logs in, the other not.
  for (let round = 0; round < 4; round++) {
    const bodies = [0, 1].map((n) => ({
      email: `racer${round}@example.com`,
      password: `a long password ${n}`,
    }));
    const signup = await race([a, b], '/api/v1/auth/signup', bodies);
    assert.deepEqual(signup.statuses, [202, 202], `round ${round}`);
    const logins = await Promise.all(
      bodies.map((body) => a.request('POST', '/api/v1/auth/login', body)),
    );
    assert.deepEqual(logins.map((reply) => reply.status).sort(), [200, 401], `round ${round}`);
  }

  // A token made on one node works on the other at once (no waiting for replication).
  for (let i = 0; i < 5; i++) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    const { token } = await from.expect<{ token: string }>(200, 'POST', '/api/v1/auth/login', {
      email: owner,
      password: 'a long password',
    });
    to.token = token;
    await to.expect(200, 'GET', '/api/v1/monitors');
  }
  a.token = b.token;

  // A push monitor made on node 1 takes heartbeats on node 2 at once, even while node 2's
  // replica lags behind (its link holds back what its server sends for a moment): node 2
  // waits to catch up rather than answer 404.
  link.hold();
  const push = await a.expect<{ id: string; pushUrl: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'nightly backup',
    type: 'push',
  });
  const beat = b.request('POST', push.pushUrl);
  const early = await Promise.race([
    beat,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000)),
  ]);
  link.release();
  assert.equal(early, undefined, `node 2 answered before it caught up: ${JSON.stringify(early)}`);
  const beaten = await beat;
  assert.equal(beaten.status, 200, JSON.stringify(beaten.body));
  await a.expect(204, 'DELETE', `/api/v1/monitors/${push.id}`);

  const monitors: string[] = [];
  for (let i = 0; i < 6; i++) {
    const created = await a.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name: `m${i}`,
      type: 'http',
      url: `${target.url}/ok`,
      intervalSeconds: 60,
    });
    monitors.push(created.id);
  }

  // `tireless cluster status` against node 1: both nodes, the monitors shared, JetStream.
  const token = b.token as string;
  const status = await waitFor('both nodes alive and every monitor on node 1', async () => {
    const reply = await a.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
    const all = reply.nodes.reduce((sum, n) => sum + n.monitors, 0);
    return reply.nodes.filter((n) => n.alive).length === 2 && all === 6 ? reply : undefined;
  });
  assert.deepEqual(status.jetstream, { connected: true, quorum: true });
  const cli = await runTireless(['cluster', 'status', '--url', a.baseUrl, '--token', token]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /node n1 sees it: 2 of 2 nodes alive/);
  assert.match(cli.stdout, /^n1 \(this\) +r1 +yes +\d+ +- /m);
  assert.match(cli.stdout, /^n2 +r2 +yes +\d+ +\d+\.\d s ago/m);
  const shares = [...cli.stdout.matchAll(/^n\d.*? (?:r\d) +yes +(\d+) /gm)].map((m) =>
    Number(m[1]),
  );
  assert.equal(
    shares.reduce((x, y) => x + y, 0),
    6,
    cli.stdout,
  );
  assert.match(cli.stdout, /Regions: r1 \(1\/1 alive\), r2 \(1\/1 alive\)/);
  assert.match(cli.stdout, /JetStream: connected, quorum; 3 replicas/);
  assert.match(cli.stdout, /Replication lag: \d+ messages; outbox: \d+ batches \(publishing ok\)/);

  // The command's clear errors: a bad token, a node that is not there, a solo node.
  const refused = await runTireless(['cluster', 'status', '--url', a.baseUrl, '--token', 'tl_x']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /answered 401: .*\(check --token or TIRELESS_TOKEN\)/);
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const away = await runTireless([
    'cluster',
    'status',
    '--url',
    `http://127.0.0.1:${closedPort}`,
    '--token',
    token,
  ]);
  assert.equal(away.code, 1);
  assert.match(away.stderr, /cannot reach the node at http:\/\/127\.0\.0\.1:\d+/);
  solo = await startTireless(tempDir(), { env: ENV });
  killOnExit(solo.child);
  const soloToken = await new ApiClient(solo.url).setUp({
    email: 'solo@example.com',
    password: 'a long password',
  });
  const soloStatus = await runTireless([
    'cluster',
    'status',
    '--url',
    solo.url,
    '--token',
    soloToken,
  ]);
  assert.equal(soloStatus.code, 1);
  assert.match(soloStatus.stderr, /runs solo, not in cluster mode: start it with --cluster/);
  await solo.stop();

  // Garbage on every Tireless subject and in the config bucket.
  const nc = await c.client();
  const js = jetstream(nc);
  const garbage = ['not json', '[1,2]', '{"v":1}', JSON.stringify({ v: 'x' }), '\u0000\u0001'];
  for (let i = 0; i < 10; i++) {
    for (const payload of garbage) nc.publish(HEARTBEATS, payload);
  }
  nc.publish(HEARTBEATS, Buffer.alloc(64 * 1024, 0x7b));
  for (const payload of garbage) await js.publish(`${RESULTS}.intruder`, payload);
  const kv = await new Kvm(nc).open('tireless_config');
  await kv.put('monitor.acc_x.mon_x', 'not json');
  await kv.put('nonsense.acc_x.x', '{}');
  await nc.flush();
  const counted = (reply: ClusterReply) =>
    reply.rejected.heartbeats === 51 && reply.rejected.results === 5 && reply.rejected.config === 2;
  for (const api of [a, b]) {
    const reply = await waitFor('the garbage counted', async () => {
      const got = await api.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
      return counted(got) ? got : undefined;
    });
    assert.equal(reply.nodes.filter((n) => n.alive).length, 2);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    assert.match(
      metrics,
      /tireless_cluster_messages_passed_over_total\{source="heartbeats",outcome="rejected"\} 51/,
    );
  }
  for (const node of nodes) {
    assert.equal(node.child.exitCode, null, 'still running');
    // Rate-limited: 51 garbage heartbeats, one line (the period is 10 s).
    const lines = node
      .output()
      .split('\n')
      .filter((l) => l.includes('malformed heartbeats'));
    assert.equal(lines.length, 1, lines.join('\n'));
  }

  // A node of the previous release (heartbeats without `v`) and one of a newer major, beside
  // ours: both count as members.
  const old = { node: 'old1', region: 'r1', version: '0.0.1', sentAt: Date.now() };
  const newer = { v: 2, node: 'new1', region: 'r2', version: '9.0.0', vector: [1, 2] };
  await waitFor('the old and the newer node alive on both', async () => {
    nc.publish(HEARTBEATS, JSON.stringify(old));
    nc.publish(HEARTBEATS, JSON.stringify(newer));
    for (const api of [a, b]) {
      const reply = await api.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
      if (reply.nodes.filter((n) => n.alive).length !== 4) return undefined;
    }
    return true;
  });
  // Results as each writes them: the previous version's are applied on both nodes; the newer
  // major's are kept (parked), counted, and applied by no one.
  const monitor = monitors[0] as string;
  const slot = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
  const result = (node: string, at: number) => ({
    monitorId: monitor,
    slot: at,
    checkedAt: at + 5,
    status: 'up',
    latencyMs: 7,
    node,
    region: 'r1',
  });
  await js.publish(
    `${RESULTS}.old1`,
    JSON.stringify({ v: 1, node: 'old1', results: [result('old1', slot)] }),
  );
  await js.publish(
    `${RESULTS}.new1`,
    JSON.stringify({ v: 2, node: 'new1', frames: [result('new1', slot)] }),
  );
  for (const api of [a, b]) {
    await waitFor('the old node’s result, and the newer one kept', async () => {
      const reply = await api.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
      const results = await api.expect<{ items: { node: string }[] }>(
        200,
        'GET',
        `/api/v1/monitors/${monitor}/results?since=0&limit=100`,
      );
      const from = results.items.map((r) => r.node);
      return reply.newer.results === 1 && from.includes('old1') && !from.includes('new1')
        ? reply
        : undefined;
    });
  }
  for (const api of [a, b]) {
    const reply = await api.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
    assert.ok((reply.newer.heartbeats ?? 0) >= 1, 'the newer node’s heartbeats counted as newer');
    assert.equal(reply.rejected.heartbeats, 51, 'neither version’s heartbeats rejected');
  }
  for (const node of nodes) {
    assert.match(node.output(), /results message of a newer version than this node reads: kept/);
  }
  // They leave; ours go on, and nothing above crashed them.
  nc.publish(HEARTBEATS, JSON.stringify({ ...old, leaving: true }));
  nc.publish(HEARTBEATS, JSON.stringify({ ...newer, leaving: true }));
  for (const api of [a, b]) {
    await waitFor('back to two nodes', async () => {
      const reply = await api.expect<ClusterReply>(200, 'GET', '/api/v1/cluster');
      return reply.nodes.filter((n) => n.alive).length === 2 ? true : undefined;
    });
    assert.equal((await api.request('GET', '/healthz')).status, 200);
  }
});
