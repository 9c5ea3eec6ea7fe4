import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';

/** `GET /healthz` and `GET /metrics`: public, for load balancers and Prometheus. */
export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'system';
  app.get(
    '/healthz',
    {
      schema: routeSchema({
        tag,
        public: true,
        summary:
          'Health: ok, or degraded (the database was found damaged) with why and how to recover',
        responses: {
          200: "{ status: 'ok', node, region, version }",
          503: "{ status: 'degraded', reason, recovery, node, region, version }: checks and alerts go on, new results go to a fresh store",
        },
      }),
    },
    (_request, reply) => {
      const node = { node: deps.node.id, region: deps.node.region, version: deps.node.version };
      const degraded = deps.degraded?.();
      if (!degraded) return { status: 'ok', ...node };
      reply.code(503);
      return { status: 'degraded', reason: degraded.reason, recovery: degraded.recovery, ...node };
    },
  );
  app.get(
    '/metrics',
    {
      schema: routeSchema({
        tag,
        public: true,
        textReply: true,
        summary: 'Prometheus metrics of this node (text format)',
        responses: { 200: 'Prometheus text exposition' },
      }),
    },
    async (_request, reply) => {
      const { registry } = deps.metrics;
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
