/**
 * The public side of status pages, without login: `/status/{slug}` (HTML), its JSON, feeds
 * and badges, and a page's custom domain at `/`. Each page's view is computed at most once
 * per TTL and every rendering of it is kept with its ETag, so a page read by thousands of
 * visitors costs the node one computation per TTL plus a map lookup per request.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MonitorState } from '../alerts/index.js';
import { notFound } from '../errors/index.js';
import { monitorTarget, type Incident, type Monitor, type StatusPage } from '../model/index.js';
import {
  BAR_DAYS,
  dayBars,
  jsonFeed,
  overallState,
  publicState,
  renderStatusHtml,
  responseTimeBadge,
  rssFeed,
  statusBadge,
  STATUS_CSS,
  STYLESHEET_PATH,
  uptimeBadge,
  WINDOWS,
  type PublicIncident,
  type PublicMonitor,
  type PublicStatusPage,
  type WindowName,
} from '../status-page/index.js';
import { DAY_MS } from '../store/index.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';

/** How long a page's view is served before it is computed again, ms. @defaultValue 15_000 */
export const STATUS_PAGE_TTL_MS = 15_000;
/** Incidents a page lists at most (current and past together). */
const MAX_INCIDENTS = 100;
/**
 * Renderings kept per page at most (HTML, JSON, feeds per origin, badges per monitor): a
 * feed's origin is the client's Host, so the count is bounded, not the choice.
 */
const MAX_RENDERINGS = 2000;

interface Variant {
  body: Buffer;
  etag: string;
}

/** A rendering as sent: plain, and gzipped when that is much smaller (pages of many bars are). */
interface Rendering {
  plain: Variant;
  gzip?: Variant;
}

/** Renderings smaller than this are not gzipped, bytes. */
const GZIP_FROM_BYTES = 1024;

function renderingOf(text: string): Rendering {
  const plain = Buffer.from(text);
  const tag = createHash('sha256').update(plain).digest('base64url').slice(0, 27);
  const gzip = plain.length >= GZIP_FROM_BYTES ? gzipSync(plain, { level: 6 }) : undefined;
  return {
    plain: { body: plain, etag: `"${tag}"` },
    // Another representation, so another ETag.
    ...(gzip ? { gzip: { body: gzip, etag: `"${tag}-gzip"` } } : {}),
  };
}

interface CachedPage {
  view: PublicStatusPage;
  /** ms since the epoch */
  computedAt: number;
  renderings: Map<string, Rendering>;
}

/**
 * The node's status pages by slug and by custom domain (rebuilt after any status page
 * changes, on this node or another), and each page's cached view.
 */
export class StatusPages {
  private index: { bySlug: Map<string, StatusPage>; byDomain: Map<string, string> } | undefined;
  private readonly cache = new Map<string, CachedPage>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: ApiDeps,
    /** How long a view is served, ms. */
    readonly ttlMs = STATUS_PAGE_TTL_MS,
  ) {
    this.unsubscribe = deps.config.onChange((change) => {
      // A page's own edit shows at once; monitors' changes within the TTL.
      if (change.kind !== 'status-page') return;
      this.index = undefined;
      this.cache.clear();
    });
  }

  detach(): void {
    this.unsubscribe();
  }

  /** The slug of the page whose custom domain is `host` (a Host header, with or without port). */
  slugForHost(host: string | undefined): string | undefined {
    if (!host) return undefined;
    const name = host.toLowerCase().replace(/:\d+$/, '');
    return this.pages().byDomain.get(name);
  }

  /** The page's current view, computed at most once per TTL; undefined: no such page. */
  get(slug: string): CachedPage | undefined {
    const page = this.pages().bySlug.get(slug);
    if (!page) return undefined;
    const now = this.deps.clock.now();
    const cached = this.cache.get(slug);
    if (cached && now - cached.computedAt < this.ttlMs && now >= cached.computedAt) return cached;
    const fresh = {
      view: computeView(this.deps, page, now),
      computedAt: now,
      renderings: new Map(),
    };
    this.cache.set(slug, fresh);
    return fresh;
  }

  /** The page's monitor `monitorId` as the page shows it; undefined when the page has no such monitor. */
  monitorOf(cached: CachedPage, monitorId: string): PublicMonitor | undefined {
    return cached.view.monitors.find((monitor) => monitor.id === monitorId);
  }

  private pages() {
    if (!this.index) {
      const bySlug = new Map<string, StatusPage>();
      const byDomain = new Map<string, string>();
      for (const page of this.deps.store.listAll<StatusPage>('status-page')) {
        bySlug.set(page.slug, page);
        if (page.customDomain !== undefined) byDomain.set(page.customDomain, page.slug);
      }
      this.index = { bySlug, byDomain };
    }
    return this.index;
  }
}

/** Paths on a custom domain and the page's paths they stand for. */
const DOMAIN_PATHS: ReadonlyMap<string, string> = new Map([
  ['/', ''],
  ['/feed.json', '/feed.json'],
  ['/rss.xml', '/rss.xml'],
]);

/**
 * Fastify's rewriteUrl: a request whose Host is a page's custom domain gets the page at `/`
 * (and its feeds at `/feed.json`, `/rss.xml`); every other path is the node's as usual.
 */
export function customDomainRewrite(pages: StatusPages): (request: IncomingMessage) => string {
  return (request) => {
    const url = request.url ?? '/';
    const at = url.indexOf('?');
    const path = at < 0 ? url : url.slice(0, at);
    const suffix = DOMAIN_PATHS.get(path);
    if (suffix === undefined) return url;
    const slug = pages.slugForHost(request.headers.host);
    return slug === undefined ? url : `/status/${slug}${suffix}${at < 0 ? '' : url.slice(at)}`;
  };
}

/** The public routes of status pages; nothing here needs (or reads) credentials. */
export function registerPublicStatusRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  pages: StatusPages,
): void {
  const maxAge = Math.max(1, Math.round(pages.ttlMs / 1000));
  // One answer for every miss, whether the page, the monitor or the window is unknown.
  const missing = () => notFound('page');
  const pageOf = (request: FastifyRequest) => {
    const cached = pages.get((request.params as { slug: string }).slug);
    if (!cached) throw missing();
    return cached;
  };
  const badgeMonitor = (request: FastifyRequest) => {
    const cached = pageOf(request);
    const monitor = pages.monitorOf(cached, (request.params as { monitorId: string }).monitorId);
    if (!monitor) throw missing();
    return { cached, monitor };
  };
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    cached: CachedPage,
    key: string,
    type: string,
    render: () => string,
  ) => {
    let rendering = cached.renderings.get(key);
    if (!rendering) {
      rendering = renderingOf(render());
      if (cached.renderings.size < MAX_RENDERINGS) cached.renderings.set(key, rendering);
    }
    const accepts = request.headers['accept-encoding'];
    const gzip =
      typeof accepts === 'string' && /\bgzip\b/.test(accepts) ? rendering.gzip : undefined;
    const variant = gzip ?? rendering.plain;
    const age = Math.max(0, Math.floor((deps.clock.now() - cached.computedAt) / 1000));
    void reply
      .header('cache-control', `public, max-age=${String(maxAge)}`)
      .header('etag', variant.etag)
      .header('age', String(age))
      .header('vary', 'accept-encoding')
      .header('access-control-allow-origin', '*')
      .type(type);
    if (gzip) void reply.header('content-encoding', 'gzip');
    if (request.headers['if-none-match'] === variant.etag) return reply.code(304).send();
    return reply.send(variant.body);
  };
  const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  app.get(STYLESHEET_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=3600')
      .type('text/css; charset=utf-8')
      .send(STATUS_CSS),
  );
  app.get('/status/:slug', { schema: { hide: true } }, (request, reply) => {
    const cached = pages.get((request.params as { slug: string }).slug);
    if (!cached) {
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_HTML);
    }
    return send(request, reply, cached, 'html', 'text/html; charset=utf-8', () =>
      renderStatusHtml(cached.view),
    );
  });
  app.get(
    '/api/v1/public/status/:slug',
    {
      schema: routeSchema({
        tag: 'status-pages',
        summary:
          'A status page as JSON (no login): overall state, monitors with 90 daily bars, incidents, notes',
        public: true,
        params: ['slug'],
        responses: {
          200: '{ slug, title, state, generatedAt, monitors, incidents: { current, past }, notes }',
        },
      }),
    },
    (request, reply) => {
      const cached = pageOf(request);
      return send(request, reply, cached, 'json', 'application/json; charset=utf-8', () =>
        JSON.stringify(cached.view),
      );
    },
  );
  app.get('/status/:slug/feed.json', { schema: { hide: true } }, (request, reply) => {
    const cached = pageOf(request);
    const at = origin(request);
    return send(
      request,
      reply,
      cached,
      `feed.json ${at}`,
      'application/feed+json; charset=utf-8',
      () => jsonFeed(cached.view, at),
    );
  });
  app.get('/status/:slug/rss.xml', { schema: { hide: true } }, (request, reply) => {
    const cached = pageOf(request);
    const at = origin(request);
    return send(request, reply, cached, `rss ${at}`, 'application/rss+xml; charset=utf-8', () =>
      rssFeed(cached.view, at),
    );
  });
  const svg = 'image/svg+xml; charset=utf-8';
  app.get('/badge/:slug/:monitorId/status.svg', { schema: { hide: true } }, (request, reply) => {
    const { cached, monitor } = badgeMonitor(request);
    return send(request, reply, cached, `status ${monitor.id}`, svg, () =>
      statusBadge(monitor.state),
    );
  });
  app.get('/badge/:slug/:monitorId/uptime.svg', { schema: { hide: true } }, (request, reply) => {
    const { cached, monitor } = badgeMonitor(request);
    const window = (request.query as { window?: string }).window ?? '24h';
    if (!Object.hasOwn(WINDOWS, window)) throw missing();
    return send(request, reply, cached, `uptime ${window} ${monitor.id}`, svg, () =>
      uptimeBadge(window, monitor.uptime[window as WindowName]),
    );
  });
  app.get(
    '/badge/:slug/:monitorId/response-time.svg',
    { schema: { hide: true } },
    (request, reply) => {
      const { cached, monitor } = badgeMonitor(request);
      return send(request, reply, cached, `latency ${monitor.id}`, svg, () =>
        responseTimeBadge(monitor.latencyMs),
      );
    },
  );
}

const NOT_FOUND_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Not found</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><main><h1>Not found</h1><p>There is no status page here.</p></main></body></html>
`;

/** The page's view now: its monitors (those still the account's), incidents and live notes. */
function computeView(deps: ApiDeps, page: StatusPage, now: number): PublicStatusPage {
  const { store, maintenance } = deps;
  const today = Math.floor(now / DAY_MS);
  const monitors: PublicMonitor[] = [];
  const incidents: PublicIncident[] = [];
  for (const id of page.monitorIds) {
    const monitor = store.getScoped<Monitor>('monitor', page.accountId, id);
    if (!monitor) continue;
    const state = store.getMonitorState(id) as Partial<MonitorState> | undefined;
    const uptime = {} as Record<WindowName, number | null>;
    let latencyMs: number | null = null;
    for (const [name, span] of Object.entries(WINDOWS) as [WindowName, number][]) {
      const totals = store.rollupTotals(page.accountId, id, now - span, now);
      const checks = totals.up + totals.down;
      uptime[name] = checks === 0 ? null : totals.up / checks;
      if (name === '24h' && checks > 0) latencyMs = totals.latencySum / checks;
    }
    const days = store.dailyTotals(page.accountId, id, today - BAR_DAYS + 1, today + 1);
    monitors.push({
      id,
      name: monitor.name,
      state: publicState({
        paused: monitor.paused,
        inMaintenance: maintenance.covers(monitor, now),
        status: state?.status ?? 'unknown',
      }),
      ...(page.showTargets ? { target: monitorTarget(monitor) } : {}),
      uptime,
      latencyMs,
      days: dayBars(
        days,
        { intervalMs: monitor.intervalSeconds * 1000, createdAt: monitor.createdAt },
        now,
      ),
    });
    const since = now - BAR_DAYS * DAY_MS;
    for (const incident of store.listIncidents(page.accountId, { monitorId: id, limit: 50 })) {
      if (incident.endedAt !== null && incident.endedAt < since) continue;
      incidents.push(publicIncident(incident, monitor.name, page.showTargets));
    }
  }
  incidents.sort((a, b) => b.startedAt - a.startedAt);
  const shown = incidents.slice(0, MAX_INCIDENTS);
  return {
    slug: page.slug,
    title: page.title,
    ...(page.description === undefined ? {} : { description: page.description }),
    state: overallState(monitors.map((monitor) => monitor.state)),
    generatedAt: now,
    monitors,
    incidents: {
      current: shown.filter((incident) => incident.endedAt === null),
      past: shown.filter((incident) => incident.endedAt !== null),
    },
    notes: page.notes
      .filter((note) => note.until === undefined || note.until > now)
      .sort((a, b) => b.at - a.at),
  };
}

function publicIncident(
  incident: Incident,
  monitorName: string,
  showCause: boolean,
): PublicIncident {
  return {
    id: incident.id,
    monitorId: incident.monitorId,
    monitorName,
    startedAt: incident.startedAt,
    endedAt: incident.endedAt,
    ...(showCause ? { cause: incident.cause } : {}),
    inMaintenance: incident.inMaintenance,
  };
}
