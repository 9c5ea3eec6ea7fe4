/**
 * How the node serves the built dashboard: its page at each app route, hashed assets cached
 * for good (gzipped when asked), unknown assets 404, and a plain answer when it is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { tempDir } from '../testing/index.js';
import { APP_ROUTES, registerPages } from './index.js';

const PAGE =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12.js"></script></head><body></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

function builtApp(): string {
  const dir = tempDir('tireless-app-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  writeFileSync(join(dir, 'assets', 'index-Ab12.js'), SCRIPT);
  return dir;
}

test('the page at every app route, revalidated; assets immutable and gzipped when asked', async (t) => {
  const app = Fastify();
  registerPages(app, { dir: builtApp() });
  t.after(() => app.close());

  for (const route of APP_ROUTES) {
    const reply = await app.inject({ method: 'GET', url: route });
    assert.equal(reply.statusCode, 200, route);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(reply.headers['cache-control'], 'no-cache');
    assert.equal(reply.body, PAGE);
  }

  const plain = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js' });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body, SCRIPT);

  const gzipped = await app.inject({
    method: 'GET',
    url: '/assets/index-Ab12.js',
    headers: { 'accept-encoding': 'br, gzip' },
  });
  assert.equal(gzipped.headers['content-encoding'], 'gzip');
  assert.equal(gzipped.headers.vary, 'accept-encoding');
  assert.ok(gzipped.rawPayload.length < SCRIPT.length / 4);
  assert.equal(gunzipSync(gzipped.rawPayload).toString(), SCRIPT);

  const missing = await app.inject({ method: 'GET', url: '/assets/index-Zz99.js' });
  assert.equal(missing.statusCode, 404);
  const traversal = await app.inject({ method: 'GET', url: '/assets/..%2Findex.html' });
  assert.equal(traversal.statusCode, 404);
});

test('without a built app the pages say how to build it', async (t) => {
  const app = Fastify();
  registerPages(app, { dir: tempDir('tireless-no-app-') });
  t.after(() => app.close());
  const reply = await app.inject({ method: 'GET', url: '/' });
  assert.equal(reply.statusCode, 503);
  assert.match(reply.body, /npm run build/);
});
