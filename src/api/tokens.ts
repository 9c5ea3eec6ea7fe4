import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound, TirelessError, validationError } from '../errors/index.js';
import { atLeast, ROLES, type Token, type User } from '../model/index.js';
import { parseOrThrow } from '../validation/index.js';
import {
  callerOf,
  type Caller,
  issueToken,
  sessionLimits,
  setSessionCookie,
  unauthorized,
} from './credentials.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { idParam } from './request.js';
import { isExpired } from './token-life.js';

const newToken = z
  .object({
    name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(100),
    expiresAt: z
      .number({ message: 'must be a time in ms since the epoch' })
      .int('must be a whole number of ms since the epoch')
      .nullable()
      .default(null)
      .describe('ms since the epoch, in the future; absent or null: never expires'),
    readOnly: z
      .boolean({ message: 'must be true or false' })
      .default(false)
      .describe('true: the token may only read (GET); every change it asks for answers 403'),
    role: z
      .enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` })
      .optional()
      .describe("the most the token may do, at most the creator's role; absent: the creator's"),
  })
  .strict();

/** An API token as replies show it (never its secret). */
function present({ id, name, userId, createdAt, expiresAt, readOnly, role }: Token) {
  return { id, name, userId, createdAt, expiresAt, readOnly: readOnly === true, role };
}

/** Whether `caller` may see and revoke `token`: its own, or any of the account's for an admin. */
function mayHandle(caller: Caller, token: Token): boolean {
  return token.userId === caller.userId || atLeast(caller.role, 'admin');
}

/**
 * `/api/v1/tokens`: the account's API tokens (listed without their secrets; a new one's
 * secret is shown once), revocation, and `POST /api/v1/auth/logout` for the caller's own
 * token or browser session. Sessions are listed and ended under `/api/v1/sessions`.
 */
export function registerTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'tokens';

  app.get(
    '/api/v1/tokens',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "List the caller's API tokens in the account, an admin's: all of the account's (never their secrets)",
        responses: {
          200: '{ items: [{ id, name, userId, createdAt, expiresAt, readOnly, role }…] }',
        },
      }),
    },
    (request) => {
      const caller = callerOf(request);
      const now = deps.clock.now();
      const limits = sessionLimits(deps.settings);
      const tokens = deps.store
        .listScoped<Token>('token', caller.accountId)
        .filter(
          (token) =>
            token.kind === 'api' && mayHandle(caller, token) && !isExpired(token, now, limits),
        );
      return { items: tokens.map(present) };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "Create an API token acting in the caller's account with at most the caller's role, optionally expiring or read-only; its secret is in this reply only",
        body: jsonSchema(newToken),
        responses: { 201: '{ id, name, token, userId, createdAt, expiresAt, readOnly, role }' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { name, expiresAt, readOnly, role } = parseOrThrow(newToken, request.body);
      if (expiresAt !== null && expiresAt <= deps.clock.now()) {
        throw validationError([{ field: 'expiresAt', problem: 'must be in the future' }]);
      }
      if (role !== undefined && !atLeast(caller.role, role)) {
        throw new TirelessError(
          'TIRELESS_FORBIDDEN',
          `a token cannot have more than its creator's role (${caller.role})`,
        );
      }
      const user = deps.store.getConfig<User>('user', caller.userId);
      if (!user) throw unauthorized();
      const { token, secret } = await issueToken(deps, user, 'api', name, {
        expiresAt,
        readOnly,
        accountId: caller.accountId,
        role: role ?? caller.role,
      });
      reply.code(201);
      return { ...present(token), token: secret };
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "Revoke one of the caller's API tokens (an admin: any of the account's): it is refused from now on",
        params: ['id'],
        responses: { 204: 'Revoked' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { accountId } = caller;
      const id = idParam(request);
      const token = deps.store.getScoped<Token>('token', accountId, id);
      // Sessions are each user's own: ended under /api/v1/sessions.
      if (token?.kind !== 'api' || !mayHandle(caller, token)) throw notFound(`token ${id}`);
      await deps.config.remove('token', accountId, token.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'auth',
        summary:
          'Revoke the token this request presents (a browser session: also clears its cookie)',
        responses: { 204: 'Logged out' },
      }),
    },
    async (request, reply) => {
      const { tokenAccountId, tokenId, csrfToken } = callerOf(request);
      await deps.config.remove('token', tokenAccountId, tokenId);
      if (csrfToken !== undefined) setSessionCookie(request, reply, null);
      return reply.code(204).send();
    },
  );
}
