/**
 * A monitor checked from two regions, whose results reach the two nodes in different
 * orders: the west node's link to its server holds back what the server sends, so it judges
 * its own results of an outage — and of the recovery — before it hears any of the east
 * node's, while the east node hears west's as they are published. Released, both nodes list
 * the same incidents and status (each slot judged on both regions' results, a result for a
 * slot judged already replayed in order).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startLinkProxy,
  startRecordingHttpServer,
  waitFor,
  type LinkProxy,
  type RecordedRequest,
  type RecordingHttpServer,
} from '../testing/index.js';
import { startRegionalTarget, TestCluster } from './cluster-fixture.js';

const NODES = [0, 1];
// The hold must stay well below it: neither node may think the other dead meanwhile.
const ENV = { TIRELESS_DEAD_AFTER_MS: '30000' };

interface IncidentReply {
  id: string;
  startedAt: number;
  endedAt: number | null;
}

let cluster: TestCluster | undefined;
let target: RecordingHttpServer | undefined;
let receiver: RecordingHttpServer | undefined;
let proxy: LinkProxy | undefined;

after(async () => {
  await cluster?.close();
  await proxy?.close();
  await target?.close();
  await receiver?.close();
});

function incidentIdsOf(requests: RecordedRequest[], event: string): string[] {
  return requests.flatMap((r) => {
    const body = r.json as { event?: string; incident?: { id: string } } | undefined;
    return body?.event === event && body.incident ? [body.incident.id] : [];
  });
}

test('two regions, results in different orders on each node: the same incidents and status on both', async () => {
  const regional = await startRegionalTarget();
  target = regional.target;
  const { failingIn } = regional;
  receiver = await startRecordingHttpServer();
  cluster = await TestCluster.start(3, { nodes: [{ region: 'east', env: ENV }] });
  const c = cluster;
  // The west node reaches its server through a proxy that can hold back what it sends.
  const link = await startLinkProxy(c.nats.urls[1] as string);
  proxy = link;
  await c.startNode(1, { region: 'west', env: ENV, url: link.url });
  for (const i of NODES) await c.waitState(i, 'joined', 2);

  const channel = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'alerts',
    config: { url: `${receiver.url}/alerts` },
  });
  const monitor = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `${target.url}/health`,
    intervalSeconds: 1,
    locations: 2,
    channelIds: [channel.id],
  });
  const incidentsOf = async (i: number) =>
    (
      await c.api(i).expect<{
        items: IncidentReply[];
      }>(200, 'GET', `/api/v1/incidents?monitorId=${monitor.id}&limit=100`)
    ).items.map(({ id, startedAt, endedAt }) => ({ id, startedAt, endedAt }));
  const statusOf = async (i: number) =>
    (await c.api(i).expect<{ status: string }>(200, 'GET', `/api/v1/monitors/${monitor.id}`))
      .status;
  /** Waits until node i holds `count` results of `region` with `status` since `since`. */
  const holds = (i: number, region: string, status: string, since: number, count = 3) =>
    waitFor(
      `n${i + 1} holding ${count} ${status} results of ${region}`,
      async () =>
        (await c.resultsOf(i, monitor.id)).filter(
          (r) => r.region === region && r.status === status && r.slot >= since,
        ).length >= count
          ? true
          : undefined,
      30_000,
      200,
    );
  const healthy = Date.now();
  await holds(0, 'east', 'up', healthy);
  await holds(0, 'west', 'up', healthy);
  await holds(1, 'east', 'up', healthy);
  for (const i of NODES) assert.equal(await statusOf(i), 'up');

  // West's node hears nothing from here on; both regions see the target fail, then recover.
  link.hold();
  const outage = Date.now() + 100;
  failingIn.add('east');
  failingIn.add('west');
  await holds(0, 'east', 'down', outage);
  await holds(1, 'west', 'down', outage);
  const recovery = Date.now() + 100;
  failingIn.clear();
  await holds(0, 'east', 'up', recovery);
  await holds(1, 'west', 'up', recovery);
  // The west node has judged its own outage and recovery without a result of east's.
  const heldBack = (await c.resultsOf(1, monitor.id)).filter(
    (r) => r.region === 'east' && r.slot >= outage,
  );
  assert.deepEqual(heldBack, [], 'the west node heard none of east’s results while held');
  link.release();

  await waitFor(
    'every outbox empty',
    async () => {
      for (const i of NODES) if ((await c.status(i)).outboxDepth > 0) return undefined;
      return true;
    },
    20_000,
    250,
  );
  let seen: string[] = [];
  const timeline = await waitFor(
    'the same incidents and status on both nodes',
    async () => {
      const views = await Promise.all(
        NODES.map(async (i) => JSON.stringify([await statusOf(i), await incidentsOf(i)])),
      );
      seen = views;
      return views.every((view) => view === views[0]) ? await incidentsOf(0) : undefined;
    },
    30_000,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen:\n${seen.join('\n')}`);
  });
  assert.ok(
    timeline.some((incident) => incident.startedAt >= outage - 1000),
    `the outage is in the timeline: ${JSON.stringify(timeline)}`,
  );
  assert.ok(
    timeline.every((incident) => incident.endedAt !== null),
    JSON.stringify(timeline),
  );
  assert.equal(await statusOf(0), 'up');

  // Whatever was announced was announced once and ended once.
  const alerts = () => ({
    downs: incidentIdsOf((receiver as RecordingHttpServer).requests, 'monitor.down'),
    ups: incidentIdsOf((receiver as RecordingHttpServer).requests, 'monitor.up'),
  });
  await waitFor(
    'an up for each down',
    () => {
      const { downs, ups } = alerts();
      return downs.every((id) => ups.includes(id)) ? true : undefined;
    },
    20_000,
    200,
  );
  const { downs, ups } = alerts();
  assert.equal(new Set(downs).size, downs.length, `a down sent twice: ${downs.join(', ')}`);
  assert.deepEqual([...ups].sort(), [...downs].sort(), 'one up for each down, no other');
});
