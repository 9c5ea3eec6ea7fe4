import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MONITOR_TYPES } from '../checks/index.js';
import { ENTITY_FIELDS, monitorCommonSchema } from '../model/index.js';
import { MONITOR_DERIVED_FIELDS } from './monitors.js';
import { badFields, createTestApi, errorOf, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };

void describe('monitors', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  const create = async (payload: Json): Promise<Json> => {
    const reply = await api.call('POST', '/api/v1/monitors', { payload });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json();
  };
  const patch = (id: unknown, payload: Json, headers?: Record<string, string>) =>
    api.call('PATCH', `/api/v1/monitors/${String(id)}`, {
      payload,
      ...(headers ? { headers } : {}),
    });

  void it('goes through create, read, list, change and delete', async () => {
    const created = await create({ ...HTTP_MONITOR, intervalSeconds: 30, tags: ['web'] });
    assert.match(String(created.id), /^mon_[0-9a-f]{20}$/);
    assert.ok(Number.isSafeInteger(created.revision) && Number(created.revision) > 0);
    assert.equal(created.status, 'unknown');
    assert.equal(created.timeoutSeconds, 30);
    assert.equal(created.url, 'https://shop.example.com');

    const read = await api.call('GET', `/api/v1/monitors/${String(created.id)}`);
    assert.deepEqual(read.json(), created);
    const list = (await api.call('GET', '/api/v1/monitors')).json<{ items: Json[] }>();
    assert.ok(list.items.some((m) => m.id === created.id));

    const changed = await patch(created.id, { name: 'shop front' });
    assert.equal(changed.statusCode, 200);
    // Revisions are opaque: a change makes a higher one, not necessarily one more.
    assert.ok(Number(changed.json<Json>().revision) > Number(created.revision));
    assert.deepEqual(changed.json(), {
      ...created,
      name: 'shop front',
      revision: changed.json<Json>().revision,
      updatedAt: changed.json<Json>().updatedAt,
    });

    assert.equal(
      (await api.call('DELETE', `/api/v1/monitors/${String(created.id)}`)).statusCode,
      204,
    );
    assert.equal((await api.call('GET', `/api/v1/monitors/${String(created.id)}`)).statusCode, 404);
    assert.equal(
      (await api.call('DELETE', `/api/v1/monitors/${String(created.id)}`)).statusCode,
      404,
    );
  });

  void it('creates a monitor of every type with its own fields, each kept apart from the common ones', async () => {
    const own: Record<string, Json> = {
      http: { url: 'https://shop.example.com' },
      tcp: { host: 'db.example.com', port: 5432 },
      dns: { hostname: 'example.com', recordType: 'MX' },
      ping: { host: 'example.com' },
      tls: { host: 'example.com' },
      push: {},
    };
    assert.deepEqual(Object.keys(own).sort(), [...MONITOR_TYPES].sort());
    for (const type of MONITOR_TYPES) {
      const fields = own[type] as Json;
      const created = await create({ name: `a ${type} monitor`, type, ...fields });
      assert.equal(created.name, `a ${type} monitor`, type);
      for (const [field, value] of Object.entries(fields))
        assert.equal(created[field], value, type);
    }
  });

  void it('drops the old type’s fields when the type changes', async () => {
    const monitor = await create({ ...HTTP_MONITOR, keyword: 'Welcome', retries: 2 });
    const tcp = (
      await patch(monitor.id, { type: 'tcp', host: 'shop.example.com', port: 443 })
    ).json<Json>();
    assert.equal(tcp.type, 'tcp');
    assert.equal(tcp.port, 443);
    assert.equal(tcp.retries, 2);
    for (const gone of ['url', 'keyword', 'method']) assert.ok(!(gone in tcp), gone);

    const push = (await patch(monitor.id, { type: 'push' })).json<Json>();
    assert.ok(!('host' in push) && !('port' in push));
    assert.match(String(push.token), /^[A-Za-z0-9_-]{24,}$/);
    assert.equal(push.pushUrl, `/api/push/${String(push.token)}`);

    // Renaming keeps the token: the job calling the URL goes on working.
    const renamed = (await patch(monitor.id, { name: 'nightly backup' })).json<Json>();
    assert.equal(renamed.token, push.token);
  });

  void it('lets a default timeout follow a new interval, but not an explicit one', async () => {
    const defaulted = await create(HTTP_MONITOR);
    const faster = (await patch(defaulted.id, { intervalSeconds: 10 })).json<Json>();
    assert.equal(faster.timeoutSeconds, 10);

    const explicit = await create({ ...HTTP_MONITOR, timeoutSeconds: 20 });
    const refused = await patch(explicit.id, { intervalSeconds: 10 });
    assert.equal(refused.statusCode, 400);
    assert.equal(badFields(refused)[0], 'timeoutSeconds');
  });

  void it('checks from one location by default; confirmations default to a majority and follow new locations', async () => {
    const single = await create(HTTP_MONITOR);
    assert.equal(single.locations, 1);
    assert.equal(single.confirmations, 1);
    const three = (await patch(single.id, { locations: 3 })).json<Json>();
    assert.equal(three.confirmations, 2, 'a majority of three');

    const explicit = await create({ ...HTTP_MONITOR, locations: 3, confirmations: 3 });
    const refused = await patch(explicit.id, { locations: 2 });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(badFields(refused), ['confirmations']);
    assert.match(errorOf(refused).fields?.[0]?.problem ?? '', /must not exceed locations \(2\)/);
  });

  void it('replies with locations and confirmations for a monitor stored before they existed', async () => {
    const monitor = await create(HTTP_MONITOR);
    const stored = api.deps.store.getConfig<Json>('monitor', String(monitor.id)) as Json;
    const old = { ...stored };
    delete old.locations;
    delete old.confirmations;
    api.deps.store.applyConfig({
      kind: 'monitor',
      id: String(monitor.id),
      accountId: String(monitor.accountId),
      revision: Number(monitor.revision) + 1,
      doc: old,
    });
    const read = (await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>();
    assert.equal(read.locations, 1);
    assert.equal(read.confirmations, 1);
  });

  void it('resets a field to its default with null', async () => {
    const monitor = await create({ ...HTTP_MONITOR, renotifyMinutes: 30, tags: ['a'], retries: 3 });
    const reset = (
      await patch(monitor.id, { renotifyMinutes: null, tags: null, retries: null })
    ).json<Json>();
    assert.equal(reset.renotifyMinutes, null);
    assert.deepEqual(reset.tags, []);
    assert.equal(reset.retries, 0);
  });

  void it('takes back what it replied: a GET body sent as a PATCH', async () => {
    const monitor = await create(HTTP_MONITOR);
    const edited = {
      ...(await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>(),
      retries: 1,
    };
    const reply = await patch(monitor.id, edited);
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(reply.json<Json>().retries, 1);
  });

  void it('refuses a stale revision with 409 and changes nothing', async () => {
    const monitor = await create(HTTP_MONITOR);
    const v2 = (await patch(monitor.id, { name: 'v2' })).json<Json>();
    const first = String(monitor.revision);
    const stale = [
      await patch(monitor.id, { name: 'v3', revision: monitor.revision }),
      await patch(monitor.id, { name: 'v3' }, { 'if-match': `"${first}"` }),
      await api.call('DELETE', `/api/v1/monitors/${String(monitor.id)}`, {
        headers: { 'if-match': first },
      }),
    ];
    for (const reply of stale) {
      assert.equal(reply.statusCode, 409);
      assert.equal(errorOf(reply).code, 'TIRELESS_CONFLICT');
    }
    const current = (await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>();
    assert.equal(current.name, 'v2');
    assert.equal(current.revision, v2.revision);
    const fresh = { 'if-match': String(v2.revision) };
    assert.equal((await patch(monitor.id, { name: 'v3' }, fresh)).statusCode, 200);
  });

  void it('accepts channels of the account, and forgets a deleted channel', async () => {
    const channel = (
      await api.call('POST', '/api/v1/channels', {
        payload: { type: 'webhook', name: 'hook', config: { url: 'https://hooks.example.com/x' } },
      })
    ).json<Json>();
    const monitor = await create({ ...HTTP_MONITOR, channelIds: [channel.id] });
    assert.deepEqual(monitor.channelIds, [channel.id]);

    const unknown = await patch(monitor.id, { channelIds: [channel.id, 'ch_nope'] });
    assert.equal(unknown.statusCode, 400);
    assert.equal(badFields(unknown)[0], 'channelIds');

    await api.call('DELETE', `/api/v1/channels/${String(channel.id)}`);
    const after = (await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>();
    assert.deepEqual(after.channelIds, []);
  });

  void it('shows paused monitors as paused and others with the coordinator’s status', async () => {
    const paused = await create({ ...HTTP_MONITOR, paused: true });
    assert.equal(paused.status, 'paused');

    const monitor = await create(HTTP_MONITOR);
    const now = Date.now();
    api.record([
      {
        monitorId: String(monitor.id),
        slot: now,
        checkedAt: now,
        status: 'down',
        latencyMs: 5,
        error: 'refused',
        node: 'n',
        region: 'r',
      },
    ]);
    const read = async () =>
      (await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>().status;
    assert.equal(await read(), 'down');
    api.record([
      {
        monitorId: String(monitor.id),
        slot: now + 60_000,
        checkedAt: now + 60_000,
        status: 'up',
        latencyMs: 5,
        node: 'n',
        region: 'r',
      },
    ]);
    assert.equal(await read(), 'up');
  });
});

void describe('maintenance windows', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  void it('go through CRUD, name only monitors of the account, and forget deleted ones', async () => {
    const monitor = (
      await api.call('POST', '/api/v1/monitors', { payload: HTTP_MONITOR })
    ).json<Json>();
    const payload = {
      name: 'Sunday upgrades',
      monitorIds: [monitor.id],
      schedule: {
        kind: 'recurring',
        every: 'week',
        weekdays: [0],
        startTime: '02:00',
        durationMinutes: 60,
        timeZone: 'Europe/Berlin',
      },
    };
    const created = await api.call('POST', '/api/v1/maintenance', { payload });
    assert.equal(created.statusCode, 201, created.body);
    const window = created.json<Json>();
    assert.match(String(window.id), /^mw_/);
    assert.deepEqual(window.schedule, payload.schedule);
    const inUtc = await api.call('POST', '/api/v1/maintenance', {
      payload: { name: 'nightly', schedule: { ...payload.schedule, timeZone: undefined } },
    });
    assert.equal(inUtc.statusCode, 201, inUtc.body);
    assert.equal((inUtc.json<Json>().schedule as Json).timeZone, 'UTC', 'UTC by default');
    await api.call('DELETE', `/api/v1/maintenance/${String(inUtc.json<Json>().id)}`);

    const once = { kind: 'once', startsAt: 1_000, endsAt: 2_000 };
    const changed = await api.call('PATCH', `/api/v1/maintenance/${String(window.id)}`, {
      payload: { schedule: once },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(changed.json<Json>().schedule, once);

    const unknown = await api.call('POST', '/api/v1/maintenance', {
      payload: { ...payload, monitorIds: ['mon_nope'] },
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(badFields(unknown)[0], 'monitorIds');

    await api.call('DELETE', `/api/v1/monitors/${String(monitor.id)}`);
    const after = (await api.call('GET', `/api/v1/maintenance/${String(window.id)}`)).json<Json>();
    assert.deepEqual(after.monitorIds, []);

    assert.equal(
      (await api.call('DELETE', `/api/v1/maintenance/${String(window.id)}`)).statusCode,
      204,
    );
    assert.deepEqual((await api.call('GET', '/api/v1/maintenance')).json(), { items: [] });
  });
  void it('a monitor inside an active window reads inMaintenance: true, and false after', async () => {
    const monitor = (
      await api.call('POST', '/api/v1/monitors', { payload: { ...HTTP_MONITOR, name: 'mw-probe' } })
    ).json<Json>();
    const read = async () =>
      (await api.call('GET', `/api/v1/monitors/${String(monitor.id)}`)).json<Json>().inMaintenance;
    assert.equal(await read(), false);
    const now = Date.now();
    const window = (
      await api.call('POST', '/api/v1/maintenance', {
        payload: {
          name: 'now',
          monitorIds: [monitor.id],
          schedule: { kind: 'once', startsAt: now - 60_000, endsAt: now + 3_600_000 },
        },
      })
    ).json<Json>();
    assert.equal(await read(), true);
    await api.call('DELETE', `/api/v1/maintenance/${String(window.id)}`);
    assert.equal(await read(), false);
  });
});

void describe('monitor shape in the OpenAPI document', () => {
  let api: TestApi;
  let variants: { create: Json[]; reply: Json[] };
  before(async () => {
    api = await createTestApi();
    const spec = (await api.call('GET', '/api/docs/json', { token: null })).json<Json>();
    const collection = (spec.paths as Json)['/api/v1/monitors'] as Json;
    const item = (spec.paths as Json)['/api/v1/monitors/{id}'] as Json;
    const body = ((collection.post as Json).requestBody as Json).content as Json;
    const reply = (((item.get as Json).responses as Json)['200'] as Json).content as Json;
    const schemaOf = (content: Json) => (content['application/json'] as Json).schema as Json;
    variants = {
      create: schemaOf(body).oneOf as Json[],
      reply: schemaOf(reply).oneOf as Json[],
    };
  });
  after(() => api.close());

  const variant = (list: Json[], type: string) => {
    const found = list.find((schema) => schema.title === type);
    assert.ok(found, `a variant for ${type}`);
    return found.properties as Record<string, Json>;
  };

  void it("documents each type's fields with the model's own bounds", () => {
    assert.deepEqual(
      variants.create.map((schema) => schema.title),
      MONITOR_TYPES,
    );
    for (const type of MONITOR_TYPES) {
      const fields = variant(variants.create, type);
      for (const key of Object.keys(monitorCommonSchema.shape)) assert.ok(fields[key], key);
      assert.equal(fields.intervalSeconds?.maximum, 86_400, 'the bound the model checks');
      assert.deepEqual(fields.type?.enum, [type]);
      for (const key of [...ENTITY_FIELDS, ...MONITOR_DERIVED_FIELDS]) {
        assert.equal(fields[key], undefined, `${key} is not sent`);
      }
    }
  });

  void it('documents every field a reply holds', async () => {
    const monitors = [
      HTTP_MONITOR,
      { name: 'db', type: 'tcp', host: '127.0.0.1', port: 5432 },
      { name: 'cron', type: 'push' },
    ];
    for (const payload of monitors) {
      const reply = await api.call('POST', '/api/v1/monitors', { payload });
      assert.equal(reply.statusCode, 201, reply.body);
      const documented = variant(variants.reply, payload.type);
      for (const key of Object.keys(reply.json<Json>())) {
        assert.ok(documented[key], `${payload.type}: ${key} is documented`);
      }
    }
  });
});

void describe('GET /api/v1/monitor-types and /api/v1/channel-types', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  type Described = { type: string; schema: Json; secretFields: string[] };

  void it("describes every monitor type's fields from its checker's schema", async () => {
    const reply = await api.call('GET', '/api/v1/monitor-types');
    assert.equal(reply.statusCode, 200, reply.body);
    const { common, items } = reply.json<{ common: Json; items: Described[] }>();
    assert.deepEqual(
      Object.keys(common.properties as Json),
      Object.keys(monitorCommonSchema.shape),
    );
    assert.deepEqual(
      items.map((item) => item.type),
      MONITOR_TYPES,
    );
    const tcp = items.find((item) => item.type === 'tcp');
    assert.deepEqual(tcp?.schema.required, ['host', 'port']);
    const http = items.find((item) => item.type === 'http');
    assert.deepEqual(http?.secretFields, ['headers', 'body']);
    const httpFields = http?.schema.properties as Record<string, Json>;
    assert.equal(httpFields.body?.['x-multiline'], true, 'a body is text on several lines');
    const push = items.find((item) => item.type === 'push')?.schema.properties as Record<
      string,
      Json
    >;
    assert.equal(push.token?.readOnly, true, 'the server makes push tokens');
  });

  void it("describes every channel type's config from its notifier's schema", async () => {
    const reply = await api.call('GET', '/api/v1/channel-types');
    assert.equal(reply.statusCode, 200, reply.body);
    const { items } = reply.json<{ items: Described[] }>();
    const webhook = items.find((item) => item.type === 'webhook');
    assert.deepEqual(webhook?.schema.required, ['url']);
    assert.deepEqual(webhook?.secretFields, ['url', 'secret', 'authorization', 'headers']);
    assert.ok(items.some((item) => item.type === 'email'));
  });
});
