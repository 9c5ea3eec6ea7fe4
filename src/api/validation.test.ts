import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { badFields, createTestApi, errorOf, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };
const WEBHOOK = { type: 'webhook', name: 'hook', config: { url: 'https://hooks.example.com/x' } };
const ONCE = { kind: 'once', startsAt: 1_000, endsAt: 2_000 };

/** Every config row, to show a refused request changed nothing. */
function snapshot(api: TestApi): string {
  return JSON.stringify(api.deps.store.listConfigEntries());
}

void describe('refused input', () => {
  let api: TestApi;
  let monitor: Json;
  let channel: Json;
  let window: Json;
  before(async () => {
    api = await createTestApi();
    const create = async (url: string, payload: Json) =>
      (await api.call('POST', url, { payload })).json<Json>();
    channel = await create('/api/v1/channels', WEBHOOK);
    monitor = await create('/api/v1/monitors', HTTP_MONITOR);
    window = await create('/api/v1/maintenance', { name: 'upgrade', schedule: ONCE });
  });
  after(() => api.close());

  const cases: {
    title: string;
    method: HTTPMethods;
    url: () => string;
    payload: unknown;
    fields: string[];
  }[] = [
    {
      title: 'missing name',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { type: 'http', url: 'https://a.example' },
      fields: ['name'],
    },
    {
      title: 'bad url',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, url: 'not a url' },
      fields: ['url'],
    },
    {
      title: 'interval 0',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, intervalSeconds: 0 },
      fields: ['intervalSeconds'],
    },
    {
      title: 'timeout over interval',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, intervalSeconds: 10, timeoutSeconds: 20 },
      fields: ['timeoutSeconds'],
    },
    {
      title: 'more confirmations than locations',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, locations: 2, confirmations: 3 },
      fields: ['confirmations'],
    },
    {
      title: 'no location, or a fraction of one',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, locations: 0, confirmations: 1.5 },
      fields: ['locations', 'confirmations'],
    },
    {
      title: 'wrong type of value',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, intervalSeconds: '60' },
      fields: ['intervalSeconds'],
    },
    {
      title: 'unknown monitor type',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { name: 'x', type: 'gopher' },
      fields: ['type'],
    },
    {
      title: 'port out of range',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { name: 'db', type: 'tcp', host: 'db.example.com', port: 70_000 },
      fields: ['port'],
    },
    {
      title: 'unknown channel id',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { ...HTTP_MONITOR, channelIds: ['ch_nope'] },
      fields: ['channelIds'],
    },
    {
      title: 'several bad fields at once',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: { name: '', type: 'http', url: 'x', intervalSeconds: 0 },
      fields: ['name', 'intervalSeconds', 'url'],
    },
    {
      title: 'a body that is not an object',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: [HTTP_MONITOR],
      fields: ['(body)'],
    },
    {
      title: 'patch: bad url',
      method: 'PATCH',
      url: () => `/api/v1/monitors/${String(monitor.id)}`,
      payload: { url: 'ftp://x' },
      fields: ['url'],
    },
    {
      title: 'patch: interval 0',
      method: 'PATCH',
      url: () => `/api/v1/monitors/${String(monitor.id)}`,
      payload: { intervalSeconds: 0 },
      fields: ['intervalSeconds'],
    },
    {
      title: 'patch: new type without its fields',
      method: 'PATCH',
      url: () => `/api/v1/monitors/${String(monitor.id)}`,
      payload: { type: 'tcp' },
      fields: ['host', 'port'],
    },
    {
      title: 'patch: bad revision',
      method: 'PATCH',
      url: () => `/api/v1/monitors/${String(monitor.id)}`,
      payload: { revision: 'latest' },
      fields: ['revision'],
    },
    {
      title: 'headers the client sets itself',
      method: 'POST',
      url: () => '/api/v1/monitors',
      payload: {
        ...HTTP_MONITOR,
        headers: { Host: 'a', 'Content-Length': '1', 'transfer-encoding': 'x', Connection: 'c' },
      },
      fields: [
        'headers.Host',
        'headers.Content-Length',
        'headers.transfer-encoding',
        'headers.Connection',
      ],
    },
    {
      title: 'channel: bad webhook url',
      method: 'POST',
      url: () => '/api/v1/channels',
      payload: { ...WEBHOOK, config: { url: 'nope' } },
      fields: ['config.url'],
    },
    {
      title: 'channel: missing slack webhookUrl',
      method: 'POST',
      url: () => '/api/v1/channels',
      payload: { type: 'slack', name: 's', config: {} },
      fields: ['config.webhookUrl'],
    },
    {
      title: 'channel: unknown type',
      method: 'POST',
      url: () => '/api/v1/channels',
      payload: { ...WEBHOOK, type: 'pigeon' },
      fields: ['type'],
    },
    {
      title: 'channel: patch with bad config',
      method: 'PATCH',
      url: () => `/api/v1/channels/${String(channel.id)}`,
      payload: { config: { url: 'nope' } },
      fields: ['config.url'],
    },
    {
      title: 'maintenance: ends before it starts',
      method: 'POST',
      url: () => '/api/v1/maintenance',
      payload: { name: 'm', schedule: { ...ONCE, endsAt: 500 } },
      fields: ['schedule.endsAt'],
    },
    {
      title: 'maintenance: bad start time',
      method: 'PATCH',
      url: () => `/api/v1/maintenance/${String(window.id)}`,
      payload: {
        schedule: { kind: 'recurring', every: 'day', startTime: '25:00', durationMinutes: 5 },
      },
      fields: ['schedule.startTime'],
    },
    {
      title: 'maintenance: a time zone that does not exist',
      method: 'POST',
      url: () => '/api/v1/maintenance',
      payload: {
        name: 'm',
        schedule: {
          kind: 'recurring',
          every: 'day',
          startTime: '22:00',
          durationMinutes: 240,
          timeZone: 'Europe/Atlantis',
        },
      },
      fields: ['schedule.timeZone'],
    },
    {
      title: 'token without a name',
      method: 'POST',
      url: () => '/api/v1/tokens',
      payload: { name: ' ' },
      fields: ['name'],
    },
    {
      title: 'results: limit 0',
      method: 'GET',
      url: () => `/api/v1/monitors/${String(monitor.id)}/results?limit=0`,
      payload: undefined,
      fields: ['limit'],
    },
    {
      title: 'results: limit over 10000',
      method: 'GET',
      url: () => `/api/v1/monitors/${String(monitor.id)}/results?limit=10001`,
      payload: undefined,
      fields: ['limit'],
    },
    {
      title: 'results: since not a time',
      method: 'GET',
      url: () => `/api/v1/monitors/${String(monitor.id)}/results?since=yesterday`,
      payload: undefined,
      fields: ['since'],
    },
    {
      title: 'uptime: unknown window',
      method: 'GET',
      url: () => `/api/v1/monitors/${String(monitor.id)}/uptime?window=1y`,
      payload: undefined,
      fields: ['window'],
    },
    {
      title: 'uptime: from after to',
      method: 'GET',
      url: () => `/api/v1/monitors/${String(monitor.id)}/uptime?from=2000&to=1000`,
      payload: undefined,
      fields: ['from'],
    },
    {
      title: 'incidents: limit twice',
      method: 'GET',
      url: () => '/api/v1/incidents?limit=1&limit=2',
      payload: undefined,
      fields: ['limit'],
    },
  ];

  for (const { title, method, url, payload, fields } of cases) {
    void it(`${title}: 400 naming ${fields.join(', ')}, nothing changed`, async () => {
      const before = snapshot(api);
      const reply = await api.call(
        method,
        url(),
        payload === undefined ? {} : { payload: payload as Json },
      );
      assert.equal(reply.statusCode, 400, reply.body);
      assert.equal(errorOf(reply).code, 'TIRELESS_VALIDATION');
      assert.deepEqual(badFields(reply).sort(), [...fields].sort());
      assert.equal(snapshot(api), before);
    });
  }

  void it('an unknown field: 400 naming it, nothing changed', async () => {
    const before = snapshot(api);
    const reply = await api.call('POST', '/api/v1/monitors', {
      payload: { ...HTTP_MONITOR, colour: 'red' },
    });
    assert.equal(reply.statusCode, 400);
    assert.deepEqual(errorOf(reply).fields, [{ field: 'colour', problem: 'is not a known field' }]);
    assert.equal(snapshot(api), before);
  });

  const rawBodies: {
    title: string;
    body: string;
    contentType: string;
    status: number;
    code: string;
  }[] = [
    {
      title: 'malformed JSON',
      body: '{"name": "shop",',
      contentType: 'application/json',
      status: 400,
      code: 'TIRELESS_BAD_JSON',
    },
    {
      title: 'an empty JSON body',
      body: '',
      contentType: 'application/json',
      status: 400,
      code: 'TIRELESS_BAD_JSON',
    },
    {
      title: 'prototype poisoning',
      body: '{"__proto__": {"admin": true}}',
      contentType: 'application/json',
      status: 400,
      code: 'TIRELESS_BAD_JSON',
    },
    {
      title: 'a form body',
      body: 'name=shop',
      contentType: 'application/x-www-form-urlencoded',
      status: 400,
      code: 'TIRELESS_BAD_JSON',
    },
    {
      title: 'a text body',
      body: 'shop',
      contentType: 'text/plain',
      status: 400,
      code: 'TIRELESS_VALIDATION',
    },
    {
      title: 'a body over the limit',
      body: JSON.stringify({ ...HTTP_MONITOR, name: 'x'.repeat(1_100_000) }),
      contentType: 'application/json',
      status: 413,
      code: 'TIRELESS_BODY_TOO_LARGE',
    },
  ];
  for (const { title, body, contentType, status, code } of rawBodies) {
    void it(`${title}: ${status} ${code}, nothing changed`, async () => {
      const before = snapshot(api);
      const reply = await api.call('POST', '/api/v1/monitors', {
        payload: body,
        headers: { 'content-type': contentType },
      });
      assert.equal(reply.statusCode, status, reply.body);
      assert.equal(errorOf(reply).code, code);
      assert.equal(snapshot(api), before);
    });
  }

  void it('answers 404 in the error shape for unknown routes and ids', async () => {
    const attempts: [HTTPMethods, string][] = [
      ['GET', '/api/v1/nothing-here'],
      ['PUT', '/api/v1/monitors'],
      ['GET', '/api/v1/monitors/mon_nope'],
      ['PATCH', '/api/v1/monitors/mon_nope'],
      ['DELETE', '/api/v1/monitors/mon_nope'],
      ['GET', '/api/v1/monitors/mon_nope/results'],
      ['GET', '/api/v1/monitors/mon_nope/uptime'],
      ['GET', '/api/v1/incidents?monitorId=mon_nope'],
      ['GET', '/api/v1/channels/ch_nope'],
      ['POST', '/api/v1/channels/ch_nope/test'],
      ['DELETE', '/api/v1/maintenance/mw_nope'],
      ['DELETE', '/api/v1/tokens/0000'],
    ];
    for (const [method, url] of attempts) {
      const reply = await api.call(
        method,
        url,
        method === 'PATCH' ? { payload: { name: 'x' } } : {},
      );
      assert.equal(reply.statusCode, 404, `${method} ${url}`);
      assert.equal(errorOf(reply).code, 'TIRELESS_NOT_FOUND');
    }
  });

  void it('survives odd bodies on every write route, answering 4xx in the error shape', async () => {
    const writes: [HTTPMethods, string][] = [
      ['POST', '/api/v1/monitors'],
      ['PATCH', `/api/v1/monitors/${String(monitor.id)}`],
      ['POST', '/api/v1/channels'],
      ['PATCH', `/api/v1/channels/${String(channel.id)}`],
      ['POST', '/api/v1/maintenance'],
      ['PATCH', `/api/v1/maintenance/${String(window.id)}`],
      ['POST', '/api/v1/tokens'],
      ['POST', '/api/v1/setup'],
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/session'],
    ];
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const bodies = [
      'null',
      '0',
      '"text"',
      '[]',
      deep,
      '{"name":{"$gt":""}}',
      '{"type":"http","url":{}}',
      '{"channelIds":[null]}',
      '{"config":"x","type":"webhook"}',
      '{"schedule":{"kind":"sometimes"}}',
      `{"name":"${'\\u0000'.repeat(10)}","intervalSeconds":1e308}`,
      '{"tags":[[[]]],"retries":-1}',
    ];
    const before = snapshot(api);
    for (const [method, url] of writes) {
      for (const body of bodies) {
        const reply = await api.call(method, url, {
          payload: body,
          headers: { 'content-type': 'application/json' },
        });
        assert.ok(
          reply.statusCode >= 400 && reply.statusCode < 500,
          `${method} ${url} ${body.slice(0, 40)}: ${reply.statusCode} ${reply.body}`,
        );
        assert.match(errorOf(reply).code, /^TIRELESS_/);
      }
    }
    assert.equal(snapshot(api), before);
  });
});

void describe('unexpected errors', () => {
  void it('answer 500 TIRELESS_INTERNAL with a generic message, and the API goes on', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const failing = t.mock.method(api.deps.store, 'listScopedPage', () => {
      throw new Error('disk on fire at /var/lib/tireless/secret-path');
    });
    const reply = await api.call('GET', '/api/v1/monitors');
    assert.equal(reply.statusCode, 500);
    assert.equal(errorOf(reply).code, 'TIRELESS_INTERNAL');
    assert.ok(!reply.body.includes('disk on fire'));

    failing.mock.restore();
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);
  });
});
