/**
 * After a partition heals, every node holds one incident timeline. Every nats-server stops:
 * each node is an island that checks the monitor alone and sees its target fail from a
 * different slot (the target answers by the checking node's User-Agent), so each opens an
 * incident of its own. The servers return, every node receives the others' results — all
 * late — and judges the monitor again in one order: the same incidents everywhere.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingHttpServer, waitFor, type RecordingHttpServer } from '../testing/index.js';
import { TestCluster } from './cluster-fixture.js';

const INTERVAL_SECONDS = 1;
const USER_AGENT = /^Tireless\/\S+ \(node (\S+); region \S+\)$/;
const NODES = [0, 1, 2];

interface IncidentReply {
  id: string;
  startedAt: number;
  endedAt: number | null;
}

let cluster: TestCluster | undefined;
let target: RecordingHttpServer | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
});

test('islands that each opened their own incident hold one timeline once the servers return', async () => {
  // The nodes that see the target fail: it answers 503 to their User-Agent.
  const failingFor = new Set<string>();
  target = await startRecordingHttpServer((request) => {
    const node = USER_AGENT.exec(String(request.headers['user-agent']))?.[1];
    return node !== undefined && failingFor.has(node)
      ? { status: 503, body: `failing for ${node}` }
      : { status: 200, body: 'ok' };
  });
  cluster = await TestCluster.start(3);
  const c = cluster;
  const monitor = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `${target.url}/health`,
    intervalSeconds: INTERVAL_SECONDS,
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
  const statusEverywhere = (status: string) =>
    waitFor(
      `status ${status} on every node`,
      async () => {
        for (const i of NODES) if ((await statusOf(i)) !== status) return undefined;
        return true;
      },
      20_000,
      200,
    );
  for (const i of NODES) await c.waitState(i, 'joined', 3);
  await statusEverywhere('up');

  // Every server goes: each node is an island and checks the monitor alone.
  await Promise.all(c.nats.servers.map((server) => server.stop()));
  for (const i of NODES) await c.waitState(i, 'island', 1);
  // The target fails for n3 first, then for n2, then for n1: each island opens its own
  // incident, from a different slot.
  const islandIncidents: IncidentReply[] = [];
  for (const i of [2, 1, 0]) {
    failingFor.add(`n${i + 1}`);
    islandIncidents.push(
      await waitFor(
        `n${i + 1} opening an incident`,
        async () => (await incidentsOf(i)).find((incident) => incident.endedAt === null),
        20_000,
        200,
      ),
    );
  }
  // A delayed check may put n2's first failure in n3's slot; n1's comes two waits later.
  const [n3Start, n2Start, n1Start] = islandIncidents.map((incident) => incident.startedAt);
  assert.ok(
    (n3Start as number) <= (n2Start as number) && (n3Start as number) < (n1Start as number),
    `the islands' incidents start at ${n3Start}, ${n2Start}, ${n1Start}`,
  );

  // Healthy again for all: each island closes its own incident.
  failingFor.clear();
  for (const i of NODES) {
    await waitFor(
      `n${i + 1} closing its incident`,
      async () =>
        (await incidentsOf(i)).every((incident) => incident.endedAt !== null) ? true : undefined,
      20_000,
      200,
    );
  }

  // The servers return: every node rejoins, drains its outbox and applies the others'.
  await Promise.all(c.nats.servers.map((server) => server.start()));
  for (const i of NODES) await c.waitState(i, 'joined', 3, 40_000);
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
    'the same incidents on every node',
    async () => {
      const lists = await Promise.all(NODES.map(incidentsOf));
      seen = lists.map((list) => JSON.stringify(list));
      return seen.every((list) => list === seen[0]) ? lists[0] : undefined;
    },
    30_000,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen:\n${seen.join('\n')}`);
  });
  // The islands' own incidents began at three different slots: one timeline keeps at most
  // one of them, and every incident of it is closed.
  assert.ok(timeline && timeline.length > 0, 'the outage is in the timeline');
  const ids = new Set(timeline.map((incident) => incident.id));
  const kept = new Set(islandIncidents.map((incident) => incident.id).filter((id) => ids.has(id)));
  assert.ok(kept.size <= 1, JSON.stringify({ islandIncidents, timeline }));
  assert.ok(
    timeline.every((incident) => incident.endedAt !== null),
    JSON.stringify(timeline),
  );
  await statusEverywhere('up');
});
