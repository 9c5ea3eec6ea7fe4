/**
 * Fault test 8: a monitor with `locations: 2` in a cluster of three nodes in two regions is
 * down only when both regions see its target fail. The target answers by the checking
 * node's User-Agent, so each region can be made to see it fail on its own.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRecordingHttpServer,
  waitFor,
  type RecordedRequest,
  type RecordingHttpServer,
} from '../testing/index.js';
import { CHECK_USER_AGENT, startRegionalTarget, TestCluster } from './cluster-fixture.js';

let cluster: TestCluster | undefined;
let target: RecordingHttpServer | undefined;
let receiver: RecordingHttpServer | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
  await receiver?.close();
});

function eventsAt(server: RecordingHttpServer, event: string): RecordedRequest[] {
  return server.requests.filter((r) => (r.json as { event?: string } | undefined)?.event === event);
}

test('locations: 2 in two regions — up while one region sees the target fail, down when both do, up again when one recovers', async () => {
  // The regions that see the target fail: it answers 503 to their nodes' User-Agent.
  const regional = await startRegionalTarget();
  target = regional.target;
  const { failingIn } = regional;
  receiver = await startRecordingHttpServer();
  // Two nodes in east, one in west.
  cluster = await TestCluster.start(3, {
    nodes: [{ region: 'east' }, { region: 'east' }, { region: 'west' }],
  });
  const c = cluster;
  for (let i = 0; i < 3; i++) await c.waitState(i, 'joined', 3);
  const first = c.api(0);

  const channel = await first.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'alerts',
    config: { url: `${receiver.url}/alerts` },
  });
  const monitor = await first.expect<{ id: string; locations: number; confirmations: number }>(
    201,
    'POST',
    '/api/v1/monitors',
    {
      name: 'shop',
      type: 'http',
      url: `${target.url}/health`,
      intervalSeconds: 2,
      locations: 2,
      channelIds: [channel.id],
    },
  );
  assert.equal(monitor.confirmations, 2, 'the default: a majority of two');

  const statusOnEveryNode = (expected: string) =>
    waitFor(
      `status ${expected} on every node`,
      async () => {
        for (const api of c.apis) {
          const { status } = await api.expect<{ status: string }>(
            200,
            'GET',
            `/api/v1/monitors/${monitor.id}`,
          );
          if (status !== expected) return undefined;
        }
        return true;
      },
      20_000,
      200,
    );
  /** Waits until each region has recorded `count` results since `since` with `status`. */
  const seenByBoth = (since: number, count: number, status: Record<string, string>) =>
    waitFor(
      `${count} results from each region since the change`,
      async () => {
        const recent = (await c.resultsOf(0, monitor.id)).filter((r) => r.slot >= since);
        return ['east', 'west'].every(
          (region) =>
            recent.filter((r) => r.region === region && r.status === status[region]).length >=
            count,
        )
          ? recent
          : undefined;
      },
      30_000,
      250,
    );

  // Both regions check it, one node of each, named in the User-Agent and on the results.
  const upSince = Date.now();
  const healthy = await seenByBoth(upSince, 2, { east: 'up', west: 'up' });
  await statusOnEveryNode('up');
  const checkers = new Set(healthy.map((r) => `${r.node}/${r.region}`));
  assert.equal(checkers.size, 2, `checked by ${[...checkers].join(', ')}`);
  const agents = new Set(
    target.requests.map((r) => {
      const match = CHECK_USER_AGENT.exec(String(r.headers['user-agent']));
      assert.ok(match, `User-Agent ${String(r.headers['user-agent'])}`);
      return `${match[1]}/${match[2]}`;
    }),
  );
  for (const checker of checkers)
    assert.ok(agents.has(checker), `${checker} in ${[...agents].join(', ')}`);

  // East sees it fail, west does not: still up, no alert.
  failingIn.add('east');
  const eastSince = Date.now() + 100;
  await seenByBoth(eastSince, 3, { east: 'down', west: 'up' });
  await statusOnEveryNode('up');
  assert.deepEqual(eventsAt(receiver, 'monitor.down'), [], 'no alert while one region fails');

  // Both see it fail: down, one alert.
  failingIn.add('west');
  const [down] = await waitFor(
    'the down alert at the receiver',
    () => {
      const alerts = eventsAt(receiver as RecordingHttpServer, 'monitor.down');
      return alerts.length > 0 ? alerts : undefined;
    },
    30_000,
    200,
  );
  const body = down?.json as { monitor: { id: string }; result: { region: string } };
  assert.equal(body.monitor.id, monitor.id);
  await statusOnEveryNode('down');

  // East recovers: fewer than two locations fail, so it is up again, with one up alert.
  failingIn.delete('east');
  await waitFor(
    'the up alert at the receiver',
    () => (eventsAt(receiver as RecordingHttpServer, 'monitor.up').length > 0 ? true : undefined),
    30_000,
    200,
  );
  await statusOnEveryNode('up');
  assert.equal(eventsAt(receiver, 'monitor.down').length, 1, 'one down alert for one outage');
  assert.equal(eventsAt(receiver, 'monitor.up').length, 1);
});
