import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';

/** `GET /api/v1/cluster`: this node's view of its cluster (solo: just itself). */
export function registerClusterRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v1/cluster',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'system',
        summary:
          "This node's view of the cluster: its state (joined, island, no-quorum) and why, nodes (alive or not, by region, with the monitors each checks), replication lag, outbox depth, whether NATS and JetStream (its quorum) answer, messages passed over",
        responses: {
          200: "{ mode: 'solo', node, region } or { mode: 'cluster', node, state, stateSince, stateReason?, replicas, nodes: [{ id, region, version, alive, lastHeardAt, self, monitors }…], outboxDepth, publishing, replicationLag, configRevision, rejected: { heartbeats, results, config }, newer: { heartbeats, results, config }, jetstream: { connected, quorum } }",
        },
      }),
    },
    async () => {
      if (!deps.cluster) return { mode: 'solo', node: deps.node.id, region: deps.node.region };
      return { mode: 'cluster', ...(await deps.cluster()) };
    },
  );
}
