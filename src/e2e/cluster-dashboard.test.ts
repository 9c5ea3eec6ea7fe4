/**
 * The dashboard's server side across a cluster of started nodes: a browser session made on
 * one node works on the other (it is a session token, replicated as tokens are; its CSRF
 * token comes from its secret), each node's event stream tells the monitor's Up and Down
 * whichever node checks it, a session ended by id on one node is refused on the other, and
 * a logout on one node ends the session on the other.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  openEventStream,
  startRecordingHttpServer,
  waitFor,
  type EventStream,
  type RecordingHttpServer,
} from '../testing/index.js';
import { TestCluster } from './cluster-fixture.js';

let cluster: TestCluster | undefined;
let target: RecordingHttpServer | undefined;
const streams: EventStream[] = [];

after(async () => {
  for (const stream of streams) stream.close();
  await cluster?.close();
  await target?.close();
});

/** Waits until the stream has told `status` for the monitor. */
function told(stream: EventStream, monitorId: string, status: string): Promise<true> {
  return waitFor(
    `${status} on the stream`,
    () =>
      stream.events.some((event) => {
        const data = event.data as { monitorId?: string; status?: string };
        return event.event === 'state' && data.monitorId === monitorId && data.status === status;
      }) || undefined,
    20_000,
  );
}

test('cluster: a browser session works on every node, each node streams the events, an ended session and a logout hold everywhere', async () => {
  let healthy = true;
  target = await startRecordingHttpServer(() =>
    healthy ? { status: 200, body: 'ok' } : { status: 503, body: 'failing on purpose' },
  );
  cluster = await TestCluster.start(2);
  const [one, two] = [cluster.api(0).baseUrl, cluster.api(1).baseUrl];

  const login = await fetch(`${one}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@example.com', password: 'a long password' }),
  });
  assert.equal(login.status, 201);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const browser = { cookie, 'x-csrf-token': csrfToken };

  // The other node knows the session (its replica applied the token) and its CSRF token.
  await waitFor('the session on node 2', async () => {
    const reply = await fetch(`${two}/api/v1/auth/session`, { headers: { cookie } });
    const body = (await reply.json()) as { user: unknown; csrfToken: string | null };
    return body.user ? body : undefined;
  }).then((body) => assert.equal(body.csrfToken, csrfToken));
  const created = await fetch(`${two}/api/v1/monitors`, {
    method: 'POST',
    headers: { ...browser, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'shop',
      type: 'http',
      url: `${target.url}/health`,
      intervalSeconds: 1,
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const { id } = (await created.json()) as { id: string };

  for (const base of [one, two]) {
    streams.push(await openEventStream(`${base}/api/v1/events`, { cookie }));
  }
  await Promise.all(streams.map((stream) => told(stream, id, 'up')));
  healthy = false;
  await Promise.all(streams.map((stream) => told(stream, id, 'down')));

  // A session made on node 2, listed and ended from node 1, is refused on node 2.
  const phone = await fetch(`${two}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'a phone' },
    body: JSON.stringify({ email: 'owner@example.com', password: 'a long password' }),
  });
  assert.equal(phone.status, 200);
  const { token: phoneToken } = (await phone.json()) as { token: string };
  const phoneId = createHash('sha256').update(phoneToken).digest('hex');
  const listed = await waitFor('the phone session listed on node 1', async () => {
    const reply = await fetch(`${one}/api/v1/sessions`, { headers: { cookie } });
    const { items } = (await reply.json()) as { items: { id: string; userAgent: string }[] };
    return items.find((item) => item.id === phoneId);
  });
  assert.equal(listed.userAgent, 'a phone');
  const ended = await fetch(`${one}/api/v1/sessions/${phoneId}`, {
    method: 'DELETE',
    headers: browser,
  });
  assert.equal(ended.status, 204);
  await waitFor('the phone session ended on node 2', async () =>
    (await fetch(`${two}/api/v1/monitors`, { headers: { authorization: `Bearer ${phoneToken}` } }))
      .status === 401
      ? true
      : undefined,
  );
  assert.equal((await fetch(`${two}/api/v1/monitors`, { headers: { cookie } })).status, 200);

  const logout = await fetch(`${one}/api/v1/auth/logout`, { method: 'POST', headers: browser });
  assert.equal(logout.status, 204);
  await waitFor('the session ended on node 2', async () =>
    (await fetch(`${two}/api/v1/monitors`, { headers: { cookie } })).status === 401
      ? true
      : undefined,
  );
});
