import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConfigDoc } from '../cluster/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import { sameSecret } from '../secrets/index.js';
import { lesserRole, type Role, type Token, type User } from '../model/index.js';
import type { ApiDeps, ApiSettings } from './deps.js';
import { roleIn } from './roles.js';
import { FailureLimiter } from './failure-limit.js';
import { isExpired, lastSeenDue, type SessionLimits } from './token-life.js';

/** Who made an authenticated request. */
export interface Caller {
  /** The account the request acts in: every read and write is scoped to it. */
  accountId: string;
  userId: string;
  /** The caller's role in `accountId`, no more than its token's. */
  role: Role;
  /** Id of the token the request presented (sha256 hex of its secret). */
  tokenId: string;
  /** The account the token is stored in (a session's: the user's home account). */
  tokenAccountId: string;
  /** The user's home account, where its sessions are stored. */
  homeAccountId: string;
  /** A read-only API token: every change it asks for is refused. */
  readOnly: boolean;
  /**
   * The session's CSRF token when the request came with the session cookie (a browser), which
   * its writes must send in `X-CSRF-Token`; absent for a bearer token.
   */
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer check of /api/v1; null on public routes. */
    caller: Caller | null;
  }
}

const TOKEN_PREFIX = 'tl_';
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** A new bearer secret: `tl_` and 32 random bytes, base64url. */
function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** A token's id: the sha256 (hex) of its secret, so the store never holds the secret. */
function tokenIdOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The session limits the settings set. */
export function sessionLimits(settings: ApiSettings): SessionLimits {
  return { idleMs: settings.sessionIdleMs, maxAgeMs: settings.sessionTtlMs };
}

/** What a new token records besides its kind and name. */
export interface IssueOptions {
  /** A session's login request: its User-Agent and client address are recorded. */
  request?: FastifyRequest;
  /** An API token's expiry, ms since the epoch. @defaultValue null (never) */
  expiresAt?: number | null;
  /** An API token that may only read. @defaultValue false */
  readOnly?: boolean;
  /** The account an API token acts in (the user must be a member). @defaultValue the user's home */
  accountId?: string;
  /** An API token's most role. @defaultValue the creator's */
  role?: Role;
  /** A session's account to act in, other than the user's home. @defaultValue none */
  actingAccountId?: string;
}

/** Longest User-Agent a session records, characters. */
const USER_AGENT_MAX = 200;

/**
 * Creates a token for `user` and returns it with its secret, which exists nowhere else.
 * Sessions end when idle or old (token-life); API tokens at `expiresAt` if given, else when
 * revoked. The user's expired tokens are removed on the way, so those never presented again
 * do not pile up.
 */
export async function issueToken(
  deps: ApiDeps,
  user: User,
  kind: Token['kind'],
  name: string,
  options: IssueOptions = {},
): Promise<{ token: Token; secret: string }> {
  const secret = newTokenSecret();
  const now = deps.clock.now();
  const limits = sessionLimits(deps.settings);
  const accountId = options.accountId ?? user.accountId;
  for (const old of deps.store.listScoped<Token>('token', accountId)) {
    if (old.userId === user.id && isExpired(old, now, limits)) forget(deps, old);
  }
  const { request } = options;
  const fields =
    kind === 'session'
      ? {
          expiresAt: now + limits.maxAgeMs,
          lastSeenAt: now,
          userAgent: request?.headers['user-agent']?.slice(0, USER_AGENT_MAX) ?? null,
          ip: request?.ip ?? null,
          ...(options.actingAccountId === undefined
            ? {}
            : { actingAccountId: options.actingAccountId }),
        }
      : {
          expiresAt: options.expiresAt ?? null,
          readOnly: options.readOnly ?? false,
          ...(options.role === undefined ? {} : { role: options.role }),
        };
  const token = await deps.config.put<Token & ConfigDoc>(
    'token',
    {
      id: tokenIdOf(secret),
      accountId,
      userId: user.id,
      kind,
      name,
      ...fields,
      createdAt: now,
      updatedAt: now,
    },
    0,
  );
  return { token, secret };
}

/**
 * Ends every session of a user but the one with id `keep`, on every node (a config delete
 * replicates); API tokens stay. Sessions made on another node a moment ago are included:
 * the replica catches up first. Returns how many ended.
 */
export async function endSessions(
  deps: ApiDeps,
  accountId: string,
  userId: string,
  keep?: string,
): Promise<number> {
  await deps.config.caughtUp();
  const ending = deps.store
    .listScoped<Token>('token', accountId)
    .filter((token) => token.kind === 'session' && token.userId === userId && token.id !== keep);
  await Promise.all(
    ending.map((token) =>
      deps.config.remove('token', accountId, token.id).catch((error: unknown) => {
        // Ended already (a logout, another node's expiry): that is what was asked.
        if (!(error instanceof TirelessError && error.code === 'TIRELESS_NOT_FOUND')) throw error;
      }),
    ),
  );
  return ending.length;
}

/** The browser session's cookie: a session token's secret, HttpOnly and SameSite=Strict. */
const SESSION_COOKIE = 'tireless_session';
/** The header a cookie session's writes carry their CSRF token in. */
const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller a request proves: an `Authorization: Bearer` header, else the session cookie;
 * undefined for none or a bad one. A cookie request that changes something must carry the
 * session's CSRF token in `X-CSRF-Token` (another site can make the browser send the cookie,
 * not read the token), or it is refused; a bearer request needs none. A read-only token's
 * changes are refused here, for every route that authenticates: no route can forget it.
 */
export async function authenticate(
  deps: ApiDeps,
  request: FastifyRequest,
): Promise<Caller | undefined> {
  const { authorization } = request.headers;
  const changes = !SAFE_METHODS.has(request.method);
  if (authorization !== undefined) {
    const caller = await callerOfSecret(deps, BEARER.exec(authorization)?.[1], request.ip);
    if (caller?.readOnly && changes) {
      throw new TirelessError(
        'TIRELESS_FORBIDDEN',
        'this API token is read-only: it cannot change anything (GET, HEAD and OPTIONS only)',
      );
    }
    return caller;
  }
  const secret = cookieValue(request.headers.cookie, SESSION_COOKIE);
  const caller = await callerOfSecret(deps, secret, request.ip);
  if (!caller || secret === undefined) return undefined;
  const csrfToken = csrfTokenOf(secret);
  if (changes && !sameSecret(request.headers[CSRF_HEADER], csrfToken)) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      'a change made with the session cookie needs its CSRF token in the X-CSRF-Token header',
    );
  }
  return { ...caller, csrfToken };
}

/**
 * A session's CSRF token: derived from its secret (so every node of a cluster knows it
 * without storing it), and telling nothing about the secret.
 */
export function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('tireless csrf token').digest('base64url');
}

/** The value of cookie `name` in a Cookie header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Sets the session cookie to `secret` for `maxAgeMs`, or clears it (`null`). Secure when the
 * request came over TLS, or a trusted proxy says it did.
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string | null,
  maxAgeMs = 0,
): void {
  const value = secret ?? '';
  const maxAge = secret === null ? 0 : Math.floor(maxAgeMs / 1000);
  const secure = request.protocol === 'https' ? '; Secure' : '';
  void reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`,
  );
}

/**
 * The caller a token's secret proves, or undefined. A token this replica does not hold may
 * have been made on another node a moment ago: it is looked up again once the replica has
 * caught up with the cluster; a client address that presents too many unknown tokens gets a
 * 429 instead, before that wait. An expired token is removed; a session's use is recorded
 * (`lastSeenAt`) at most every LAST_SEEN_EVERY_MS.
 */
async function callerOfSecret(
  deps: ApiDeps,
  secret: string | undefined,
  ip: string,
): Promise<Caller | undefined> {
  if (secret === undefined || !secret.startsWith(TOKEN_PREFIX)) return undefined;
  const id = tokenIdOf(secret);
  let token = deps.store.getConfig<Token>('token', id);
  if (token === undefined) {
    const unknown = unknownTokens(deps);
    unknown.check(ip, 'too many requests with unknown tokens from this address');
    await deps.config.caughtUp();
    token = deps.store.getConfig<Token>('token', id);
    if (!token) {
      unknown.fail(ip);
      return undefined;
    }
  }
  const now = deps.clock.now();
  if (isExpired(token, now, sessionLimits(deps.settings))) {
    forget(deps, token);
    return undefined;
  }
  // A removed user's tokens die with it.
  const user = deps.store.getConfig<User>('user', token.userId);
  if (!user) return undefined;
  let accountId = token.actingAccountId ?? token.accountId;
  let role = roleIn(deps.store, user, accountId);
  if (role === undefined && token.kind === 'session') {
    // Removed from the account it switched to: the session goes on at home.
    accountId = user.accountId;
    role = user.role;
  }
  // An API token of a user no longer in its account is refused.
  if (role === undefined) return undefined;
  if (lastSeenDue(token, now)) seen(deps, token, now);
  return {
    accountId,
    userId: user.id,
    role: token.role === undefined ? role : lesserRole(role, token.role),
    tokenId: token.id,
    tokenAccountId: token.accountId,
    homeAccountId: user.accountId,
    readOnly: token.readOnly === true,
  };
}

const unknownTokenLimiters = new WeakMap<ApiDeps, FailureLimiter>();

/** The API's count of unknown tokens per client address (one per deps: per API). */
function unknownTokens(deps: ApiDeps): FailureLimiter {
  let limiter = unknownTokenLimiters.get(deps);
  if (!limiter) {
    const limit = deps.settings.unknownTokensPerAddress ?? { max: 60, windowMs: 60_000 };
    limiter = new FailureLimiter(limit, () => deps.clock.now());
    unknownTokenLimiters.set(deps, limiter);
  }
  return limiter;
}

/**
 * Records that a session was used at `now`, without holding up the request. Only over the
 * revision read: a session revoked (or seen by another node) meanwhile is left as it is, so
 * this never brings a revoked session back.
 */
function seen(deps: ApiDeps, token: Token, now: number): void {
  deps.config
    .put<Token & ConfigDoc>('token', { ...token, lastSeenAt: now, updatedAt: now }, token.revision)
    .catch((error: unknown) => {
      deps.log.debug({ error: describeError(error) }, 'session use not recorded');
    });
}

/**
 * Whether the token with id `tokenId` still acts in `accountId`, as this replica knows it:
 * neither revoked nor expired, its user not removed, and still a member there (a session
 * whose user was removed from that account goes on at home, not there). For a long request,
 * such as an event stream, that authenticated once.
 */
export function tokenLives(deps: ApiDeps, tokenId: string, accountId: string): boolean {
  const token = deps.store.getConfig<Token>('token', tokenId);
  if (!token || isExpired(token, deps.clock.now(), sessionLimits(deps.settings))) return false;
  const user = deps.store.getConfig<User>('user', token.userId);
  return user !== undefined && roleIn(deps.store, user, accountId) !== undefined;
}

/** Removes an expired token, without holding up the request; gone already is fine. */
function forget(deps: ApiDeps, token: Token): void {
  deps.config.remove('token', token.accountId, token.id, token.revision).catch((error: unknown) => {
    deps.log.debug({ error: describeError(error) }, 'expired token not removed');
  });
}

export function unauthorized(): TirelessError {
  return new TirelessError(
    'TIRELESS_UNAUTHORIZED',
    'a valid token is required: send "Authorization: Bearer <token>"',
  );
}

/** The authenticated caller of a request under /api/v1 (the bearer check ran before). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthorized();
  return request.caller;
}
