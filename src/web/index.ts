/**
 * The dashboard (built by Vite from `web/` into `dist/app/`) as the node serves it: the
 * app's page at each of its routes, its hashed assets cached for good, and the security
 * headers every answer carries.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the built app (this file is dist/web/index.js). */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'app');

/** The app's own routes (web/src/router.ts): each answers with the app's page. */
export const APP_ROUTES = [
  '/',
  '/setup',
  '/login',
  '/signup',
  '/monitors/new',
  '/monitors/:id',
  '/status-pages',
  '/settings',
  '/channels',
  '/maintenance',
  '/settings/members',
  '/invitation',
] as const;

/**
 * The headers of every answer: a strict CSP (no inline script or style), no framing.
 * `inlineStyles` lets in the inline styles of the API's docs UI (Swagger UI sets some).
 */
export function securityHeaders(options: { inlineStyles?: boolean } = {}): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      ...(options.inlineStyles ? ["style-src 'self' 'unsafe-inline'"] : []),
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}

interface Asset {
  type: string;
  body: Buffer;
  /** The body gzipped, when that makes it smaller. */
  gzip?: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the app from `dir` (default APP_DIR), read once into memory: its page at every app
 * route (revalidated each time), `/assets/*` with hashed names (immutable for a year). Without
 * a built app the pages say how to build it.
 */
export function registerPages(app: FastifyInstance, options: { dir?: string } = {}): void {
  const dir = options.dir ?? APP_DIR;
  const page = existsSync(join(dir, 'index.html')) ? load(join(dir, 'index.html')) : undefined;
  const assets = new Map<string, Asset>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) assets.set(name, load(join(assetDir, name)));
  }
  for (const route of APP_ROUTES) {
    app.get(route, (request, reply) => {
      if (!page) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built in this copy of Tireless: run `npm run build`.');
      }
      return send(request, reply.header('cache-control', 'no-cache'), page);
    });
  }
  app.get('/assets/:name', (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name);
    if (!asset) {
      return reply.code(404).type('text/plain; charset=utf-8').send('no such asset');
    }
    return send(
      request,
      reply.header('cache-control', 'public, max-age=31536000, immutable'),
      asset,
    );
  });
}

function load(path: string): Asset {
  const body = readFileSync(path);
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const gzip = gzipSync(body, { level: 9 });
  return { type, body, ...(gzip.length < body.length * 0.9 ? { gzip } : {}) };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  void reply.type(asset.type).header('vary', 'accept-encoding');
  const accepts = request.headers['accept-encoding'];
  if (asset.gzip && typeof accepts === 'string' && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}
