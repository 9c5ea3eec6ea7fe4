import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ConfigDoc } from '../cluster/index.js';
import { TirelessError } from '../errors/index.js';
import type { Role, Token, User } from '../model/index.js';
import type { ApiDeps } from './deps.js';

/** Who made an authenticated request. */
export interface Caller {
  accountId: string;
  userId: string;
  role: Role;
  /** Id of the token the request presented (sha256 hex of its secret). */
  tokenId: string;
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

/**
 * Creates a token for `user` and returns it with its secret, which exists nowhere else.
 * Session tokens expire after settings.sessionTtlMs; API tokens live until revoked.
 */
export async function issueToken(
  deps: ApiDeps,
  user: User,
  kind: Token['kind'],
  name: string,
): Promise<{ token: Token; secret: string }> {
  const secret = newTokenSecret();
  const now = deps.clock.now();
  const token = await deps.config.put<Token & ConfigDoc>(
    'token',
    {
      id: tokenIdOf(secret),
      accountId: user.accountId,
      userId: user.id,
      kind,
      name,
      expiresAt: kind === 'session' ? now + deps.settings.sessionTtlMs : null,
      createdAt: now,
      updatedAt: now,
    },
    0,
  );
  return { token, secret };
}

/**
 * The caller an `Authorization: Bearer` header proves, or undefined for none or a bad one.
 * A token this replica does not hold may have been made on another node a moment ago: it
 * is looked up again once the replica has caught up with the cluster.
 */
export async function authenticate(
  deps: ApiDeps,
  authorization: string | undefined,
): Promise<Caller | undefined> {
  const secret = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (secret === undefined || !secret.startsWith(TOKEN_PREFIX)) return undefined;
  const id = tokenIdOf(secret);
  if (deps.store.getConfig<Token>('token', id) === undefined) await deps.config.caughtUp();
  const token = deps.store.getConfig<Token>('token', id);
  if (!token || (token.expiresAt !== null && token.expiresAt <= deps.clock.now())) return undefined;
  // A removed user's tokens die with it.
  const user = deps.store.getScoped<User>('user', token.accountId, token.userId);
  if (!user) return undefined;
  return { accountId: token.accountId, userId: user.id, role: user.role, tokenId: token.id };
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
