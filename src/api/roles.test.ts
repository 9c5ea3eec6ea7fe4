/**
 * Roles on every route: walks every authenticated operation of the OpenAPI document as a
 * viewer, a member, an admin and an owner of one account, and as the owner of another
 * account, over a real socket. Each answers as ROLE_TABLE says: allowed (2xx), 403 below the
 * route's role, 404 for another account's ids; a refused request changes nothing, and
 * another account's caller never sees or changes anything of the first account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { ConfigDoc } from '../cluster/index.js';
import { atLeast, type Role, type User } from '../model/index.js';
import { totpAt, totpStep } from '../secrets/index.js';
import { routeSchema } from './openapi.js';
import { issueToken } from './credentials.js';
import { requireDeclaredRoles } from './roles.js';
import {
  BODIES,
  createRouteWorld,
  IDS,
  jsonHeaders,
  PASSWORD,
  ROLE_TABLE,
  type Caller,
  type Json,
  type RouteWorld,
} from './test-routes.js';

/** What a walked TOTP route needs of its caller's own state, prepared before it is walked. */
interface CallerState {
  /** A request with a session of the caller's. */
  call(method: 'POST', url: string, body: Json): Promise<{ status: number; text: string }>;
  /** Starts a TOTP enrolment: its secret. */
  startTotp(): Promise<string>;
  /** Turns the caller's TOTP off, as stored (whatever an earlier walk left). */
  totpOff(): Promise<void>;
}

/** The body of a route that needs the caller's own state: prepared, then returned. */
const PREPARED: Record<string, (as: CallerState) => Promise<Json>> = {
  'POST /api/v1/auth/totp': async (as) => {
    await as.totpOff();
    return { password: PASSWORD };
  },
  'POST /api/v1/auth/totp/confirm': async (as) => {
    await as.totpOff();
    const secret = await as.startTotp();
    return { code: totpAt(secret, totpStep(Date.now())) };
  },
  'POST /api/v1/auth/totp/disable': async (as) => {
    await as.totpOff();
    const secret = await as.startTotp();
    const confirmed = await as.call('POST', '/api/v1/auth/totp/confirm', {
      code: totpAt(secret, totpStep(Date.now())),
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    // A recovery code: the current code is used already.
    const [recovery] = (JSON.parse(confirmed.text) as { recoveryCodes: string[] }).recoveryCodes;
    return { password: PASSWORD, code: recovery ?? '' };
  },
  'POST /api/v1/auth/totp/recovery-codes': async (as) => {
    await as.totpOff();
    const secret = await as.startTotp();
    const now = totpStep(Date.now());
    const confirmed = await as.call('POST', '/api/v1/auth/totp/confirm', {
      code: totpAt(secret, now),
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    // The next step's code: the current one is used already.
    return { password: PASSWORD, code: totpAt(secret, now + 1) };
  },
};

void describe('roles on every route', () => {
  let world: RouteWorld;

  before(async () => {
    world = await createRouteWorld();
  });
  after(() => world.close());

  const firstAccount = () => world.firstAccountConfig();

  const send = (method: string, url: string, secret: string, body?: Json) =>
    world.send(method, url, {
      headers: jsonHeaders(secret, body),
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  const callerState = (caller: Caller): CallerState => {
    const call: CallerState['call'] = async (method, url, body) =>
      send(method, url, (await world.sessionOf(caller)).secret, body);
    return {
      call,
      startTotp: async () => {
        const started = await call('POST', '/api/v1/auth/totp', { password: PASSWORD });
        assert.equal(started.status, 201, started.text);
        return (JSON.parse(started.text) as { secret: string }).secret;
      },
      totpOff: async () => {
        const id = world.users.get(caller)?.id ?? '';
        const user = world.api.deps.store.getConfig<User & ConfigDoc>('user', id);
        if (!user?.totp) return;
        const off = { ...user };
        delete off.totp;
        await world.api.deps.config.put<ConfigDoc>('user', off, user.revision);
      },
    };
  };

  void it('answers every route as the role table says, for each role and another account', async () => {
    let fixtures = await world.makeFixtures();
    let walked = 0;
    for (const { method, path, route, operation, public: open } of await world.routes()) {
      if (open) continue; // public: no caller to judge
      const expected = ROLE_TABLE[route];
      assert.ok(expected, `${route} is in the role table`);
      assert.equal(operation['x-tireless-role'], expected.role, `${route} documents its role`);
      for (const caller of ['viewer', 'member', 'admin', 'owner', 'other'] as const) {
        const session = await world.sessionOf(caller);
        const segment = path.split('/')[3] ?? '';
        const ownSession = caller === 'other' ? fixtures.ownerSession : session.id;
        const id = path.includes('{id}') ? IDS[segment]?.(fixtures, ownSession) : undefined;
        assert.ok(!path.includes('{id}') || id, `${route}: an id in IDS`);
        const url = path.replace('{id}', id ?? '');
        const prepare = PREPARED[route];
        const body = prepare ? await prepare(callerState(caller)) : BODIES[route]?.(fixtures);
        const before = firstAccount();
        const reply = await send(method, url, session.secret, body);
        const what = `${caller} ${route}: ${reply.status} ${reply.text.slice(0, 200)}`;
        const changing = method !== 'GET';
        if (expected.fullFrom && reply.status === 200) {
          const wantFull: boolean = caller !== 'other' && atLeast(caller, expected.fullFrom);
          const named = reply.text.includes(world.api.deps.node.id);
          assert.equal(
            named,
            wantFull,
            `${what}: ${wantFull ? 'the full view' : 'a reduced view'}`,
          );
        }
        const special: number | undefined = expected.expect?.[caller];
        if (special !== undefined) {
          assert.equal(reply.status, special, what);
          assert.equal(firstAccount(), before, `${what}: nothing changed`);
        } else if (caller === 'other') {
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
          if (changing) fixtures = await world.makeFixtures();
        }
        walked++;
      }
    }
    assert.equal(walked, Object.keys(ROLE_TABLE).length * 5, 'every route of the table walked');
  });
});

/**
 * What a token capped at a role answers besides its role's usual answer: a session's own
 * routes that a token is refused by design.
 */
const TOKEN_EXPECT: Record<string, number> = {
  'POST /api/v1/auth/account': 403, // an API token acts where it was made; only a session switches
};

void describe('roles of API tokens', () => {
  let world: RouteWorld;

  before(async () => {
    world = await createRouteWorld();
  });
  after(() => world.close());

  const firstAccount = () => world.firstAccountConfig();

  void it("answers every route as its role allows for the owner's tokens capped at each role", async () => {
    const owner = world.users.get('owner');
    assert.ok(owner);
    let fixtures = await world.makeFixtures();
    let walked = 0;
    for (const { method, path, route, public: open } of await world.routes()) {
      if (open || PREPARED[route]) continue; // TOTP routes need a session's own state
      const expected = ROLE_TABLE[route];
      assert.ok(expected, `${route} is in the role table`);
      for (const role of ['viewer', 'member', 'admin', 'owner'] as const) {
        // A fresh token each time: logging out revokes the one that asks.
        const { secret } = await issueToken(world.api.deps, owner, 'api', `walk ${role}`, {
          role,
          accountId: world.accountId,
        });
        const segment = path.split('/')[3] ?? '';
        const id = path.includes('{id}') ? IDS[segment]?.(fixtures, fixtures.ownerSession) : '';
        const url = path.replace('{id}', id ?? '');
        const body = BODIES[route]?.(fixtures);
        const before = firstAccount();
        const reply = await world.send(method, url, {
          headers: jsonHeaders(secret, body),
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const what = `${role} token ${route}: ${reply.status} ${reply.text.slice(0, 200)}`;
        const refused: number | undefined = TOKEN_EXPECT[route] ?? expected.expect?.owner;
        if (!atLeast(role, expected.role)) {
          assert.equal(reply.status, 403, `${what}: above the token's role`);
          assert.equal(firstAccount(), before, `${what}: nothing changed`);
        } else if (refused !== undefined) {
          assert.equal(reply.status, refused, what);
          assert.equal(firstAccount(), before, `${what}: nothing changed`);
        } else {
          assert.ok(reply.status >= 200 && reply.status < 300, what);
          if (method !== 'GET') fixtures = await world.makeFixtures();
        }
        walked++;
      }
    }
    const walkable = Object.keys(ROLE_TABLE).length - Object.keys(PREPARED).length;
    assert.equal(walked, walkable * 4, 'every route of the table but the TOTP ones walked');
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
