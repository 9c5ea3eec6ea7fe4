import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  runTireless,
  startRecordingHttpServer,
  tempDir,
  waitFor,
  type RecordingHttpServer,
} from '../testing/index.js';
import { assertConfigRefused, TestCluster } from './cluster-fixture.js';

const MONITORS = 5;
const INTERVAL_MS = 2000;

let cluster: TestCluster | undefined;
let target: RecordingHttpServer | undefined;
let hooks: RecordingHttpServer | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
  await hooks?.close();
});

test('two of three nodes and their nats-servers killed -9: the survivor checks every monitor and sends the down alert; the others, back (one before its server), receive every result recorded meanwhile, none twice', async () => {
  let flakyStatus = 200;
  target = await startRecordingHttpServer((request) =>
    request.path === '/flaky' ? { status: flakyStatus, body: 'flaky' } : { status: 200 },
  );
  hooks = await startRecordingHttpServer();
  cluster = await TestCluster.start(3);
  const c = cluster;
  const channel = await c.api(0).expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hooks',
    config: { url: `${hooks.url}/tireless` },
  });
  const ids: string[] = [];
  for (let i = 0; i < MONITORS; i++) {
    const created = await c.api(i % 3).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name: `m${i}`,
      type: 'http',
      url: `${target.url}/${i === 0 ? 'flaky' : 'ok'}`,
      intervalSeconds: INTERVAL_MS / 1000,
      channelIds: [channel.id],
    });
    ids.push(created.id);
  }
  const flaky = ids[0] as string;
  for (let i = 0; i < 3; i++) await c.waitState(i, 'joined', 3);
  const startedAt = Date.now();
  await waitFor('results of every monitor on n1', async () => {
    for (const id of ids) {
      if (!(await c.resultsOf(0, id)).some((r) => r.slot >= startedAt)) return undefined;
    }
    return true;
  });

  // n2, n3 and their servers die at once: n1's server is alone, without a quorum.
  const killedAt = Date.now();
  await Promise.all([
    c.killNode(1),
    c.killNode(2),
    c.nats.servers[1]?.kill(),
    c.nats.servers[2]?.kill(),
  ]);
  await c.waitState(0, 'island', 1);
  await assertConfigRefused(c.api(0), /island mode/);
  await waitFor(
    'n1 checking every monitor',
    async () => {
      for (const id of ids) {
        const own = (await c.resultsOf(0, id)).filter(
          (r) => r.node === 'n1' && r.slot > killedAt + 4000,
        );
        if (own.length === 0) return undefined;
      }
      return true;
    },
    20_000,
    250,
  );
  const failingFrom = Date.now();
  flakyStatus = 503;
  const down = await waitFor(
    'the down alert from the survivor',
    () =>
      hooks?.requests.find((r) => {
        const body = r.json as { event?: string; monitor?: { id: string } } | undefined;
        return body?.event === 'monitor.down' && body.monitor?.id === flaky;
      }),
    20_000,
  );
  assert.ok(down, 'a down alert');
  const flakyDown = (await c.resultsOf(0, flaky)).filter(
    (r) => r.slot >= failingFrom && r.status === 'down',
  );
  assert.ok(flakyDown.length > 0 && flakyDown.every((r) => r.node === 'n1'));

  // n2 comes back before its server: it starts from its replica, in island mode.
  const restartAt = Date.now();
  await c.startNode(1);
  const island = await c.waitState(1, 'island', 1);
  assert.match(island.stateReason ?? '', /not joined to the cluster since this node started/);
  await waitFor('n2 checking while it is an island', async () => {
    const own = (await c.resultsOf(1, ids[1] as string)).filter(
      (r) => r.node === 'n2' && r.slot >= restartAt,
    );
    return own.length > 0 ? true : undefined;
  });

  // The servers, then n3: everyone joins and holds every result, each once.
  await Promise.all([c.nats.servers[1]?.start(), c.nats.servers[2]?.start()]);
  await c.startNode(2);
  for (let i = 0; i < 3; i++) await c.waitState(i, 'joined', 3, 40_000);
  const settledAt = Date.now();
  const everywhere = await c.sameResultsEverywhere(ids, killedAt - 2 * INTERVAL_MS, settledAt);
  // What the survivor recorded alone is on the nodes that were dead.
  const survivorAlone = everywhere.filter((key) => {
    const slot = Number(key.split(':')[1]);
    return key.endsWith(':n1') && slot > killedAt + 4000 && slot < restartAt;
  });
  assert.ok(survivorAlone.length >= ids.length, `${survivorAlone.length} results of n1 alone`);
});

test('a node with no replica and no reachable cluster refuses to start and says why; so does one with an island wait out of range', async () => {
  const { code, stderr, stdout } = await runTireless([
    'start',
    '--data',
    tempDir(),
    '--port',
    '0',
    '--cluster',
    'nats://127.0.0.1:1',
    '--node-id',
    'lonely',
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr + stdout,
    /cannot join the cluster at nats:\/\/127\.0\.0\.1:1 .*holds no replica .*knows nothing to check/,
  );
  const rushed = await runTireless([
    'start',
    '--data',
    tempDir(),
    '--cluster',
    'nats://127.0.0.1:1',
    '--island-after-ms',
    '50',
  ]);
  assert.equal(rushed.code, 1);
  assert.match(rushed.stderr + rushed.stdout, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\): .*1000/);
});
