/**
 * After a partition heals, every node holds one incident timeline. Every nats-server stops:
 * each node is an island that checks the monitor alone and sees its target fail from a
 * different slot (the target answers by the checking node's User-Agent), so each opens an
 * incident of its own and announces it. The servers return while the target still fails,
 * every node receives the others' results — all late — and judges the monitor again in one
 * order: the same incidents everywhere, one outage open, into which each node folds the
 * incident it announced. When the target recovers, the receiver hears the end of each
 * announced incident: one down and one up per incident id, none missing.
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
let receiver: RecordingHttpServer | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
  await receiver?.close();
});

/** The incident ids of the `event` alerts the receiver got, in order. */
function alerted(server: RecordingHttpServer, event: string): string[] {
  return server.requests.flatMap((r) => {
    const body = r.json as { event?: string; incident?: { id: string } } | undefined;
    return body?.event === event && body.incident ? [body.incident.id] : [];
  });
}

test('islands that each opened and announced their own incident hold one timeline once the servers return, and each announced incident gets one up', async () => {
  // The nodes that see the target fail: it answers 503 to their User-Agent.
  const failingFor = new Set<string>();
  target = await startRecordingHttpServer((request) => {
    const node = USER_AGENT.exec(String(request.headers['user-agent']))?.[1];
    return node !== undefined && failingFor.has(node)
      ? { status: 503, body: `failing for ${node}` }
      : { status: 200, body: 'ok' };
  });
  receiver = await startRecordingHttpServer();
  cluster = await TestCluster.start(3);
  const c = cluster;
  const channel = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'alerts',
    config: { url: `${receiver.url}/alerts` },
  });
  const monitor = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `${target.url}/health`,
    intervalSeconds: INTERVAL_SECONDS,
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

  // Each island announced its own incident.
  const announced = islandIncidents.map((incident) => incident.id);
  const rec = receiver;
  await waitFor(
    "each island's down alert at the receiver",
    () => (announced.every((id) => alerted(rec, 'monitor.down').includes(id)) ? true : undefined),
    20_000,
    200,
  );

  // The servers return while the target still fails for all: every node rejoins, drains its
  // outbox and applies the others' results, and judges the monitor again in one order.
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
  const sameIncidents = (what: string, done: (list: IncidentReply[]) => boolean) =>
    waitFor(
      what,
      async () => {
        const lists = await Promise.all(NODES.map(incidentsOf));
        seen = lists.map((list) => JSON.stringify(list));
        return seen.every((list) => list === seen[0]) && done(lists[0] ?? [])
          ? lists[0]
          : undefined;
      },
      30_000,
      250,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last seen:\n${seen.join('\n')}`);
    });
  const merged = await sameIncidents(
    'the same incidents on every node, one open',
    (list) => list.filter((incident) => incident.endedAt === null).length === 1,
  );
  await statusEverywhere('down');
  // Replacing an announced incident while down sends nothing: no up while it is down.
  assert.deepEqual(alerted(rec, 'monitor.up'), [], JSON.stringify(merged));

  // Healthy again for all: the open outage ends, and with it each incident folded into it.
  failingFor.clear();
  const timeline = await sameIncidents('the same incidents on every node, all closed', (list) =>
    list.every((incident) => incident.endedAt !== null),
  );
  // The islands' own incidents began at three different slots: one timeline keeps at most
  // one of them.
  assert.ok(timeline && timeline.length > 0, 'the outage is in the timeline');
  const ids = new Set(timeline.map((incident) => incident.id));
  const kept = new Set(announced.filter((id) => ids.has(id)));
  assert.ok(kept.size <= 1, JSON.stringify({ islandIncidents, timeline }));
  await statusEverywhere('up');

  // One down and one up per announced incident id, none missing, no other.
  await waitFor(
    'an up for each announced incident',
    () => (announced.every((id) => alerted(rec, 'monitor.up').includes(id)) ? true : undefined),
    30_000,
    200,
  );
  const downs = alerted(rec, 'monitor.down');
  const ups = alerted(rec, 'monitor.up');
  assert.deepEqual([...downs].sort(), [...announced].sort(), `downs: ${downs.join(', ')}`);
  assert.deepEqual([...ups].sort(), [...announced].sort(), `ups: ${ups.join(', ')}`);
});
