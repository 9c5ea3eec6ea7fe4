/**
 * Roles on every route: walks every authenticated operation of the OpenAPI document as a
 * viewer, a member, an admin and an owner of one account, and as the owner of another
 * account, over a real socket. Each answers as ROLE_TABLE says: allowed (2xx), 403 below the
 * route's role, 404 for another account's ids; a refused request changes nothing, and
 * another account's caller never sees or changes anything of the first account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import type { ConfigDoc } from '../cluster/index.js';
import { atLeast, ROLES, type Role, type User } from '../model/index.js';
import { totpAt, totpStep } from '../secrets/index.js';
import { issueToken } from './credentials.js';
import { routeSchema } from './openapi.js';
import { requireDeclaredRoles } from './roles.js';
import { createTestApi, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

/**
 * The least role each authenticated route needs. A route of the OpenAPI document missing
 * here fails the walk: add it (new routes are data here, with a body in BODIES and an id in
 * IDS). `ownBelow`: below that role the route reaches only the caller's own items (others'
 * answer 404). `operatorOnly`: only the operator's account (the one setup made) may; any
 * other account's caller gets 403.
 */
const ROLE_TABLE: Record<string, { role: Role; ownBelow?: Role; operatorOnly?: boolean }> = {
  'GET /api/v1/account': { role: 'viewer' },
  'PATCH /api/v1/account': { role: 'owner' },
  'POST /api/v1/auth/account': { role: 'viewer' },
  'POST /api/v1/auth/logout': { role: 'viewer' },
  'POST /api/v1/auth/password': { role: 'viewer' },
  'GET /api/v1/auth/totp': { role: 'viewer' },
  'POST /api/v1/auth/totp': { role: 'viewer' },
  'POST /api/v1/auth/totp/confirm': { role: 'viewer' },
  'POST /api/v1/auth/totp/disable': { role: 'viewer' },
  'GET /api/v1/sessions': { role: 'viewer' },
  'DELETE /api/v1/sessions': { role: 'viewer' },
  'DELETE /api/v1/sessions/{id}': { role: 'viewer' },
  'GET /api/v1/tokens': { role: 'viewer' },
  'POST /api/v1/tokens': { role: 'viewer' },
  'DELETE /api/v1/tokens/{id}': { role: 'viewer', ownBelow: 'admin' },
  'GET /api/v1/members': { role: 'viewer' },
  'PATCH /api/v1/members/{id}': { role: 'admin' },
  'DELETE /api/v1/members/{id}': { role: 'admin' },
  'GET /api/v1/invitations': { role: 'admin' },
  'POST /api/v1/invitations': { role: 'admin' },
  'DELETE /api/v1/invitations/{id}': { role: 'admin' },
  'GET /api/v1/monitors': { role: 'viewer' },
  'POST /api/v1/monitors': { role: 'member' },
  'GET /api/v1/monitors/{id}': { role: 'viewer' },
  'PATCH /api/v1/monitors/{id}': { role: 'member' },
  'DELETE /api/v1/monitors/{id}': { role: 'member' },
  'GET /api/v1/monitors/{id}/results': { role: 'viewer' },
  'GET /api/v1/monitors/{id}/uptime': { role: 'viewer' },
  'GET /api/v1/monitors/{id}/series': { role: 'viewer' },
  'GET /api/v1/monitors/summary': { role: 'viewer' },
  'GET /api/v1/incidents': { role: 'viewer' },
  'GET /api/v1/events': { role: 'viewer' },
  'GET /api/v1/cluster': { role: 'viewer' },
  'GET /api/v1/channels': { role: 'viewer' },
  'GET /api/v1/channel-types': { role: 'viewer' },
  'GET /api/v1/monitor-types': { role: 'viewer' },
  'POST /api/v1/channels': { role: 'member' },
  'GET /api/v1/channels/{id}': { role: 'viewer' },
  'PATCH /api/v1/channels/{id}': { role: 'member' },
  'DELETE /api/v1/channels/{id}': { role: 'member' },
  'POST /api/v1/channels/{id}/test': { role: 'member' },
  'GET /api/v1/deliveries': { role: 'viewer' },
  'GET /api/v1/maintenance': { role: 'viewer' },
  'POST /api/v1/maintenance': { role: 'member' },
  'GET /api/v1/maintenance/{id}': { role: 'viewer' },
  'PATCH /api/v1/maintenance/{id}': { role: 'member' },
  'DELETE /api/v1/maintenance/{id}': { role: 'member' },
  'GET /api/v1/status-pages': { role: 'viewer' },
  'POST /api/v1/status-pages': { role: 'member' },
  'GET /api/v1/status-pages/{id}': { role: 'viewer' },
  'PATCH /api/v1/status-pages/{id}': { role: 'member' },
  'DELETE /api/v1/status-pages/{id}': { role: 'member' },
  'GET /api/v1/quotas': { role: 'viewer' },
  'GET /api/v1/accounts': { role: 'owner', operatorOnly: true },
  'PATCH /api/v1/accounts/{id}/quotas': { role: 'owner', operatorOnly: true },
};

const PASSWORD = 'walk-password-1';
const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };
const WEBHOOK = { type: 'webhook', name: 'ops', config: { url: 'https://hooks.example.com/a' } };
const WINDOW = { name: 'upgrade', schedule: { kind: 'once', startsAt: 1, endsAt: 2 } };

/** The first account's entities a walked request names, made afresh after every change. */
interface Fixtures {
  accountId: string;
  monitor: string;
  channel: string;
  window: string;
  statusPage: string;
  /** An API token of the owner's. */
  token: string;
  invitation: string;
  /** A user with the member role in the first account (the target of member changes). */
  member: string;
  /** A session of the owner's. */
  ownerSession: string;
}

let serial = 0;
/**
 * The body each route with one is walked with: valid, so an allowed request succeeds. `as`
 * prepares the caller's own state a route needs (its TOTP) and returns the body.
 */
const BODIES: Record<string, (fixtures: Fixtures, as: CallerState) => Json | Promise<Json>> = {
  'PATCH /api/v1/account': () => ({ name: 'renamed' }),
  'POST /api/v1/auth/account': (f) => ({ accountId: f.accountId }),
  'POST /api/v1/auth/password': () => ({ currentPassword: PASSWORD, newPassword: PASSWORD }),
  'POST /api/v1/auth/totp': async (_f, as) => {
    await as.totpOff();
    return { password: PASSWORD };
  },
  'POST /api/v1/auth/totp/confirm': async (_f, as) => {
    await as.totpOff();
    const secret = await as.startTotp();
    return { code: totpAt(secret, totpStep(Date.now())) };
  },
  'POST /api/v1/auth/totp/disable': async (_f, as) => {
    await as.totpOff();
    const secret = await as.startTotp();
    const confirm = { code: totpAt(secret, totpStep(Date.now())) };
    const confirmed = await as.call('POST', '/api/v1/auth/totp/confirm', confirm);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    // A recovery code: the current code is used already.
    const [recovery] = confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes;
    return { password: PASSWORD, code: recovery ?? '' };
  },
  'POST /api/v1/tokens': () => ({ name: 'ci' }),
  'PATCH /api/v1/members/{id}': () => ({ role: 'viewer' }),
  'POST /api/v1/invitations': () => ({ email: `walk-${++serial}@example.com`, role: 'viewer' }),
  'POST /api/v1/monitors': () => HTTP_MONITOR,
  'PATCH /api/v1/monitors/{id}': () => ({ name: 'changed' }),
  'POST /api/v1/channels': () => WEBHOOK,
  'PATCH /api/v1/channels/{id}': () => ({ name: 'changed' }),
  'POST /api/v1/maintenance': () => WINDOW,
  'PATCH /api/v1/maintenance/{id}': () => ({ name: 'changed' }),
  'POST /api/v1/status-pages': () => ({ slug: `walk-${++serial}`, title: 'Walk', monitorIds: [] }),
  'PATCH /api/v1/status-pages/{id}': () => ({ title: 'changed' }),
  'PATCH /api/v1/accounts/{id}/quotas': () => ({ monitors: 100 }),
};

/** The id each path's `{id}` stands for, by its first segment under /api/v1. */
const IDS: Record<string, (fixtures: Fixtures, ownSession: string) => string> = {
  monitors: (f) => f.monitor,
  channels: (f) => f.channel,
  maintenance: (f) => f.window,
  'status-pages': (f) => f.statusPage,
  accounts: (f) => f.accountId,
  tokens: (f) => f.token,
  invitations: (f) => f.invitation,
  members: (f) => f.member,
  sessions: (_f, own) => own,
};

type Caller = Role | 'other';

/** What a body in BODIES may do as the walked caller, before the walked request. */
interface CallerState {
  /** A request with a session of the caller's. */
  call(method: 'POST', url: string, payload: Json): Promise<LightMyRequestResponse>;
  /** Starts a TOTP enrolment: its secret. */
  startTotp(): Promise<string>;
  /** Turns the caller's TOTP off, as stored (whatever an earlier walk left). */
  totpOff(): Promise<void>;
}

void describe('roles on every route', () => {
  let api: TestApi;
  let base: string;
  let accountId: string;
  const users = new Map<Caller, User>();

  before(async () => {
    api = await createTestApi({
      settings: { signup: 'open' },
      owner: { email: 'owner@example.com', password: PASSWORD },
    });
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const invited = await api.call('POST', '/api/v1/invitations', {
        payload: { email: `${role}@example.com`, role },
      });
      const accepted = await api.call('POST', '/api/v1/invitations/accept', {
        token: null,
        payload: { token: invited.json<{ token: string }>().token, password: PASSWORD },
      });
      assert.equal(accepted.statusCode, 201, accepted.body);
    }
    await signUp(api.app, 'other@example.com', PASSWORD);
    for (const caller of [...ROLES, 'other'] as const) {
      const user = api.deps.store.findUserByEmail<User>(`${caller}@example.com`);
      assert.ok(user);
      users.set(caller, user);
    }
    accountId = users.get('owner')?.accountId ?? '';
    assert.equal(users.get('viewer')?.accountId, accountId);
  });
  after(() => api.close());

  /** A fresh session of `caller`'s: its secret and id. */
  const sessionOf = async (caller: Caller) => {
    const user = users.get(caller);
    assert.ok(user);
    const { token, secret } = await issueToken(api.deps, user, 'session', 'walk');
    return { secret, id: token.id };
  };

  const callerState = (caller: Caller): CallerState => {
    const call: CallerState['call'] = async (method, url, payload) => {
      const { secret } = await sessionOf(caller);
      return api.call(method, url, { token: secret, payload });
    };
    return {
      call,
      startTotp: async () => {
        const started = await call('POST', '/api/v1/auth/totp', { password: PASSWORD });
        assert.equal(started.statusCode, 201, started.body);
        return started.json<{ secret: string }>().secret;
      },
      totpOff: async () => {
        const user = api.deps.store.getConfig<User & ConfigDoc>(
          'user',
          users.get(caller)?.id ?? '',
        );
        if (!user?.totp) return;
        const off = { ...user };
        delete off.totp;
        await api.deps.config.put<ConfigDoc>('user', off, user.revision);
      },
    };
  };

  const makeFixtures = async (): Promise<Fixtures> => {
    const owner = await sessionOf('owner');
    const create = async (url: string, payload: Json) => {
      const reply = await api.call('POST', url, { token: owner.secret, payload });
      assert.equal(reply.statusCode, 201, `${url}: ${reply.body}`);
      return reply.json<{ id: string }>().id;
    };
    const invitation = await create('/api/v1/invitations', {
      email: `invited-${++serial}@example.com`,
      role: 'member',
    });
    // A member to change and remove, written directly: it never logs in.
    const now = Date.now();
    const target = await api.deps.config.put(
      'user',
      {
        id: `usr_target${serial}`,
        accountId,
        email: `target-${serial}@example.com`,
        passwordHash: 'unused',
        role: 'member',
        createdAt: now,
        updatedAt: now,
      },
      0,
    );
    return {
      accountId,
      monitor: await create('/api/v1/monitors', HTTP_MONITOR),
      channel: await create('/api/v1/channels', WEBHOOK),
      window: await create('/api/v1/maintenance', WINDOW),
      statusPage: await create('/api/v1/status-pages', {
        slug: `page-${++serial}`,
        title: 'Page',
        monitorIds: [],
      }),
      token: await create('/api/v1/tokens', { name: 'owner ci' }),
      invitation,
      member: target.id,
      ownerSession: owner.id,
    };
  };

  /** The first account's config, as stored: what a refused request must leave alone. */
  const firstAccount = () =>
    JSON.stringify(api.deps.store.listConfigEntries().filter((e) => e.accountId === accountId));

  /** A request over the socket; an event stream is read up to its first event. */
  const send = async (method: string, url: string, secret: string, body?: Json) => {
    const controller = new AbortController();
    const reply = await fetch(base + url, {
      method,
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    let text = '';
    if (reply.headers.get('content-type')?.startsWith('text/event-stream')) {
      const reader = reply.body?.pipeThrough(new TextDecoderStream()).getReader();
      while (reader && !text.includes('\n\n')) text += (await reader.read()).value ?? '';
      controller.abort();
    } else {
      text = await reply.text();
    }
    return { status: reply.status, text };
  };

  void it('answers every route as the role table says, for each role and another account', async () => {
    const spec = (await api.call('GET', '/api/docs/json', { token: null })).json<{
      paths: Record<string, Record<string, { security?: unknown[]; 'x-tireless-role'?: string }>>;
    }>();
    let fixtures = await makeFixtures();
    let walked = 0;
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [lowerMethod, operation] of Object.entries(operations)) {
        if (operation.security?.length === 0) continue; // public: no caller to judge
        const route = `${lowerMethod.toUpperCase()} ${path}`;
        const expected = ROLE_TABLE[route];
        assert.ok(expected, `${route} is in the role table`);
        assert.equal(operation['x-tireless-role'], expected.role, `${route} documents its role`);
        for (const caller of ['viewer', 'member', 'admin', 'owner', 'other'] as const) {
          const session = await sessionOf(caller);
          const segment = path.split('/')[3] ?? '';
          const ownSession = caller === 'other' ? fixtures.ownerSession : session.id;
          const id = path.includes('{id}') ? IDS[segment]?.(fixtures, ownSession) : undefined;
          assert.ok(!path.includes('{id}') || id, `${route}: an id in IDS`);
          const url = path.replace('{id}', id ?? '');
          const body = await BODIES[route]?.(fixtures, callerState(caller));
          const before = firstAccount();
          const reply = await send(lowerMethod.toUpperCase(), url, session.secret, body);
          const what = `${caller} ${route}: ${reply.status} ${reply.text.slice(0, 200)}`;
          const changing = lowerMethod !== 'get';
          if (caller === 'other') {
            const outside = path.includes('{id}') || route === 'POST /api/v1/auth/account';
            if (expected.operatorOnly) assert.equal(reply.status, 403, what);
            else if (outside) assert.equal(reply.status, 404, what);
            else assert.ok(reply.status >= 200 && reply.status < 300, what);
            assert.equal(firstAccount(), before, `${what}: the first account unchanged`);
            // (A 404 may name the id the caller sent: nothing it did not know.)
            const sent = url + JSON.stringify(body ?? {});
            for (const mine of Object.values(fixtures) as string[]) {
              if (sent.includes(mine)) continue;
              assert.ok(!reply.text.includes(mine), `${what}: shows nothing of the first account`);
            }
          } else if (!atLeast(caller, expected.role)) {
            assert.equal(reply.status, 403, what);
            assert.equal(firstAccount(), before, `${what}: nothing changed`);
          } else if (expected.ownBelow && !atLeast(caller, expected.ownBelow)) {
            assert.equal(reply.status, 404, `${what}: not its own`);
            assert.equal(firstAccount(), before, `${what}: nothing changed`);
          } else {
            assert.ok(reply.status >= 200 && reply.status < 300, what);
            if (changing) fixtures = await makeFixtures();
          }
          walked++;
        }
      }
    }
    assert.equal(walked, Object.keys(ROLE_TABLE).length * 5, 'every route of the table walked');
  });
});

void describe('a route without a declared role', () => {
  void it('stops the API from building; with one it builds', async () => {
    const build = async (role?: Role) => {
      const app = Fastify();
      // An async plugin: what it throws fails ready() rather than the process.
      await app.register(async (scope) => {
        requireDeclaredRoles(scope);
        const docs = { tag: 'test', summary: 'probe', responses: { 200: 'ok' } };
        scope.get(
          '/probe',
          { schema: routeSchema({ ...docs, ...(role ? { role } : {}) }) },
          () => ({}),
        );
        await Promise.resolve();
      });
      await app.ready();
      await app.close();
    };
    await assert.rejects(build(), /route GET \/probe declares no role/);
    await build('viewer');
  });
});
