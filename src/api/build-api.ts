import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { securityHeaders } from '../web/index.js';
import { registerAccountDeletion } from './account-deletion.js';
import { registerAuthRoutes, registerPasswordRoute } from './auth.js';
import { registerChannelRoutes } from './channels.js';
import { registerClusterRoutes } from './cluster.js';
import { authenticate, unauthorized } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { answerError, installErrorHandling } from './error-handler.js';
import { registerEventRoutes } from './events.js';
import { registerExportRoute } from './export.js';
import { registerIncidentRoutes } from './incidents.js';
import { dropBodiesOfReads } from './unread-bodies.js';
import { registerAcceptRoute, registerInvitationRoutes } from './invitations.js';
import { registerMaintenanceRoutes } from './maintenance.js';
import { registerMemberRoutes } from './members.js';
import { registerMonitorRoutes } from './monitors.js';
import { DOCS_PREFIX, registerOpenApi } from './openapi.js';
import { PushTokens, registerPushRoutes } from './push.js';
import { QuotaBook, registerQuotaRoutes } from './quotas.js';
import { registerResultRoutes } from './results.js';
import { customDomainRewrite, registerPublicStatusRoutes, StatusPages } from './public-status.js';
import { checkRole, requireDeclaredRoles } from './roles.js';
import { registerSessionRoutes } from './sessions.js';
import { SharedReads } from './shared-reads.js';
import { registerStatusPageRoutes } from './status-pages.js';
import { guardPrefixes } from './system-access.js';
import { registerSystemRoutes } from './system.js';
import { registerTokenRoutes } from './tokens.js';
import { registerTotpRoutes } from './totp.js';

/** Builds the API on `deps`; the caller calls listen() (or inject() in tests). */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance has the plain FastifyInstance type.
  const logger: FastifyBaseLogger = deps.log;
  const statusPages = new StatusPages(deps, deps.settings.statusPageTtlMs);
  const { tls } = deps.settings;
  const app = Fastify({
    // A status page's custom domain gets the page at `/`.
    rewriteUrl: customDomainRewrite(statusPages),
    // Fastify types an HTTPS instance apart; served the same way, it is one to the routes.
    ...(tls
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
            createHttpsServer({ cert: tls.cert, key: tls.key }, handler) as unknown as Server,
        }
      : {}),
    loggerInstance: logger,
    bodyLimit: deps.settings.bodyLimitBytes,
    trustProxy: deps.settings.trustProxy,
    // A push URL carries its token, up to 128 characters (Fastify's default is 100).
    routerOptions: { maxParamLength: 200 },
    // What the router refuses (that, a broken escape) answers in the API's error shape too.
    frameworkErrors: answerError(deps.settings.bodyLimitBytes),
    // One log line per request would drown the log of a busy node; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorateRequest('caller', null);
  dropBodiesOfReads(app, deps.settings.bodyLimitBytes);
  // Every answer, pages and API alike: no sniffing, no framing, no referrer, a strict CSP
  // (the docs UI's inline styles aside).
  const headers = securityHeaders();
  const docsHeaders = securityHeaders({ inlineStyles: true });
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(request.url.startsWith(DOCS_PREFIX) ? docsHeaders : headers);
    done(null, payload);
  });
  installErrorHandling(app, deps.settings.bodyLimitBytes);
  guardPrefixes(app, ['/metrics'], deps.settings.metricsAccess, 'metricsAccess');
  guardPrefixes(app, [DOCS_PREFIX], deps.settings.docsAccess, 'docsAccess');
  await registerOpenApi(app, deps.node.version);
  await app.register(rateLimit, { global: false });
  // JSON answers and the app's assets compressed as the client accepts (a list of 10,000
  // monitors is megabytes). Not the event stream: it is written to the socket directly
  // (hijacked), and text/event-stream is not compressible to the plugin either, so nothing
  // buffers an event. Request bodies are not decompressed: the body limit stays what is sent.
  await app.register(compress, {
    encodings: ['br', 'gzip', 'deflate'],
    globalDecompression: false,
  });

  registerSystemRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerAcceptRoute(app, deps);
  const pushTokens = new PushTokens(deps.store, deps.config, deps.secrets);
  const quotas = new QuotaBook(deps);
  const sharedReads = new SharedReads(deps.clock, deps.config, deps.settings.sharedReadTtlMs);
  app.addHook('onClose', (_instance, done) => {
    pushTokens.detach();
    quotas.detach();
    sharedReads.detach();
    done();
  });
  registerPushRoutes(app, deps, pushTokens, quotas);
  app.addHook('onClose', (_instance, done) => {
    statusPages.detach();
    done();
  });
  registerPublicStatusRoutes(app, deps, statusPages);
  void app.register((scope, _options, done) => {
    // Everything in this scope needs a valid bearer token or session cookie (with the CSRF
    // token for a change), and counts against its account's API rate quota.
    requireDeclaredRoles(scope);
    scope.addHook('onRequest', async (request) => {
      request.caller = (await authenticate(deps, request)) ?? null;
      if (!request.caller) throw unauthorized();
      checkRole(request, request.caller);
    });
    scope.addHook(
      'onRequest',
      quotas.limiter(scope, 'apiRequestsPerMinute', (request) => request.caller?.accountId),
    );
    registerTokenRoutes(scope, deps);
    registerSessionRoutes(scope, deps);
    registerPasswordRoute(scope, deps);
    registerTotpRoutes(scope, deps);
    registerMemberRoutes(scope, deps);
    registerAccountDeletion(scope, deps);
    registerInvitationRoutes(scope, deps);
    registerMonitorRoutes(scope, deps, quotas, sharedReads);
    registerResultRoutes(scope, deps, sharedReads);
    registerIncidentRoutes(scope, deps);
    registerClusterRoutes(scope, deps, quotas);
    registerChannelRoutes(scope, deps, quotas);
    registerQuotaRoutes(scope, deps, quotas);
    registerMaintenanceRoutes(scope, deps);
    registerEventRoutes(scope, deps);
    registerStatusPageRoutes(scope, deps);
    registerExportRoute(scope, deps);
    done();
  });
  return app;
}
