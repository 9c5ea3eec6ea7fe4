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
        summary: 'Liveness: this node answers',
        responses: { 200: "{ status: 'ok', node, region, version }" },
      }),
    },
    () => ({
      status: 'ok',
      node: deps.node.id,
      region: deps.node.region,
      version: deps.node.version,
    }),
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
