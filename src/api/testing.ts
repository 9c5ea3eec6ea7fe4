/**
 * An API on real parts for tests: SQLite in a temp dir, the solo config writer, a real
 * SecretBox, real metrics, a silent logger, and an owner created through setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { createJudge, MaintenanceCalendar } from '../alerts/index.js';
import { systemClock, type Clock } from '../clock/index.js';
import { SoloConfigWriter } from '../cluster/index.js';
import { EventHub } from '../events/index.js';
import { createMetrics } from '../metrics/index.js';
import { PasswordHasher, SecretBox } from '../secrets/index.js';
import { Store, type CheckedResult, type IngestReport } from '../store/index.js';
import type { ApiDeps, ApiSettings, NodeMail } from './deps.js';
import type { ErrorReply } from './error-handler.js';
import { buildApi } from './build-api.js';

export interface TestApiOptions {
  /** Overrides of the test settings (sign-up closed, 1,000 auth attempts a minute). */
  settings?: Partial<ApiSettings>;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** The node's own mail. @defaultValue none: invitations are links only */
  mail?: NodeMail;
  /**
   * The password hasher. @defaultValue one shared by the test APIs at cheap parameters
   * (N=2^12): OWASP's take 128 MiB and ~0.4 s per hash, too much for every test's setup
   */
  passwords?: PasswordHasher;
  /** The owner created through setup. @defaultValue owner@example.com / correct-horse */
  owner?: { email: string; password: string };
  /** false: no setup (it stays open; `token` is ''), for tests of setup itself. @defaultValue true */
  setup?: boolean;
  /** The 32-byte secret key. @defaultValue a new random one */
  secretKey?: Buffer;
  /** Cluster mode: the node's view of its cluster. @defaultValue none (solo) */
  cluster?: ApiDeps['cluster'];
}

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  /** The owner's session token from setup ('' without setup). */
  token: string;
  owner: { email: string; password: string };
  /**
   * Injects a request: as the owner by default, with `token` as someone else, or with
   * `token: null` without any; `payload` objects are sent as JSON.
   */
  call(method: HTTPMethods, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
  /**
   * Stores check results as a node's result writer does: through the real judge (the one a
   * node coordinating the monitors runs), with the account's maintenance windows as stored,
   * and tells the event hub.
   */
  record(results: readonly CheckedResult[]): IngestReport;
  /** How often the API called deps.wakeDeliverer(). */
  wakes(): number;
  /** Closes the app and the store and deletes the temp dir. */
  close(): Promise<void>;
}

export interface CallOptions {
  payload?: string | object;
  /** @defaultValue the owner's token; null sends no Authorization header */
  token?: string | null;
  headers?: Record<string, string>;
  /** The client address, for rate limits. @defaultValue 127.0.0.1 */
  remoteAddress?: string;
}

/** The headers of a request made with `token`. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** The `error` of an error reply. */
export function errorOf(reply: LightMyRequestResponse): ErrorReply['error'] {
  return reply.json<ErrorReply>().error;
}

/** The names of the fields an error reply says are bad. */
export function badFields(reply: LightMyRequestResponse): string[] {
  return (errorOf(reply).fields ?? []).map((problem) => problem.field);
}

/**
 * Invites `<role>@example.com` into the account of `api`'s owner with that role, and accepts
 * it as a new user with `password`: returns the new member's session token.
 */
export async function addMember(api: TestApi, role: string, password: string): Promise<string> {
  const invited = await api.call('POST', '/api/v1/invitations', {
    payload: { email: `${role}@example.com`, role },
  });
  const accepted = await api.call('POST', '/api/v1/invitations/accept', {
    token: null,
    payload: { token: invited.json<{ token: string }>().token, password },
  });
  if (accepted.statusCode !== 201) throw new Error(`accepting as ${role}: ${accepted.body}`);
  return accepted.json<{ token: string }>().token;
}

/**
 * Signs up a new account (settings.signup must be 'open') and logs its owner in: returns the
 * session token.
 */
export async function signUp(
  app: FastifyInstance,
  email: string,
  password = 'correct-horse',
): Promise<string> {
  const payload = { email, password };
  const reply = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload });
  if (reply.statusCode !== 202)
    throw new Error(`sign-up failed: ${reply.statusCode} ${reply.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  return login.json<{ token: string }>().token;
}

/** The test APIs' password hasher: cheap, so that setup in every test costs little. */
const TEST_PASSWORDS = new PasswordHasher({ params: { N: 2 ** 12, r: 8, p: 1 }, maxPending: 64 });

export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'tireless-api-'));
  const store = new Store(join(dir, 'tireless.db'));
  let wakes = 0;
  const config = new SoloConfigWriter(store);
  const maintenance = new MaintenanceCalendar(store, config);
  const events = new EventHub();
  const deps: ApiDeps = {
    store,
    config,
    maintenance,
    events,
    secrets: new SecretBox(options.secretKey ?? SecretBox.generateKey()),
    clock: options.clock ?? systemClock,
    metrics: createMetrics({
      pendingDeliveries: () => store.countPendingDeliveries(),
      monitorsScheduled: () => 0,
    }),
    log: pino({ level: 'silent' }),
    node: { id: 'node-test', region: 'local', version: '0.0.0-test' },
    settings: {
      bodyLimitBytes: 1_048_576,
      signup: 'closed',
      authRateLimit: { max: 1000, windowMs: 60_000 },
      sessionTtlMs: 30 * 24 * 3600_000,
      sessionIdleMs: 7 * 24 * 3600_000,
      retentionDays: 30,
      trustProxy: false,
      ...options.settings,
    },
    passwords: options.passwords ?? TEST_PASSWORDS,
    ...(options.mail ? { mail: options.mail } : {}),
    wakeDeliverer: () => void wakes++,
    ...(options.cluster ? { cluster: options.cluster } : {}),
  };
  const app = await buildApi(deps);
  const close = async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const owner = options.owner ?? { email: 'owner@example.com', password: 'correct-horse' };
  let token = '';
  if (options.setup !== false) {
    const reply = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { ...owner, setupCode: deps.settings.setupCode },
    });
    if (reply.statusCode !== 201) {
      await close();
      throw new Error(`setup failed: ${reply.statusCode} ${reply.body}`);
    }
    token = reply.json<{ token: string }>().token;
  }
  const call = (method: HTTPMethods, url: string, call: CallOptions = {}) => {
    const as = call.token === undefined ? token : call.token;
    return app.inject({
      method,
      url,
      headers: { ...(as === null ? {} : bearer(as)), ...call.headers },
      ...(call.payload === undefined ? {} : { payload: call.payload }),
      ...(call.remoteAddress === undefined ? {} : { remoteAddress: call.remoteAddress }),
    });
  };
  const judge = events.observe(
    createJudge({ maintenanceOf: (accountId) => maintenance.windowsOf(accountId) }),
  );
  const record = (results: readonly CheckedResult[]) => {
    const report = store.ingest(results, judge);
    events.commit();
    return report;
  };
  return { app, deps, token, owner, call, record, wakes: () => wakes, close };
}
