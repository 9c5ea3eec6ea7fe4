import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Token, User } from '../model/index.js';
import { parseOrThrow } from '../validation/index.js';
import { findScoped } from './config-resource.js';
import { callerOf, issueToken, setSessionCookie, unauthorized } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { idParam } from './request.js';

const newToken = z
  .object({ name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(100) })
  .strict();

/**
 * `/api/v1/tokens`: the account's API tokens (listed without their secrets; a new one's
 * secret is shown once), revocation, and `POST /api/v1/auth/logout` for the caller's own
 * token or browser session.
 */
export function registerTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'tokens';

  app.get(
    '/api/v1/tokens',
    {
      schema: routeSchema({
        tag,
        summary: "List the account's API tokens (never their secrets)",
        responses: { 200: '{ items: [{ id, name, userId, createdAt }…] }' },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const tokens = deps.store
        .listScoped<Token>('token', accountId)
        .filter((token) => token.kind === 'api');
      return {
        items: tokens.map(({ id, name, userId, createdAt }) => ({ id, name, userId, createdAt })),
      };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: routeSchema({
        tag,
        summary: 'Create an API token; its secret is in this reply only',
        body: jsonSchema(newToken),
        responses: { 201: '{ id, name, token, createdAt }' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { name } = parseOrThrow(newToken, request.body);
      const user = deps.store.getScoped<User>('user', caller.accountId, caller.userId);
      if (!user) throw unauthorized();
      const { token, secret } = await issueToken(deps, user, 'api', name);
      reply.code(201);
      return { id: token.id, name: token.name, token: secret, createdAt: token.createdAt };
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: routeSchema({
        tag,
        summary: 'Revoke a token: it is refused from now on',
        params: ['id'],
        responses: { 204: 'Revoked' },
      }),
    },
    async (request, reply) => {
      const { accountId } = callerOf(request);
      const token = findScoped<Token>(deps, 'token', accountId, idParam(request));
      await deps.config.remove('token', accountId, token.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: routeSchema({
        tag: 'auth',
        summary:
          'Revoke the token this request presents (a browser session: also clears its cookie)',
        responses: { 204: 'Logged out' },
      }),
    },
    async (request, reply) => {
      const { accountId, tokenId, csrfToken } = callerOf(request);
      await deps.config.remove('token', accountId, tokenId);
      if (csrfToken !== undefined) setSessionCookie(request, reply, null);
      return reply.code(204).send();
    },
  );
}
