import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callerOf } from './credentials.js';
import { findScoped } from './config-resource.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';
import { parseQuery, queryInteger } from './request.js';

const incidentsQuery = z.object({
  monitorId: z.string().min(1).optional(),
  limit: queryInteger(1, 1000, 100),
});

/** `GET /api/v1/incidents?monitorId=&limit=`: the account's incidents, newest first. */
export function registerIncidentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v1/incidents',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'incidents',
        summary: "The account's incidents, newest first; of one monitor with monitorId",
        query: incidentsQuery,
        responses: {
          200: '{ items: [{ id, monitorId, startedAt, endedAt, cause, inMaintenance }…] }',
        },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const { monitorId, limit } = parseQuery(incidentsQuery, request);
      // Another account's monitor is a 404 here too, as everywhere.
      if (monitorId !== undefined) findScoped(deps, 'monitor', accountId, monitorId);
      return { items: deps.store.listIncidents(accountId, { monitorId, limit }) };
    },
  );
}
