import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestApi } from '../api/index.js';
import type { ClusterStatus } from '../cluster/index.js';
import { ApiClient, runTireless } from '../testing/index.js';
import { formatClusterStatus, type ClusterView } from './cluster-status.js';

const NOW = 1_764_640_000_000;
const none = { heartbeats: 0, results: 0, config: 0 };

test('cluster status: a dead node, no quorum, an outbox filling and messages passed over, as printed', () => {
  const view: ClusterView = {
    mode: 'cluster',
    node: 'n2',
    replicas: 3,
    nodes: [
      {
        id: 'n1',
        region: 'eu',
        version: '0.1.0',
        alive: false,
        self: false,
        lastHeardAt: NOW - 12_340,
        monitors: 0,
      },
      {
        id: 'n2',
        region: 'eu',
        version: '0.1.0',
        alive: true,
        self: true,
        lastHeardAt: NOW,
        monitors: 7,
      },
      {
        id: 'n3-long-name',
        region: 'us',
        version: '0.2.0',
        alive: true,
        self: false,
        lastHeardAt: NOW - 950,
        monitors: 5,
      },
    ],
    outboxDepth: 12,
    publishing: 'failing',
    replicationLag: 3,
    configRevision: 99,
    rejected: { heartbeats: 4, results: 1, config: 0 },
    newer: { ...none, results: 2 },
    jetstream: { connected: true, quorum: false },
  };
  assert.deepEqual(formatClusterStatus(view), [
    'Cluster as node n2 sees it: 2 of 3 nodes alive',
    'NODE          REGION  ALIVE  MONITORS  LAST HEARD  VERSION',
    'n1            eu      no     0         12.3 s ago  0.1.0',
    'n2 (this)     eu      yes    7         -           0.1.0',
    'n3-long-name  us      yes    5         0.9 s ago   0.2.0',
    'Regions: eu (1/2 alive), us (1/1 alive)',
    'JetStream: connected, NO QUORUM (config writes answer 503; results wait in the outbox); 3 replicas',
    'Replication lag: 3 messages; outbox: 12 batches (publishing failing); config revision 99',
    'Messages passed over: 5 rejected (heartbeats 4, results 1, config 0), 2 of a newer version kept (heartbeats 0, results 2, config 0)',
  ]);
});

test('cluster status: another account’s token is told whose it needs, and sees no node', async () => {
  const none = { heartbeats: 0, results: 0, config: 0 };
  const node = (id: string, region: string, self: boolean) => ({
    id,
    region,
    version: '1',
    alive: true,
    self,
    lastHeardAt: NOW,
    monitors: 3,
  });
  const status: ClusterStatus = {
    node: 'node-eu-1',
    state: 'joined',
    stateSince: NOW,
    replicas: 3,
    nodes: [node('node-eu-1', 'eu', true), node('node-us-7', 'us', false)],
    outboxDepth: 0,
    publishing: 'ok',
    replicationLag: 0,
    configRevision: 1,
    rejected: none,
    newer: none,
    jetstream: { connected: true, quorum: true },
  };
  const api = await createTestApi({
    settings: { signup: 'open' },
    cluster: () => Promise.resolve(status),
  });
  try {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    const account = { email: 'customer@example.com', password: 'a customer password' };
    await new ApiClient(url).expect(202, 'POST', '/api/v1/auth/signup', account);
    const { token: customer } = await new ApiClient(url).expect<{ token: string }>(
      200,
      'POST',
      '/api/v1/auth/login',
      account,
    );
    const clusterStatus = (token: string) =>
      runTireless(['cluster', 'status', '--url', url, '--token', token]);

    const refused = await clusterStatus(customer);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      `tireless: the node at ${url} is joined; only an owner or admin of the operator's account (the one setup made) sees the cluster's nodes: use one of their tokens (TIRELESS_FORBIDDEN)`,
    );
    assert.equal(refused.stdout, '');
    // The operator's owner sees the nodes the customer was not shown.
    const operator = await clusterStatus(api.token);
    assert.equal(operator.code, 0, operator.stderr);
    for (const name of ['node-eu-1', 'node-us-7']) {
      assert.ok(operator.stdout.includes(name), name);
      assert.ok(!refused.stderr.includes(name), name);
    }
  } finally {
    await api.close();
  }
});
