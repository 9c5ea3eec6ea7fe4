import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors/index.js';
import type { Token } from '../model/index.js';
import { callerOf, endSessions, sessionLimits, setSessionCookie } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';
import { idParam } from './request.js';
import { isExpired, tokenEndsAt } from './token-life.js';

/**
 * `/api/v1/sessions`: the caller's own login sessions (another user's, or another account's,
 * are not found), ending one, and ending all but the current one. An end holds on every node:
 * it deletes the session's config entry, which replicates.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'sessions';

  app.get(
    '/api/v1/sessions',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary: "List the caller's sessions, the one this request uses marked current",
        responses: {
          200: '{ items: [{ id, name, createdAt, lastSeenAt, expiresAt, userAgent, ip, current }…] }',
        },
      }),
    },
    (request) => {
      const caller = callerOf(request);
      const now = deps.clock.now();
      const limits = sessionLimits(deps.settings);
      const sessions = deps.store
        .listScoped<Token>('token', caller.homeAccountId)
        .filter(
          (token) =>
            token.kind === 'session' &&
            token.userId === caller.userId &&
            !isExpired(token, now, limits),
        )
        .map((token) => ({
          id: token.id,
          name: token.name,
          createdAt: token.createdAt,
          lastSeenAt: token.lastSeenAt ?? token.createdAt,
          // If not used again: the first of the idle timeout and the maximum age.
          expiresAt: tokenEndsAt(token, limits),
          userAgent: token.userAgent ?? null,
          ip: token.ip ?? null,
          current: token.id === caller.tokenId,
        }));
      return { items: sessions.sort((a, b) => b.lastSeenAt - a.lastSeenAt) };
    },
  );

  app.delete(
    '/api/v1/sessions/:id',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "End one of the caller's sessions, on every node (the current one: also its cookie)",
        params: ['id'],
        responses: { 204: 'Ended' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const id = idParam(request);
      const token = deps.store.getScoped<Token>('token', caller.homeAccountId, id);
      if (token?.kind !== 'session' || token.userId !== caller.userId) {
        throw notFound(`session ${id}`);
      }
      await deps.config.remove('token', caller.homeAccountId, id);
      if (id === caller.tokenId && caller.csrfToken !== undefined) {
        setSessionCookie(request, reply, null);
      }
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/sessions',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "Log out everywhere else: end every session of the caller's but the current one (API tokens stay)",
        responses: { 200: '{ ended }: how many sessions ended' },
      }),
    },
    async (request) => {
      const { homeAccountId, userId, tokenId } = callerOf(request);
      return { ended: await endSessions(deps, homeAccountId, userId, tokenId) };
    },
  );
}
