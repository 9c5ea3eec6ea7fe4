/**
 * Teams and roles across a cluster of started nodes, through the HTTP API only: the owner
 * invites on node A, the invitee accepts on B and logs in on C; a role change made on A holds
 * on C within a bounded time, and on the survivors after A is killed -9 right after it; a
 * removal made on B ends the member's session on C and every token of theirs on every node
 * (A too, once it is back); and another account's user gets 404 for the first account's
 * entities on every node, on every route of the OpenAPI document that takes an id.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApiClient, waitFor } from '../testing/index.js';
import { TestCluster } from './cluster-fixture.js';

/** Open sign-up makes the second account; its SSRF choice is required with it. */
const ENV = { TIRELESS_SIGNUP: 'open', TIRELESS_ALLOW_PRIVATE_TARGETS: 'true' };
/** How long a role change or a removal made on one node may take to hold on another, ms. */
const REPLICATED_WITHIN_MS = 5000;
const [A, B, C] = [0, 1, 2] as const;
const MEMBER = { email: 'member@example.com', password: 'the member password' };
const OUTSIDER = { email: 'outsider@example.com', password: 'the outsider password' };

let cluster: TestCluster | undefined;

after(async () => {
  await cluster?.close();
});

/** Waits until `probe` answers `status`, and says how long that took from `since`. */
async function answersWithin(
  what: string,
  status: number,
  since: number,
  probe: () => Promise<{ status: number }>,
): Promise<number> {
  await waitFor(what, async () => ((await probe()).status === status ? true : undefined), 20_000);
  const took = Date.now() - since;
  assert.ok(took < REPLICATED_WITHIN_MS, `${what} took ${took} ms`);
  return took;
}

/** The id of a token (a session's too) from its secret: the sha256 the API names it by. */
function tokenIdOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

test('cluster members: invited on A, accepted on B, logged in on C; a role change and a removal hold on every node, with A killed -9 between; another account gets 404 everywhere', async (t) => {
  cluster = await TestCluster.start(3, { nodes: [{ env: ENV }, { env: ENV }, { env: ENV }] });
  const c = cluster;
  const ownerOn = (i: number) => c.api(i);
  const url = (i: number) => c.api(i).baseUrl;

  // Account A's entities, made by its owner on node A.
  const monitor = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: 'http://127.0.0.1:9/',
    intervalSeconds: 60,
  });
  const channel = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'ops',
    config: { url: 'http://127.0.0.1:9/hook' },
  });
  const window = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/maintenance', {
    name: 'upgrade',
    schedule: { kind: 'once', startsAt: 1, endsAt: 2 },
  });
  const page = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/status-pages', {
    slug: 'acme',
    title: 'Acme',
    monitorIds: [monitor.id],
  });
  const ownerToken = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/tokens', {
    name: 'ci',
  });
  const account = await ownerOn(A).expect<{ id: string }>(200, 'GET', '/api/v1/account');
  const pending = await ownerOn(A).expect<{ id: string }>(201, 'POST', '/api/v1/invitations', {
    email: 'later@example.com',
    role: 'viewer',
  });

  // The invitation link, made on A, accepted on B by a new user.
  const invitation = await ownerOn(A).expect<{ token: string; link: string }>(
    201,
    'POST',
    '/api/v1/invitations',
    { email: MEMBER.email, role: 'member' },
  );
  assert.equal(invitation.link, `/invitation#${invitation.token}`);
  const accepted = await new ApiClient(url(B)).expect<{ token: string; role: string }>(
    201,
    'POST',
    '/api/v1/invitations/accept',
    { token: invitation.token, password: MEMBER.password },
  );
  assert.equal(accepted.role, 'member');
  // The link works once, whichever node it is opened on.
  const again = await new ApiClient(url(C)).request('POST', '/api/v1/invitations/accept', {
    token: invitation.token,
    password: MEMBER.password,
  });
  assert.equal(again.status, 404);

  // The member logs in on C and writes there; and makes an API token there.
  const login = await new ApiClient(url(C)).expect<{ token: string }>(
    200,
    'POST',
    '/api/v1/auth/login',
    MEMBER,
  );
  const memberOn = (i: number, token = login.token) => new ApiClient(url(i), token);
  const own = await memberOn(C).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: "member's",
    type: 'http',
    url: 'http://127.0.0.1:9/',
    intervalSeconds: 60,
  });
  const rename = (client: ApiClient) =>
    client.request('PATCH', `/api/v1/monitors/${own.id}`, { name: 'renamed' });
  assert.equal((await rename(memberOn(C))).status, 200);
  const apiToken = await memberOn(C).expect<{ token: string }>(201, 'POST', '/api/v1/tokens', {
    name: 'member ci',
  });
  const memberTokens = [login.token, accepted.token, apiToken.token];

  // The owner sees the member on A and makes them a viewer there; A dies right after.
  const members = await waitFor('the member listed on A', async () => {
    const { items } = await ownerOn(A).expect<{ items: { id: string; email: string }[] }>(
      200,
      'GET',
      '/api/v1/members',
    );
    return items.some((item) => item.email === MEMBER.email) ? items : undefined;
  });
  const memberId = members.find((item) => item.email === MEMBER.email)?.id as string;
  const ownerId = members.find((item) => item.email === 'owner@example.com')?.id as string;
  const changedAt = Date.now();
  const changed = await ownerOn(A).expect<{ role: string }>(
    200,
    'PATCH',
    `/api/v1/members/${memberId}`,
    { role: 'viewer' },
  );
  assert.equal(changed.role, 'viewer');
  await c.killNode(A);

  // On the survivors every token of the member's now reads and may not write.
  const roleTook = await answersWithin('a write of the viewer refused on C', 403, changedAt, () =>
    rename(memberOn(C)),
  );
  t.diagnostic(`the role change made on n1 held on n3 after ${roleTook} ms`);
  for (const i of [B, C]) {
    for (const token of memberTokens) {
      assert.equal((await rename(memberOn(i, token))).status, 403, `n${i + 1} write`);
      const read = await memberOn(i, token).request('GET', `/api/v1/monitors/${own.id}`);
      assert.equal(read.status, 200, `n${i + 1} read`);
    }
  }

  // The owner removes the member on B: the session on C ends, and every token everywhere.
  const removedAt = Date.now();
  await ownerOn(B).expect(204, 'DELETE', `/api/v1/members/${memberId}`);
  const removalTook = await answersWithin("the member's session ended on C", 401, removedAt, () =>
    memberOn(C).request('GET', '/api/v1/monitors'),
  );
  t.diagnostic(`the removal made on n2 ended the session on n3 after ${removalTook} ms`);
  for (const i of [B, C]) {
    for (const token of memberTokens) {
      const reply = await memberOn(i, token).request('GET', '/api/v1/monitors');
      assert.equal(reply.status, 401, `n${i + 1}: a token of the removed member`);
    }
  }
  const relogin = await new ApiClient(url(C)).request('POST', '/api/v1/auth/login', MEMBER);
  assert.equal(relogin.status, 401, 'the removed member cannot log in again');

  // A comes back on its data dir: what was decided while it was dead holds there too.
  await c.startNode(A);
  await waitFor(
    "the member's tokens refused on A",
    async () => {
      for (const token of memberTokens) {
        if ((await memberOn(A, token).request('GET', '/api/v1/monitors')).status !== 401) {
          return undefined;
        }
      }
      return true;
    },
    20_000,
  );

  // Another account, signed up on C and logged in on B, on every node: 404 for account A's
  // entities on every route that takes an id; none of them in its lists.
  await new ApiClient(url(C)).expect(202, 'POST', '/api/v1/auth/signup', OUTSIDER);
  const outsider = await waitFor('the outsider logged in on B', async () => {
    const reply = await new ApiClient(url(B)).request<{ token: string }>(
      'POST',
      '/api/v1/auth/login',
      OUTSIDER,
    );
    return reply.status === 200 ? reply.body.token : undefined;
  });
  const idOf: Record<string, string> = {
    monitors: monitor.id,
    channels: channel.id,
    maintenance: window.id,
    'status-pages': page.id,
    members: ownerId,
    invitations: pending.id,
    tokens: ownerToken.id,
    sessions: tokenIdOf(c.api(B).token as string),
  };
  const bodyOf: Record<string, unknown> = {
    'PATCH /api/v1/monitors/{id}': { name: 'mine now' },
    'PATCH /api/v1/channels/{id}': { name: 'mine now' },
    'PATCH /api/v1/maintenance/{id}': { name: 'mine now' },
    'PATCH /api/v1/status-pages/{id}': { title: 'mine now' },
    'PATCH /api/v1/members/{id}': { role: 'viewer' },
    'PATCH /api/v1/accounts/{id}/quotas': { monitors: 1 },
  };
  const spec = await new ApiClient(url(B)).expect<{
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  }>(200, 'GET', '/api/docs/json');
  // The authenticated API's routes that name an entity (public ones need no caller).
  const withId = Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/api/v1/') && path.includes('{id}'))
    .flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.security?.length !== 0)
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
  assert.ok(withId.length >= 20, `${withId.length} routes with an id`);
  for (const i of [A, B, C]) {
    const as = new ApiClient(url(i), outsider);
    await waitFor(`the outsider's token on n${i + 1}`, async () =>
      (await as.request('GET', '/api/v1/monitors')).status === 200 ? true : undefined,
    );
    for (const { method, path } of withId) {
      const segment = path.split('/')[3] as string;
      const route = `${method} ${path}`;
      if (segment === 'accounts') {
        // The operator's routes refuse every other account before reading the id.
        const reply = await as.request(method, path.replace('{id}', account.id), bodyOf[route]);
        assert.equal(reply.status, 403, `n${i + 1} ${route}`);
        continue;
      }
      const id = idOf[segment];
      assert.ok(id, `${route}: no entity of account A for it; add one here`);
      const reply = await as.request(method, path.replace('{id}', id), bodyOf[route]);
      assert.equal(reply.status, 404, `n${i + 1} ${route}: ${JSON.stringify(reply.body)}`);
    }
    const incidents = await as.request('GET', `/api/v1/incidents?monitorId=${monitor.id}`);
    assert.equal(incidents.status, 404, `n${i + 1} incidents of account A's monitor`);
    const list = await as.expect<{ items: { id: string }[] }>(200, 'GET', '/api/v1/monitors');
    assert.deepEqual(list.items, [], `n${i + 1}: the outsider's monitor list`);
    const summary = await as.expect<{ items: unknown[] }>(200, 'GET', '/api/v1/monitors/summary');
    assert.deepEqual(summary.items, [], `n${i + 1}: the outsider's summary`);
  }
  // Account A's entities are all still there (no 404 above hid a change).
  for (const i of [A, B, C]) {
    const kept = await ownerOn(i).expect<{ name: string }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}`,
    );
    assert.equal(kept.name, 'shop');
    await ownerOn(i).expect(200, 'GET', `/api/v1/channels/${channel.id}`);
  }
});
