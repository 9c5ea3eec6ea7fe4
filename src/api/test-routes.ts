/**
 * What the tests that walk every route of the API share (roles.test.ts walks each once per
 * role; the fuzzer, test-fuzz.ts, with hostile input): the role table, a valid body and an
 * id for each route, and a world of one account with a user of each role plus another
 * account, served on a real socket over a real store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, Agent } from 'node:http';
import type { Role, User } from '../model/index.js';
import { ROLES } from '../model/index.js';
import { issueToken } from './credentials.js';
import { addMember, createTestApi, signUp, type TestApi } from './testing.js';

export type Json = Record<string, unknown>;

/**
 * The least role each authenticated route needs. A route of the OpenAPI document missing
 * here fails the walk: add it (new routes are data here, with a body in BODIES and an id in
 * IDS). `ownBelow`: below that role the route reaches only the caller's own items (others'
 * answer 404). `operatorOnly`: only the operator's account (the one setup made) may; any
 * other account's caller gets 403. `expect`: a caller's answer where it is not the usual one
 * (nothing changes then). `fullFrom`: from that role in the operator's account the route
 * answers in full; below it, or from any other account, a reduced view that does not name
 * the node.
 */
export const ROLE_TABLE: Record<
  string,
  {
    role: Role;
    ownBelow?: Role;
    operatorOnly?: boolean;
    expect?: Partial<Record<Caller, number>>;
    fullFrom?: Role;
  }
> = {
  'GET /api/v1/account': { role: 'viewer' },
  'GET /api/v1/export': { role: 'viewer' },
  // An admin sets the retention (the body walked); renaming takes an owner (members.test.ts).
  'PATCH /api/v1/account': { role: 'admin' },
  // The first account is the operator's (409); the other's owner sends a wrong password (400):
  // the walks and the fuzzer must not delete the world they walk (account-deletion.test.ts does).
  'DELETE /api/v1/account': { role: 'owner', expect: { owner: 409, other: 400 } },
  'POST /api/v1/auth/account': { role: 'viewer' },
  'POST /api/v1/auth/logout': { role: 'viewer' },
  'POST /api/v1/auth/password': { role: 'viewer' },
  'GET /api/v1/auth/totp': { role: 'viewer' },
  'POST /api/v1/auth/totp': { role: 'viewer' },
  'POST /api/v1/auth/totp/confirm': { role: 'viewer' },
  'POST /api/v1/auth/totp/disable': { role: 'viewer' },
  'POST /api/v1/auth/totp/recovery-codes': { role: 'viewer' },
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
  'GET /api/v1/monitors/{id}/results.csv': { role: 'viewer' },
  'GET /api/v1/monitors/{id}/uptime': { role: 'viewer' },
  'GET /api/v1/monitors/{id}/series': { role: 'viewer' },
  'GET /api/v1/monitors/summary': { role: 'viewer' },
  'GET /api/v1/incidents': { role: 'viewer' },
  'GET /api/v1/events': { role: 'viewer' },
  'GET /api/v1/cluster': { role: 'viewer', fullFrom: 'admin' },
  'GET /api/v1/channels': { role: 'viewer' },
  'POST /api/v1/channels': { role: 'member' },
  'GET /api/v1/channels/{id}': { role: 'viewer' },
  'PATCH /api/v1/channels/{id}': { role: 'member' },
  'DELETE /api/v1/channels/{id}': { role: 'member' },
  'POST /api/v1/channels/{id}/test': { role: 'member' },
  'GET /api/v1/deliveries': { role: 'viewer' },
  'GET /api/v1/channel-types': { role: 'viewer' },
  'GET /api/v1/monitor-types': { role: 'viewer' },
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

export const PASSWORD = 'walk-password-1';
const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };
const WEBHOOK = { type: 'webhook', name: 'ops', config: { url: 'https://hooks.example.com/a' } };
const WINDOW = { name: 'upgrade', schedule: { kind: 'once', startsAt: 1, endsAt: 2 } };

/** An account's entities a walked request names. */
export interface Fixtures {
  accountId: string;
  monitor: string;
  channel: string;
  window: string;
  statusPage: string;
  /** An API token of the owner's. */
  token: string;
  invitation: string;
  /** A user with the member role in the account (the target of member changes). */
  member: string;
  /** A session of the owner's. */
  ownerSession: string;
}

let serial = 0;
/**
 * The body each route with one is walked with: valid, so an allowed request succeeds (the
 * TOTP routes also need the caller's own state first: roles.test.ts prepares it).
 */
export const BODIES: Record<string, (fixtures: Fixtures) => Json> = {
  'PATCH /api/v1/account': () => ({ retentionDays: 7 }),
  // Never PASSWORD (see ROLE_TABLE): no body the fuzzer makes of it deletes an account.
  'DELETE /api/v1/account': () => ({ password: 'not-the-walk-password' }),
  'POST /api/v1/auth/account': (f) => ({ accountId: f.accountId }),
  'POST /api/v1/auth/password': () => ({ currentPassword: PASSWORD, newPassword: PASSWORD }),
  'POST /api/v1/auth/totp': () => ({ password: PASSWORD }),
  'POST /api/v1/auth/totp/confirm': () => ({ code: '000000' }),
  'POST /api/v1/auth/totp/disable': () => ({ password: PASSWORD, code: '000000' }),
  'POST /api/v1/auth/totp/recovery-codes': () => ({ password: PASSWORD, code: '000000' }),
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
export const IDS: Record<string, (fixtures: Fixtures, ownSession: string) => string> = {
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

/** A user of the first account by its role, or the owner of another account. */
export type Caller = Role | 'other';
export const CALLERS: readonly Caller[] = [...ROLES, 'other'];

/** One operation of the OpenAPI document. */
export interface SpecOperation {
  security?: unknown[];
  'x-tireless-role'?: string;
  parameters?: { in: string; name: string; schema?: Json }[];
  requestBody?: { content: Record<string, { schema?: Json }> };
}

/** A route of the API as its OpenAPI document describes it. */
export interface SpecRoute {
  method: string;
  path: string;
  /** `METHOD /path`, as ROLE_TABLE names it. */
  route: string;
  /** Needs no caller. */
  public: boolean;
  operation: SpecOperation;
}

export interface Reply {
  status: number;
  text: string;
  contentType: string;
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RouteWorld {
  api: TestApi;
  /** The server's base URL on loopback. */
  base: string;
  /** The first account's id (the operator's, made by setup). */
  accountId: string;
  users: Map<Caller, User>;
  /** A fresh session of `caller`'s: its secret and id. */
  sessionOf(caller: Caller): Promise<{ secret: string; id: string }>;
  /**
   * Creates a monitor, a channel, a window, a status page, a token and an invitation through
   * the API as `owner` (the first account's owner, or 'other'), and a member written
   * directly (it never logs in); `label` goes into their names.
   */
  makeFixtures(owner?: 'owner' | 'other', label?: string): Promise<Fixtures>;
  /** Every route of the API's OpenAPI document. */
  routes(): Promise<SpecRoute[]>;
  /**
   * A request over the socket, headers and body as given (nothing added); an event stream is
   * read up to its first event.
   */
  send(method: string, url: string, options?: SendOptions): Promise<Reply>;
  /** The first account's config rows as stored: what a refused request must leave alone. */
  firstAccountConfig(): string;
  close(): Promise<void>;
}

/**
 * An API on a real socket (sign-up open) whose first account has a user of each role, and
 * another account made by sign-up, owned by `other@example.com`.
 */
export async function createRouteWorld(): Promise<RouteWorld> {
  const api = await createTestApi({
    settings: { signup: 'open' },
    owner: { email: 'owner@example.com', password: PASSWORD },
  });
  const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  for (const role of ['viewer', 'member', 'admin'] as const) {
    await addMember(api, role, PASSWORD);
  }
  await signUp(api.app, 'other@example.com', PASSWORD);
  const users = new Map<Caller, User>();
  for (const caller of CALLERS) {
    const user = api.deps.store.findUserByEmail<User>(`${caller}@example.com`);
    assert.ok(user);
    users.set(caller, user);
  }
  const accountId = users.get('owner')?.accountId ?? '';
  assert.equal(users.get('viewer')?.accountId, accountId);

  const sessionOf = async (caller: Caller) => {
    const user = users.get(caller);
    assert.ok(user);
    const { token, secret } = await issueToken(api.deps, user, 'session', 'walk');
    return { secret, id: token.id };
  };

  const makeFixtures = async (owner: 'owner' | 'other' = 'owner', label = 'walk') => {
    const session = await sessionOf(owner);
    const account = users.get(owner)?.accountId ?? '';
    const create = async (url: string, payload: Json) => {
      const reply = await api.call('POST', url, { token: session.secret, payload });
      assert.equal(reply.statusCode, 201, `${url}: ${reply.body}`);
      return reply.json<{ id: string }>().id;
    };
    const invitation = await create('/api/v1/invitations', {
      email: `invited-${++serial}@example.com`,
      role: 'member',
    });
    const now = Date.now();
    const target = await api.deps.config.put(
      'user',
      {
        id: `usr_target${randomBytes(8).toString('hex')}`,
        accountId: account,
        email: `${label}-target-${++serial}@example.com`,
        passwordHash: 'unused',
        role: 'member',
        createdAt: now,
        updatedAt: now,
      },
      0,
    );
    return {
      accountId: account,
      monitor: await create('/api/v1/monitors', { ...HTTP_MONITOR, name: `${label} shop` }),
      channel: await create('/api/v1/channels', { ...WEBHOOK, name: `${label} ops` }),
      window: await create('/api/v1/maintenance', { ...WINDOW, name: `${label} upgrade` }),
      statusPage: await create('/api/v1/status-pages', {
        slug: `page-${++serial}`,
        title: 'Page',
        monitorIds: [],
      }),
      token: await create('/api/v1/tokens', { name: `${label} ci` }),
      invitation,
      member: target.id,
      ownerSession: session.id,
    };
  };

  const routes = async () => {
    const spec = (await api.call('GET', '/api/docs/json', { token: null })).json<{
      paths: Record<string, Record<string, SpecOperation>>;
    }>();
    return Object.entries(spec.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([lowerMethod, operation]) => {
        const method = lowerMethod.toUpperCase();
        const isPublic = operation.security?.length === 0;
        return { method, path, route: `${method} ${path}`, public: isPublic, operation };
      }),
    );
  };

  // A connection per request: a server may close one after refusing a request (a body too
  // large), and a kept one could then fail the next request for no fault of the server's.
  const agent = new Agent({ keepAlive: false });
  const send = (method: string, url: string, options: SendOptions = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const { body } = options;
      // Node sends a GET's or DELETE's body unframed unless told its length.
      const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
      const headers = { ...length, ...options.headers };
      const outgoing = httpRequest(base + url, { method, agent, headers });
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`${method} ${url}: no answer`)));
      outgoing.on('error', reject);
      outgoing.on('response', (incoming) => {
        const contentType = String(incoming.headers['content-type'] ?? '');
        const stream = contentType.startsWith('text/event-stream');
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => {
          text += chunk;
          if (stream && text.includes('\n\n')) {
            incoming.destroy();
            resolve({ status: incoming.statusCode ?? 0, text, contentType });
          }
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text, contentType }));
        incoming.on('error', reject);
      });
      outgoing.end(body);
    });

  const close = async () => {
    agent.destroy();
    await api.close();
  };
  const firstAccountConfig = () =>
    JSON.stringify(
      api.deps.store.listConfigEntries().filter((entry) => entry.accountId === accountId),
    );
  return {
    api,
    base,
    accountId,
    users,
    sessionOf,
    makeFixtures,
    routes,
    send,
    firstAccountConfig,
    close,
  };
}

/** The headers of a JSON request as `secret`'s bearer. */
export function jsonHeaders(secret: string, body?: unknown): Record<string, string> {
  return {
    authorization: `Bearer ${secret}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
}
