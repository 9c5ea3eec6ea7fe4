import { test } from 'node:test';
import assert from 'node:assert/strict';
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
