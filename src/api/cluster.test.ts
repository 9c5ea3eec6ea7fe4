import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterStatus } from '../cluster/index.js';
import { addMember, createTestApi, signUp, type TestApi } from './testing.js';

const PASSWORD = 'cluster-view-password';
const NOW = 1_764_640_000_000;

/** A cluster of two nodes as this node sees it: what only the operator's admins may read. */
const STATUS: ClusterStatus = {
  node: 'node-eu-1',
  state: 'island',
  stateSince: NOW,
  stateReason: 'no other node heard for 9 s',
  replicas: 3,
  nodes: [
    {
      id: 'node-eu-1',
      region: 'eu',
      version: '1',
      alive: true,
      self: true,
      lastHeardAt: NOW,
      monitors: 12,
    },
    {
      id: 'node-us-7',
      region: 'us',
      version: '1',
      alive: false,
      self: false,
      lastHeardAt: NOW,
      monitors: 0,
    },
  ],
  outboxDepth: 4,
  publishing: 'failing',
  replicationLag: 0,
  configRevision: 40,
  rejected: { heartbeats: 0, results: 0, config: 0 },
  newer: { heartbeats: 0, results: 0, config: 0 },
  jetstream: { connected: false, quorum: false },
};

void describe('GET /api/v1/cluster: the whole view for the operator’s owner and admins only', () => {
  let api: TestApi;
  const tokens = new Map<string, string>();

  before(async () => {
    api = await createTestApi({
      settings: { signup: 'open' },
      owner: { email: 'owner@example.com', password: PASSWORD },
      cluster: () => Promise.resolve(STATUS),
    });
    tokens.set('owner', api.token);
    for (const role of ['admin', 'viewer'] as const) {
      tokens.set(role, await addMember(api, role, PASSWORD));
    }
    tokens.set('customer', await signUp(api.app, 'customer@example.com', PASSWORD));
  });
  after(() => api.close());

  const view = async (who: string) => {
    const reply = await api.call('GET', '/api/v1/cluster', { token: tokens.get(who) ?? '' });
    assert.equal(reply.statusCode, 200, `${who}: ${reply.body}`);
    return reply.json<Record<string, unknown>>();
  };

  it('answers the operator’s owner and admin in full', async () => {
    for (const who of ['owner', 'admin']) {
      assert.deepEqual(await view(who), { mode: 'cluster', full: true, ...STATUS }, who);
    }
  });

  it('answers a viewer of the operator’s account and another account’s owner with the state only', async () => {
    for (const who of ['viewer', 'customer']) {
      const reply = await view(who);
      assert.deepEqual(
        reply,
        { mode: 'cluster', full: false, state: 'island', stateSince: NOW },
        who,
      );
      for (const hidden of ['node-eu-1', 'node-us-7', '"eu"', 'monitors'])
        assert.ok(!JSON.stringify(reply).includes(hidden), `${who}: no ${hidden}`);
    }
  });
});
