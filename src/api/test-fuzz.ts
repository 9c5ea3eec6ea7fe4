/**
 * A property-based fuzzer of the whole API (fast-check): every route of the OpenAPI document,
 * with random and hostile bodies, queries, path ids and headers, as each role of one account,
 * as another account's owner and as nobody, over a real socket and a real store. Three
 * properties, counted rather than stopping at the first failure so a long run reports figures:
 *
 * 1. no answer is a 5xx;
 * 2. a refused request (4xx) changes nothing in the database;
 * 3. no answer shows another account's data, nor any secret (each account is seeded with
 *    marker strings: names, ids, emails, secrets, searched for in every answer).
 *
 * The world also holds a damaged row in each account (a sealed secret pasted from another
 * entity: it does not open), as a restored or tampered database may.
 */
import fc from 'fast-check';
import Database from 'better-sqlite3';
import type { User } from '../model/index.js';
import { issueToken } from './credentials.js';
import {
  BODIES,
  CALLERS,
  createRouteWorld,
  IDS,
  ROLE_TABLE,
  type Caller,
  type Fixtures,
  type Json,
  type RouteWorld,
  type SpecRoute,
} from './test-routes.js';

export interface FuzzOptions {
  seed: number;
  /** Requests to send (one per fast-check run). */
  runs: number;
  /** Told each request and its answer, in one line (to find what led to a failure). */
  trace?: (line: string) => void;
}

export interface FuzzFigures {
  seed: number;
  requests: number;
  /** Answers by status class: `2xx`, `4xx`, … */
  statuses: Record<string, number>;
  serverErrors: number;
  leaks: number;
  refusedButChanged: number;
  /** Requests with a read-only API token that changed something. */
  readOnlyChanged: number;
  /** Routes of the document the fuzzer sent at least one request to, of `routes`. */
  routesHit: number;
  routes: number;
  /** The first few failures, each with its request and answer. */
  failures: string[];
}

type Who = Caller | 'nobody';
const WHO: readonly Who[] = [...CALLERS, 'nobody'];
type Account = 'first' | 'other';

/** One generated request, its ids still choices: fixtures are known only when it runs. */
interface Draft {
  who: Who;
  route: number;
  id: IdChoice;
  auth: 'own' | 'none' | 'garbage' | 'foreign' | 'cookie' | 'cookie-csrf' | 'read-only';
  garbage: string;
  query: string;
  headers: Record<string, string>;
  body: BodyChoice;
  contentType: string | undefined;
}

type IdChoice =
  | { kind: 'own' }
  | { kind: 'foreign' }
  | { kind: 'sibling'; of: string }
  | { kind: 'raw'; value: string };

type BodyChoice =
  | { kind: 'none' }
  | { kind: 'valid'; changes: Change[] }
  | { kind: 'schema'; value: unknown }
  | { kind: 'raw'; text: string };

type Change =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'drop'; key: string }
  | { op: 'deep'; key: string; depth: number };

/** Keys that reach prototypes or shadow methods when code copies objects carelessly. */
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** Strings a careless parser, renderer, query or URL handling might trip on. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\u202eevil',
  '\ufeff{}',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e999',
  '9'.repeat(40),
  'enc:',
  'enc:v2:AAAA:BBBB:CCCC',
  'enc:v1:x:y:z',
  'enc:v2:' + 'A'.repeat(200),
  '********',
  '../../../etc/passwd',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE config; --',
  '${7*7}{{7*7}}',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]:1/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'mon_',
  'usr_target',
  'Bearer ',
  'a@b',
  '😀'.repeat(300),
  'é'.normalize('NFD'),
];

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  // Huge: past every field's limit, some past the body's (1 MiB).
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 1_200_000 }).map((n) => 'x'.repeat(n)) },
);

const nastyNumber = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 63), 1e-300),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const key = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...POLLUTING_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON value, hostile ones likelier; objects may have polluting keys. */
const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A value of `schema` (an OpenAPI schema as the document has it), hostile at times. */
function fromSchema(schema: Json | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 5) return nastyValue;
  const variants = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (variants) return fc.oneof(...variants.map((v) => fromSchema(v, depth + 1)));
  let valid: fc.Arbitrary<unknown>;
  const enumerated = schema.enum as unknown[] | undefined;
  if (enumerated?.length) valid = fc.constantFrom(...enumerated);
  else {
    switch (schema.type) {
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Json>;
        const fields = Object.fromEntries(
          Object.entries(properties).map(([name, sub]) => [name, fromSchema(sub, depth + 1)]),
        );
        const required = (schema.required ?? []) as string[];
        valid = fc.record(fields, {
          requiredKeys: required.filter((name) => name in properties),
        });
        break;
      }
      case 'array':
        valid = fc.array(fromSchema(schema.items as Json | undefined, depth + 1), {
          maxLength: 4,
        });
        break;
      case 'integer':
      case 'number': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : min + 100_000;
        valid = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1));
        break;
      }
      case 'boolean':
        valid = fc.boolean();
        break;
      case 'string':
        valid = fc.oneof(
          fc.constantFrom('https://example.com/x', 'example.com', 'a@example.com', '09:30', 'UTC'),
          fc.string({ maxLength: 20 }),
        );
        break;
      default:
        valid = nastyValue;
    }
  }
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: nastyValue });
}

/** A query string: the route's parameters and others, with values hostile at times. */
function queryOf(route: SpecRoute): fc.Arbitrary<string> {
  const names = (route.operation.parameters ?? []).filter((p) => p.in === 'query');
  const name = fc.oneof(
    ...(names.length > 0 ? [fc.constantFrom(...names.map((p) => p.name))] : []),
    fc.constantFrom('__proto__', 'constructor[prototype][x]', '__proto__[x]', 'limit', 'x'),
  );
  const value = fc.oneof(
    fc.integer({ min: -10, max: 10_000_000_000_000 }).map(String),
    nastyString.map((s) => s.slice(0, 300)),
  );
  const pair = fc.tuple(name, value).map(([n, v]) => `${encode(n)}=${encode(v)}`);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((p) => p.join('&')),
    },
    { weight: 1, arbitrary: fc.constantFrom('%zz', '&&=&', 'limit=1&limit=2', 'a[b][c][d]=1') },
  );
}

/** encodeURIComponent, which throws on a lone surrogate: such a string goes as %EF%BF%BD. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    ),
  );
}

/** A header value Node will send (printable Latin-1). */
const headerValue = fc
  .oneof(nastyString, fc.string({ maxLength: 30 }))
  .map((s) => s.slice(0, 8000).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?'));

const EXTRA_HEADERS = [
  'if-match',
  'if-none-match',
  'x-csrf-token',
  'x-forwarded-for',
  'x-forwarded-proto',
  'host',
  'accept',
  'accept-encoding',
  'user-agent',
  'origin',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  'application/json, text/plain',
];

/** Raw bodies that are not JSON, or JSON that is deep, huge or shaped oddly. */
const rawBody = fc.oneof(
  fc.constantFrom('', '{', '{"a":1,}', 'null', '[]', '1e999', '"x"', 'true', '\ufeff{}', '{}{}'),
  fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  fc.integer({ min: 50, max: 50_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 50, max: 50_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1_048_000, max: 1_100_000 }).map((n) => `{"name":"${'y'.repeat(n)}"}`),
);

function draftOf(routes: readonly SpecRoute[]): fc.Arbitrary<Draft> {
  return fc.integer({ min: 0, max: routes.length - 1 }).chain((index) => {
    const route = routes[index] as SpecRoute;
    const schema = route.operation.requestBody?.content['application/json']?.schema;
    const keys = Object.keys(schema?.properties ?? {});
    const fieldKey = fc.oneof(
      ...(keys.length > 0 ? [fc.constantFrom(...keys)] : []),
      fc.constantFrom(...POLLUTING_KEYS),
    );
    const change: fc.Arbitrary<Change> = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fieldKey, value: nastyValue }),
      fc.record({ op: fc.constant('drop' as const), key: fieldKey }),
      fc.record({
        op: fc.constant('deep' as const),
        key: fieldKey,
        depth: fc.integer({ min: 10, max: 20_000 }),
      }),
    );
    const body: fc.Arbitrary<BodyChoice> = fc.oneof(
      { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
      {
        weight: 4,
        arbitrary: fc
          .array(change, { maxLength: 3 })
          .map((changes) => ({ kind: 'valid' as const, changes })),
      },
      {
        weight: 3,
        arbitrary: fromSchema(schema).map((value) => ({ kind: 'schema' as const, value })),
      },
      { weight: 1, arbitrary: rawBody.map((text) => ({ kind: 'raw' as const, text })) },
    );
    const id: fc.Arbitrary<IdChoice> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'own' as const }) },
      { weight: 2, arbitrary: fc.constant({ kind: 'foreign' as const }) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...Object.keys(IDS), 'slug', 'push')
          .map((of) => ({ kind: 'sibling' as const, of })),
      },
      {
        weight: 1,
        arbitrary: nastyString.map((value) => ({ kind: 'raw' as const, value })),
      },
    );
    return fc.record({
      who: fc.constantFrom(...WHO),
      route: fc.constant(index),
      id,
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant('own' as const) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'none',
            'garbage',
            'foreign',
            'cookie',
            'cookie-csrf',
            'read-only',
          ),
        },
      ),
      garbage: headerValue,
      query: queryOf(route),
      headers: fc.dictionary(fc.constantFrom(...EXTRA_HEADERS), headerValue, { maxKeys: 2 }),
      body,
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constantFrom(undefined, ...CONTENT_TYPES) },
      ),
    });
  });
}

/** An account's marker strings: what must not show to anyone outside it. */
interface Markers {
  /** Shown only to the account: names, ids, emails. */
  private: Set<string>;
  /** Shown to nobody: secrets (replies mask them). */
  secret: Set<string>;
}

/** Placeholder of a deeply nested value, replaced in the serialised body. */
const DEEP = '\u0000deep\u0000';

/**
 * Runs the fuzzer: `runs` requests drawn from `seed`. Resolves with the figures whatever
 * they are: the caller decides what fails.
 */
export async function fuzzApi(options: FuzzOptions): Promise<FuzzFigures> {
  const world = await createRouteWorld();
  try {
    return await fuzzWorld(world, options);
  } finally {
    await world.close();
  }
}

async function fuzzWorld(world: RouteWorld, options: FuzzOptions): Promise<FuzzFigures> {
  const { api } = world;
  const store = api.deps.store;
  const routes = await world.routes();
  const accountOf = (who: Who): Account | undefined =>
    who === 'nobody' ? undefined : who === 'other' ? 'other' : 'first';
  const ownerOf = { first: 'owner', other: 'other' } as const;
  const accountIds = {
    first: world.accountId,
    other: world.users.get('other')?.accountId ?? '',
  };
  const markers: Record<Account, Markers> = {
    first: { private: new Set(), secret: new Set() },
    other: { private: new Set(), secret: new Set() },
  };
  const fixtures = {} as Record<Account, Fixtures & { slug: string; push: string }>;

  /** Seeds `account` with marked entities (again when the fuzzer deleted some). */
  const seed = async (account: Account) => {
    const label = `zq-${account}-mark`;
    // The fuzzer may have set the account quotas (as the operator) that refuse the seeds.
    const stored = store.getConfig<Json & { id: string; accountId: string; revision: number }>(
      'account',
      accountIds[account],
    );
    if (stored?.quotas !== undefined) {
      const fields = { ...stored };
      delete fields.quotas;
      await api.deps.config.put('account', fields, stored.revision);
    }
    const made = await world.makeFixtures(ownerOf[account], label);
    const owner = await world.sessionOf(ownerOf[account]);
    const create = async (url: string, payload: Json) => {
      const reply = await world.send('POST', url, {
        headers: { authorization: `Bearer ${owner.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      if (reply.status !== 201) throw new Error(`seeding ${url}: ${reply.status} ${reply.text}`);
      return JSON.parse(reply.text) as Json;
    };
    const secrets = {
      header: `zq-${account}-secret-header`,
      hook: `zq-${account}-secret-hook`,
      body: `zq-${account}-secret-body`,
    };
    const guarded = await create('/api/v1/monitors', {
      name: `${label} guarded`,
      type: 'http',
      url: 'https://api.example.com/health',
      headers: { 'X-Api-Key': secrets.header },
      method: 'POST',
      body: secrets.body,
    });
    const channel = await create('/api/v1/channels', {
      type: 'webhook',
      name: `${label} hook`,
      config: { url: 'https://hooks.example.com/b', secret: secrets.hook },
    });
    const push = await create('/api/v1/monitors', { name: `${label} beat`, type: 'push' });
    const page = store.getScoped<Json>('status-page', accountIds[account], made.statusPage);
    // A damaged row: the guarded monitor's sealed header pasted into another monitor, where
    // it does not open (bound to its place), as a tampered or mixed-up database may hold.
    const donor = store.getScoped<Json>('monitor', accountIds[account], String(guarded.id));
    const pasted = store.getScoped<Json>('monitor', accountIds[account], made.monitor);
    if (donor && pasted) {
      await api.deps.config.put(
        'monitor',
        { ...pasted, headers: donor.headers, revision: undefined } as never,
        Number(pasted.revision),
      );
    }
    fixtures[account] = {
      ...made,
      slug: typeof page?.slug === 'string' ? page.slug : '',
      push: typeof push.pushUrl === 'string' ? (push.pushUrl.split('/').pop() ?? '') : '',
    };
    const mine = markers[account];
    mine.private.add(label);
    for (const value of Object.values(made) as string[]) mine.private.add(value);
    for (const value of [guarded.id, channel.id, push.id]) mine.private.add(String(value));
    for (const value of Object.values(secrets)) mine.secret.add(value);
  };

  /**
   * Puts the cast back as it was where the fuzzer changed it (a member removed or its role
   * changed), so that each role keeps being tried; and re-seeds an account whose fixtures
   * were deleted.
   */
  const sessions = new Map<Caller, { secret: string; id: string }>();
  const readOnly = new Map<Caller, { secret: string; id: string }>();
  /** A read-only API token of `caller`'s (made again when the fuzzer revoked it). */
  const readOnlyToken = async (caller: Caller) => {
    const user = world.users.get(caller) as User;
    const known = readOnly.get(caller);
    if (known && store.getScoped('token', user.accountId, known.id)) return known;
    const { token, secret } = await issueToken(api.deps, user, 'api', 'fuzz read-only', {
      readOnly: true,
    });
    readOnly.set(caller, { secret, id: token.id });
    return { secret, id: token.id };
  };
  const tend = async () => {
    for (const caller of CALLERS) {
      const user = world.users.get(caller) as User;
      const now = store.getScoped<User & { revision: number }>('user', user.accountId, user.id);
      if (!now || now.role !== user.role || now.accountId !== user.accountId) {
        await api.deps.config.put('user', { ...user, updatedAt: Date.now() }, now?.revision ?? 0);
        sessions.delete(caller);
      }
      const session = sessions.get(caller);
      if (!session || !store.getScoped('token', user.accountId, session.id)) {
        sessions.set(caller, await world.sessionOf(caller));
      }
    }
    for (const account of ['first', 'other'] as const) {
      const f = fixtures[account];
      const gone = (kind: 'monitor' | 'channel' | 'maintenance' | 'status-page', id: string) =>
        !store.getScoped(kind, accountIds[account], id);
      if (
        gone('monitor', f.monitor) ||
        gone('channel', f.channel) ||
        gone('maintenance', f.window) ||
        gone('status-page', f.statusPage)
      ) {
        await seed(account);
      }
    }
  };

  // A second connection sees every commit of the store's: `data_version` changes with each.
  const watcher = new Database(store.path, { readonly: true });
  const dataVersion = () => watcher.pragma('data_version', { simple: true }) as number;
  const tables = (
    watcher.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[]
  )
    .map((t) => t.name)
    // The revision sequence moves with a session's lastSeenAt (below); a real change shows in
    // its table.
    .filter((name) => name !== 'config_sequence');
  /**
   * The whole database as text, but a session's `lastSeenAt` (and the revision it bumps):
   * noting when a session was last used is not a change the request made.
   */
  const dump = () =>
    tables
      .map((table) => {
        const rows = watcher.prepare(`SELECT * FROM "${table}"`).all() as Json[];
        return `${table}:${JSON.stringify(rows.map(withoutLastSeen))}`;
      })
      .join('\n');

  let dumped = { version: -1, text: '' };
  await seed('first');
  await seed('other');
  const figures: FuzzFigures = {
    seed: options.seed,
    requests: 0,
    statuses: {},
    serverErrors: 0,
    leaks: 0,
    refusedButChanged: 0,
    readOnlyChanged: 0,
    routesHit: 0,
    routes: routes.length,
    failures: [],
  };
  const hit = new Set<string>();
  /** Markers each account's callers wrote into their account themselves (then shown back). */
  const written: Record<Account, Set<string>> = { first: new Set(), other: new Set() };
  const fail = (what: string) => {
    if (figures.failures.length < 20) figures.failures.push(what);
  };

  const idFor = (draft: Draft, route: SpecRoute, account: Account | undefined) => {
    const mine = fixtures[account ?? 'first'];
    const theirs = fixtures[account === 'other' ? 'first' : 'other'];
    const segment = route.path.split('/')[3] ?? '';
    const pick = (f: typeof mine, of: string) => {
      if (route.path.includes('{slug}') || of === 'slug') return f.slug;
      if (route.path.includes('{token}') || of === 'push') return f.push;
      const session = sessions.get(ownerOf[account ?? 'first'])?.id ?? f.ownerSession;
      return IDS[of]?.(f, session) ?? f.monitor;
    };
    switch (draft.id.kind) {
      case 'own':
        return pick(mine, segment);
      case 'foreign':
        return pick(theirs, segment);
      case 'sibling':
        return pick(mine, draft.id.of);
      case 'raw':
        return draft.id.value;
    }
  };

  const bodyFor = (draft: Draft, route: SpecRoute, account: Account | undefined) => {
    const choice = draft.body;
    switch (choice.kind) {
      case 'none':
        return undefined;
      case 'raw':
        return choice.text;
      case 'schema':
        return JSON.stringify(choice.value) ?? '';
      case 'valid': {
        const base = BODIES[route.route]?.(fixtures[account ?? 'first']) ?? {};
        // JSON.parse makes `__proto__` an own key, as a request body would.
        const body = JSON.parse(JSON.stringify(base)) as Json;
        const deep: string[] = [];
        for (const change of choice.changes) {
          if (change.op === 'drop') delete body[change.key];
          else if (change.op === 'set') Object.defineProperty(body, change.key, own(change.value));
          else {
            Object.defineProperty(body, change.key, own(DEEP));
            deep.push('['.repeat(change.depth) + ']'.repeat(change.depth));
          }
        }
        let text = JSON.stringify(body);
        for (const nested of deep) text = text.replace(JSON.stringify(DEEP), nested);
        return text;
      }
    }
  };

  const oneRequest = async (draft: Draft) => {
    const route = routes[draft.route] as SpecRoute;
    const account = accountOf(draft.who);
    await tend();
    const id = idFor(draft, route, account);
    const path = route.path.replace(/\{[^}]+\}/, encode(id));
    const url = path + (draft.query ? `?${draft.query}` : '');
    const body = bodyFor(draft, route, account);
    const headers: Record<string, string> = { ...draft.headers };
    if (draft.contentType !== undefined && body !== undefined) {
      headers['content-type'] = draft.contentType;
    }
    const secret = draft.who === 'nobody' ? undefined : sessions.get(draft.who)?.secret;
    // `foreign`: the other account's owner's credential with this caller's ids and body.
    const foreignAccount: Account = account === 'other' ? 'first' : 'other';
    const foreign = sessions.get(ownerOf[foreignAccount])?.secret;
    /** The account whose credential the request carries: what it may be shown. */
    let as: Account | undefined;
    if (draft.auth === 'own' && secret) {
      headers.authorization = `Bearer ${secret}`;
      as = account;
    } else if (draft.auth === 'garbage') headers.authorization = draft.garbage;
    else if (draft.auth === 'foreign' && foreign) {
      headers.authorization = `Bearer ${foreign}`;
      as = foreignAccount;
    } else if (draft.auth.startsWith('cookie') && secret) {
      headers.cookie = `tireless_session=${secret}`;
      if (draft.auth === 'cookie-csrf') headers['x-csrf-token'] = draft.garbage;
      as = account;
    } else if (draft.auth === 'read-only' && draft.who !== 'nobody') {
      headers.authorization = `Bearer ${(await readOnlyToken(draft.who)).secret}`;
      as = account;
    }
    const sent = `${url} ${JSON.stringify(headers)} ${body ?? ''}`;

    const versionBefore = dataVersion();
    // Dumped again only after a commit: most requests change nothing.
    if (versionBefore !== dumped.version) dumped = { version: versionBefore, text: dump() };
    const before = dumped.text;
    let reply;
    try {
      reply = await world.send(route.method, url, {
        headers,
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      // Node refused to send it (a header it will not write): not a request.
      if ((error as { code?: string }).code === 'ERR_INVALID_CHAR') return;
      // The server dropped the connection or never answered: as bad as a 5xx.
      figures.requests++;
      figures.serverErrors++;
      fail(`no answer (${String(error)}): ${draft.who} ${route.method} ${url.slice(0, 300)}`);
      return;
    }
    figures.requests++;
    hit.add(route.route);
    const status = `${Math.floor(reply.status / 100)}xx`;
    figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
    const shortHeaders = Object.entries(headers).map(([n, v]) => `${n}: ${v.slice(0, 60)}`);
    const what = () =>
      `${draft.who} (${draft.auth} credential) ${route.method} ${url.slice(0, 300)} ` +
      `headers=${JSON.stringify(shortHeaders)} body=${(body ?? '').slice(0, 300)} ` +
      `→ ${reply.status} ${reply.text.slice(0, 400)}`;

    options.trace?.(what());
    if (reply.status >= 500) {
      figures.serverErrors++;
      fail(`5xx: ${what()}`);
    }
    if (reply.status >= 400 && reply.status < 500 && dataVersion() !== versionBefore) {
      const after = dump();
      if (after !== before) {
        figures.refusedButChanged++;
        fail(`refused but changed: ${what()}\n${firstDifference(before, after)}`);
      }
    }
    // (A public route ignores the token: a heartbeat is recorded whoever sends it. A read
    // numbers the ids it meets in `keys_*`: bookkeeping, not a change.)
    const readOnlyRoute = draft.auth === 'read-only' && !route.public;
    if (readOnlyRoute && dataVersion() !== versionBefore && !sameBut(before, dump(), 'keys_')) {
      figures.readOnlyChanged++;
      fail(`read-only token changed something: ${what()}`);
    }
    const changed = reply.status < 300 && route.method !== 'GET';
    for (const other of ['first', 'other'] as const) {
      const theirs = markers[other];
      if (changed && other === as) {
        for (const marker of theirs.private) if (sent.includes(marker)) written[other].add(marker);
      }
      const shown = [...theirs.secret, ...(other === as ? [] : theirs.private)];
      for (const marker of shown) {
        if (!reply.text.includes(marker) || sent.includes(marker)) continue;
        if (as && written[as].has(marker)) continue;
        // The operator's owner sees every account (its id, name, quotas): that is its job.
        const operator = as === 'first' && ROLE_TABLE[route.route]?.operatorOnly === true;
        if (operator && marker === accountIds[other]) continue;
        // A public status page shows what its account published: names of its monitors.
        if (route.public && !theirs.secret.has(marker) && route.path.includes('{slug}')) continue;
        figures.leaks++;
        fail(`leak of ${other}'s ${marker}: ${what()}`);
      }
    }
  };

  try {
    // A failure of the fuzzer's own (seeding, upkeep) stops it, with the cause in the message.
    await fc.assert(
      fc.asyncProperty(draftOf(routes), async (draft) => {
        await oneRequest(draft);
      }),
      { seed: options.seed, numRuns: options.runs, endOnFailure: true },
    );
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${String(error)}\ncaused by: ${String(cause)}`, { cause });
  } finally {
    watcher.close();
  }
  figures.routesHit = hit.size;
  return figures;
}

/** A property descriptor of an own, enumerable value (so `__proto__` is a plain key). */
function own(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

function withoutLastSeen(row: Json): Json {
  if (row.kind !== 'token' || typeof row.doc !== 'string') return row;
  const doc = JSON.parse(row.doc) as Json;
  if (doc.kind !== 'session') return row;
  const rest = { ...doc };
  delete rest.lastSeenAt;
  delete rest.updatedAt;
  delete rest.revision;
  return { ...row, revision: null, doc: rest };
}

/** Whether two dumps are the same but for the tables whose names start with `prefix`. */
function sameBut(before: string, after: string, prefix: string): boolean {
  const kept = (dump: string) =>
    dump
      .split('\n')
      .filter((line) => !line.startsWith(prefix))
      .join('\n');
  return kept(before) === kept(after);
}

/** The first line that differs between two dumps, shortened. */
function firstDifference(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const index = b.findIndex((line, i) => line !== a[i]);
  return `before: ${a[index]?.slice(0, 600)}\nafter:  ${b[index]?.slice(0, 600)}`;
}
