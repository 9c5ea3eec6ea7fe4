import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES } from '../errors/index.js';
import { createTestApi, type TestApi } from './testing.js';

/** A file of docs/ (two levels up from src/api and from dist/api alike). */
function doc(name: string): string {
  return readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
}

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>>;
}

void describe('health, metrics and docs', () => {
  let api: TestApi;
  let spec: OpenApi;
  before(async () => {
    api = await createTestApi();
    spec = (await api.call('GET', '/api/docs/json', { token: null })).json<OpenApi>();
  });
  after(() => api.close());

  void it('answers /healthz without a token', async () => {
    const reply = await api.call('GET', '/healthz', { token: null });
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), {
      status: 'ok',
      node: 'node-test',
      region: 'local',
      version: '0.0.0-test',
    });
  });

  void it('answers /healthz with 503, why and how to recover while the node is degraded', async () => {
    const degraded = {
      reason: 'database disk image is malformed',
      recovery: 'stop the node, run `tireless restore --from /data --data <new dir>`',
    };
    api.deps.degraded = () => degraded;
    try {
      const reply = await api.call('GET', '/healthz', { token: null });
      assert.equal(reply.statusCode, 503);
      assert.deepEqual(reply.json(), {
        status: 'degraded',
        ...degraded,
        node: 'node-test',
        region: 'local',
        version: '0.0.0-test',
      });
    } finally {
      delete api.deps.degraded;
    }
    assert.equal((await api.call('GET', '/healthz', { token: null })).statusCode, 200);
  });

  void it('serves Prometheus metrics without a token', async () => {
    const reply = await api.call('GET', '/metrics', { token: null });
    assert.equal(reply.statusCode, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain/);
    assert.match(reply.body, /^# TYPE tireless_checks_total counter$/m);
    assert.match(reply.body, /^tireless_delivery_queue_depth 0$/m);
    assert.match(reply.body, /^tireless_store_degraded 0$/m);
  });

  void it('publishes an OpenAPI 3 document of every route, and a UI', async () => {
    assert.match(spec.openapi, /^3\./);
    assert.equal(spec.info.version, '0.0.0-test');
    for (const path of [
      '/api/v1/monitors',
      '/api/v1/monitors/{id}',
      '/api/v1/monitors/{id}/uptime',
      '/api/v1/channels/{id}/test',
      '/api/push/{token}',
      '/healthz',
    ]) {
      assert.ok(spec.paths[path], path);
    }
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        assert.ok(operation.summary, `${method} ${path} has a summary`);
      }
    }
    assert.deepEqual(spec.paths['/api/v1/auth/login']?.post?.security, []);
    assert.equal(spec.paths['/api/v1/monitors']?.get?.security, undefined);

    const ui = await api.call('GET', '/api/docs', { token: null });
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /^text\/html/);
  });

  void it('documents every error code in docs/ERRORS.md with its status and retryability', () => {
    const errors = doc('ERRORS.md');
    for (const [code, { status, retryable }] of Object.entries(ERROR_CODES)) {
      const cells = [`\`${code}\``, String(status), retryable ? 'yes' : 'no'];
      const row = new RegExp(`^\\|${cells.map((cell) => ` *${cell} *\\|`).join('')} *\\S`, 'm');
      assert.match(errors, row, code);
    }
  });

  void it('describes every route in docs/API.md', () => {
    const guide = doc('API.md');
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const method of Object.keys(operations)) {
        assert.ok(
          guide.includes(`\`${method.toUpperCase()} ${path}\``),
          `${method.toUpperCase()} ${path}`,
        );
      }
    }
  });
});
