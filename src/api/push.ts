import type { FastifyInstance } from 'fastify';
import type { ConfigWriter } from '../cluster/index.js';
import { PUSH_TOKEN } from '../checks/index.js';
import { notFound, validationError } from '../errors/index.js';
import { monitorPlace, type Monitor } from '../model/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { ConfigChange, Store } from '../store/index.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';
import type { QuotaBook } from './quotas.js';

/**
 * Push tokens of every push monitor, mapped to their monitor ids. Kept in memory and updated
 * from config changes (local and, in a cluster, replicated ones) rather than queried: a
 * heartbeat is unauthenticated and frequent, and the token sits inside a JSON document
 * SQLite has no index on, so a query would scan every monitor. Built from one scan at start;
 * each token is opened (it is sealed at rest) once per monitor version, not per heartbeat.
 */
export class PushTokens {
  private readonly monitorByToken = new Map<string, { id: string; accountId: string }>();
  private readonly tokenByMonitor = new Map<string, string>();

  /** Stops following config changes (when the app closes). */
  readonly detach: () => void;

  constructor(
    store: Store,
    config: ConfigWriter,
    private readonly secrets: SecretBox,
  ) {
    this.detach = config.onChange((change) => this.apply(change));
    for (const monitor of store.listAll<Monitor>('monitor')) this.remember(monitor);
  }

  /** The id of the push monitor with this token. */
  monitorFor(token: string): string | undefined {
    return this.monitorByToken.get(token)?.id;
  }

  /** The account of the push monitor with this token. */
  accountFor(token: string): string | undefined {
    return this.monitorByToken.get(token)?.accountId;
  }

  private apply(change: ConfigChange): void {
    if (change.kind !== 'monitor') return;
    const previous = this.tokenByMonitor.get(change.id);
    if (previous !== undefined) this.monitorByToken.delete(previous);
    this.tokenByMonitor.delete(change.id);
    if (change.doc) this.remember(change.doc);
  }

  private remember(monitor: Record<string, unknown>): void {
    const { id, type, token, accountId } = monitor;
    if (type !== 'push' || typeof token !== 'string' || typeof id !== 'string') return;
    if (typeof accountId !== 'string') return;
    let plain: string;
    try {
      plain = this.secrets.open(token, monitorPlace({ accountId, id }), 'token');
    } catch {
      // Sealed under another key: its heartbeats are not found (404) rather than the node
      // failing on one monitor; its checks report the same key problem.
      return;
    }
    this.monitorByToken.set(plain, { id, accountId });
    this.tokenByMonitor.set(id, plain);
  }
}

/** The path a push monitor's job calls; the token in it is the only credential. */
export function pushPath(token: string): string {
  return `/api/push/${token}`;
}

/**
 * `GET|POST /api/push/:token`: records a heartbeat. Registered in a scope of its own: cron
 * jobs call it with curl and any body or content type, which is read and ignored.
 */
export function registerPushRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  tokens: PushTokens,
  quotas: QuotaBook,
): void {
  // Counted by the monitor's account; an unknown token is not counted (it finds nothing).
  const limited = quotas.limiter(app, 'pushRequestsPerMinute', (request) =>
    tokens.accountFor((request.params as { token: string }).token),
  );
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, parsed) =>
      parsed(null),
    );
    scope.route({
      method: ['GET', 'POST'],
      url: '/api/push/:token',
      onRequest: limited,
      schema: routeSchema({
        tag: 'push',
        summary: 'Record a heartbeat of the push monitor with this token (the URL is the secret)',
        params: ['token'],
        responses: { 200: '{ ok: true }' },
        public: true,
      }),
      handler: async (request) => {
        const { token } = request.params as { token: string };
        // No monitor can have it: said at once, without waiting on the cluster for it.
        if (!PUSH_TOKEN.pattern.test(token)) {
          throw validationError([{ field: 'token', problem: PUSH_TOKEN.problem }]);
        }
        let monitorId = tokens.monitorFor(token);
        if (monitorId === undefined) {
          // Created on another node a moment ago? Look again once this replica caught up
          // with the cluster (at most 2 s; solo: at once).
          await deps.config.caughtUp();
          monitorId = tokens.monitorFor(token);
        }
        if (monitorId === undefined) throw notFound('push monitor');
        deps.store.recordPush(monitorId, deps.clock.now());
        return { ok: true };
      },
    });
    done();
  });
}
