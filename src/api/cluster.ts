import type { FastifyInstance } from 'fastify';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';
import type { QuotaBook } from './quotas.js';

/**
 * `GET /api/v1/cluster`: this node's view of its cluster (solo: just itself). The full view
 * names every node, its region and how many monitors it checks: the provider's layout, so
 * only an owner or admin of the operator's account (the one setup made) sees it. Any other
 * caller gets the mode and its node's state: enough to know why its checks may lag, nothing
 * of the provider's nodes.
 */
export function registerClusterRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  quotas: QuotaBook,
): void {
  app.get(
    '/api/v1/cluster',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'system',
        summary:
          "This node's view of the cluster: its state (joined, island, no-quorum) and why, nodes (alive or not, by region, with the monitors each checks), replication lag, outbox depth, whether NATS and JetStream (its quorum) answer, messages passed over. Only an owner or admin of the operator's account sees it whole; any other caller gets the mode and this node's state",
        responses: {
          200: "full: { mode: 'solo', node, region } or { mode: 'cluster', node, state, stateSince, stateReason?, replicas, nodes: [{ id, region, version, alive, lastHeardAt, self, monitors }…], outboxDepth, publishing, replicationLag, configRevision, rejected: { heartbeats, results, config }, newer: { heartbeats, results, config }, jetstream: { connected, quorum } }; reduced: { mode: 'solo', full: false } or { mode: 'cluster', full: false, state, stateSince }",
        },
      }),
    },
    async (request) => {
      const { accountId, role } = callerOf(request);
      const full = (role === 'owner' || role === 'admin') && quotas.isOperator(accountId);
      if (!deps.cluster) {
        if (!full) return { mode: 'solo', full: false };
        return { mode: 'solo', full: true, node: deps.node.id, region: deps.node.region };
      }
      const status = await deps.cluster();
      if (!full) {
        return { mode: 'cluster', full: false, state: status.state, stateSince: status.stateSince };
      }
      return { mode: 'cluster', full: true, ...status };
    },
  );
}
