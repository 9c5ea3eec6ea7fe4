import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';

/** `GET /api/v1/cluster`: this node's view of its cluster (solo: just itself). */
export function registerClusterRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v1/cluster',
    {
      schema: routeSchema({
        tag: 'system',
        summary:
          "This node's view of the cluster: nodes (alive or not, by region), replication lag, outbox depth, whether results flow",
        responses: {
          200: "{ mode: 'solo', node, region } or { mode: 'cluster', node, replicas, nodes: [{ id, region, version, alive, lastHeardAt, self }…], outboxDepth, publishing, replicationLag, configRevision, rejected }",
        },
      }),
    },
    async () => {
      if (!deps.cluster) return { mode: 'solo', node: deps.node.id, region: deps.node.region };
      return { mode: 'cluster', ...(await deps.cluster()) };
    },
  );
}
