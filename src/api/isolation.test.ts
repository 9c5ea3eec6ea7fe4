import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

void describe('account isolation', () => {
  let api: TestApi;
  let other: string;
  let monitor: Json;
  let channel: Json;
  let window: Json;
  let apiToken: Json;

  before(async () => {
    api = await createTestApi({ settings: { signup: 'open' } });
    other = await signUp(api.app, 'intruder@example.com');
    const create = async (url: string, payload: Json) =>
      (await api.call('POST', url, { payload })).json<Json>();
    channel = await create('/api/v1/channels', {
      type: 'webhook',
      name: 'ops',
      config: { url: 'https://hooks.example.com/a', secret: 'hmac-key' },
    });
    monitor = await create('/api/v1/monitors', {
      name: 'shop',
      type: 'http',
      url: 'https://shop.example.com',
      channelIds: [channel.id],
    });
    window = await create('/api/v1/maintenance', {
      name: 'upgrade',
      schedule: { kind: 'once', startsAt: 1, endsAt: 2 },
    });
    apiToken = await create('/api/v1/tokens', { name: 'ci' });
    const now = Date.now();
    // Through the real judge: an incident, and a queued down alert for the channel.
    api.record([
      {
        monitorId: String(monitor.id),
        slot: now,
        checkedAt: now,
        status: 'down',
        latencyMs: 3,
        error: 'timeout',
        node: 'n1',
        region: 'eu',
      },
    ]);
  });
  after(() => api.close());

  const asOther = (method: HTTPMethods, url: string, payload?: Json) =>
    api.call(method, url, { token: other, ...(payload ? { payload } : {}) });

  void it("answers 404 for every one of another account's entities", async () => {
    const m = String(monitor.id);
    const c = String(channel.id);
    const w = String(window.id);
    const attempts: [HTTPMethods, string, Json?][] = [
      ['GET', `/api/v1/monitors/${m}`],
      ['PATCH', `/api/v1/monitors/${m}`, { name: 'mine now' }],
      ['DELETE', `/api/v1/monitors/${m}`],
      ['GET', `/api/v1/monitors/${m}/results`],
      ['GET', `/api/v1/monitors/${m}/uptime`],
      ['GET', `/api/v1/monitors/${m}/series`],
      ['GET', `/api/v1/incidents?monitorId=${m}`],
      ['GET', `/api/v1/channels/${c}`],
      ['PATCH', `/api/v1/channels/${c}`, { name: 'mine now' }],
      ['DELETE', `/api/v1/channels/${c}`],
      ['POST', `/api/v1/channels/${c}/test`],
      ['GET', `/api/v1/maintenance/${w}`],
      ['PATCH', `/api/v1/maintenance/${w}`, { name: 'mine now' }],
      ['DELETE', `/api/v1/maintenance/${w}`],
      ['DELETE', `/api/v1/tokens/${String(apiToken.id)}`],
    ];
    for (const [method, url, payload] of attempts) {
      const reply = await asOther(method, url, payload);
      assert.equal(reply.statusCode, 404, `${method} ${url}`);
      assert.equal(errorOf(reply).code, 'TIRELESS_NOT_FOUND');
    }
  });

  void it("lists nothing of another account's", async () => {
    for (const url of [
      '/api/v1/monitors',
      '/api/v1/channels',
      '/api/v1/maintenance',
      '/api/v1/incidents',
      '/api/v1/tokens',
      '/api/v1/deliveries',
    ]) {
      assert.deepEqual((await asOther('GET', url)).json(), { items: [] }, url);
    }
    assert.deepEqual((await asOther('GET', '/api/v1/monitors/summary')).json<Json>().items, []);
  });

  void it("cannot point its own entities at another account's", async () => {
    const alerting = await asOther('POST', '/api/v1/monitors', {
      name: 'sneaky',
      type: 'http',
      url: 'https://a.example',
      channelIds: [channel.id],
    });
    assert.equal(alerting.statusCode, 400);
    assert.deepEqual(badFields(alerting), ['channelIds']);
    const covering = await asOther('POST', '/api/v1/maintenance', {
      name: 'sneaky',
      monitorIds: [monitor.id],
      schedule: { kind: 'once', startsAt: 1, endsAt: 2 },
    });
    assert.equal(covering.statusCode, 400);
    assert.deepEqual(badFields(covering), ['monitorIds']);
  });

  void it("leaves the owner's entities as they were", async () => {
    const read = async (url: string) => (await api.call('GET', url)).json<Json>();
    for (const [path, entity] of [
      ['monitors', monitor],
      ['channels', channel],
      ['maintenance', window],
    ] as const) {
      const { revision } = await read(`/api/v1/${path}/${String(entity.id)}`);
      assert.equal(revision, entity.revision, `${path}: unchanged since it was created`);
    }
    assert.equal(((await read('/api/v1/incidents')).items as Json[]).length, 1);
    assert.equal(
      ((await read(`/api/v1/monitors/${String(monitor.id)}/results`)).items as Json[]).length,
      1,
    );
    assert.equal(((await read('/api/v1/tokens')).items as Json[]).length, 1);
    assert.equal(((await read('/api/v1/deliveries')).items as Json[]).length, 1);
    assert.equal(api.wakes(), 0);
  });
});
