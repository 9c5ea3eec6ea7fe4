/**
 * A stored secret that does not open (sealed under another key, pasted from another entity,
 * tampered with) must not fail a read: not the entity's, and not a list's of the others. A
 * change that would keep it is refused, naming the field, until the secret is sent again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel, Monitor } from '../model/index.js';
import { SECRET_MASK } from '../secrets/index.js';
import { badFields, createTestApi, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

void describe('damaged sealed secrets', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  const create = async (url: string, payload: Json): Promise<Json & { id: string }> => {
    const reply = await api.call('POST', url, { payload });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json();
  };
  /** Replaces stored fields of an entity, as a tampered or mixed-up database holds them. */
  const damage = async (kind: 'monitor' | 'channel', id: string, fields: Json) => {
    const stored = api.deps.store.getConfig<
      Json & { id: string; revision: number; accountId: string }
    >(kind, id);
    assert.ok(stored);
    await api.deps.config.put(kind, { ...stored, ...fields }, stored.revision);
  };
  /** A value sealed for another monitor's field: a real ciphertext that does not open here. */
  const pasted = async () => {
    const donor = await create('/api/v1/monitors', {
      name: 'donor',
      type: 'http',
      url: 'https://donor.example.com',
      headers: { 'X-Key': 'donor-secret' },
    });
    return api.deps.store.getConfig<Monitor>('monitor', donor.id)!.headers as Json;
  };

  void it('reads a monitor whose secret does not open as masked, and lists the others', async () => {
    const sound = await create('/api/v1/monitors', {
      name: 'sound',
      type: 'tcp',
      host: 'a',
      port: 1,
    });
    const broken = await create('/api/v1/monitors', {
      name: 'broken',
      type: 'http',
      url: 'https://shop.example.com',
      headers: { 'X-Key': 'shop-secret', 'X-Team': 'ops' },
    });
    const { 'X-Key': sealed } = await pasted();
    const storedHeaders = api.deps.store.getConfig<Monitor>('monitor', broken.id)!.headers as Json;
    await damage('monitor', broken.id, { headers: { ...storedHeaders, 'X-Key': sealed } });

    const one = await api.call('GET', `/api/v1/monitors/${broken.id}`);
    assert.equal(one.statusCode, 200, one.body);
    const shown = one.json<Json>();
    assert.deepEqual(shown.headers, { 'X-Key': SECRET_MASK, 'X-Team': SECRET_MASK });
    assert.deepEqual(shown.unreadableSecrets, ['headers.X-Key']);
    const list = await api.call('GET', '/api/v1/monitors');
    assert.equal(list.statusCode, 200, list.body);
    const ids = list.json<{ items: Json[] }>().items.map((m) => m.id);
    assert.ok(ids.includes(sound.id) && ids.includes(broken.id));
    const soundReply = (await api.call('GET', `/api/v1/monitors/${sound.id}`)).json<Json>();
    assert.equal(soundReply.unreadableSecrets, undefined);
  });

  void it('refuses a change that keeps the damaged secret, naming it; takes it sent again', async () => {
    const monitor = await create('/api/v1/monitors', {
      name: 'guarded',
      type: 'http',
      url: 'https://api.example.com',
      method: 'POST',
      body: 'api-secret',
    });
    const { 'X-Key': sealed } = await pasted();
    await damage('monitor', monitor.id, { body: sealed });
    const before = api.deps.store.getConfig<Monitor>('monitor', monitor.id);

    for (const payload of [{ name: 'renamed' }, { body: SECRET_MASK }]) {
      const refused = await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, { payload });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.deepEqual(badFields(refused), ['body']);
      assert.deepEqual(api.deps.store.getConfig<Monitor>('monitor', monitor.id), before);
    }
    const again = await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
      payload: { name: 'renamed', body: 'api-secret-2' },
    });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json<Json>().unreadableSecrets, undefined);
  });

  void it('reads a push monitor whose token does not open without its URL', async () => {
    const push = await create('/api/v1/monitors', { name: 'beat', type: 'push' });
    const { 'X-Key': sealed } = await pasted();
    await damage('monitor', push.id, { token: sealed });
    const reply = await api.call('GET', `/api/v1/monitors/${push.id}`);
    assert.equal(reply.statusCode, 200, reply.body);
    const shown = reply.json<Json>();
    assert.equal(shown.token, SECRET_MASK);
    assert.equal(shown.pushUrl, undefined);
    assert.deepEqual(shown.unreadableSecrets, ['token']);
    // A fresh token (null) repairs it.
    const fresh = await api.call('PATCH', `/api/v1/monitors/${push.id}`, {
      payload: { token: null },
    });
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.match(String(fresh.json<Json>().pushUrl), /^\/api\/push\/.{20,}$/);
  });

  void it('refuses a channel change that keeps a damaged secret, naming it', async () => {
    const channel = await create('/api/v1/channels', {
      type: 'webhook',
      name: 'ops',
      config: { url: 'https://hooks.example.com/a', secret: 'hook-secret' },
    });
    const stored = api.deps.store.getConfig<Channel>('channel', channel.id)!;
    const { 'X-Key': sealed } = await pasted();
    await damage('channel', channel.id, { config: { ...stored.config, secret: sealed } });
    const before = api.deps.store.getConfig<Channel>('channel', channel.id);

    const read = await api.call('GET', '/api/v1/channels');
    assert.equal(read.statusCode, 200, read.body);
    const refused = await api.call('PATCH', `/api/v1/channels/${channel.id}`, {
      payload: { name: 'renamed' },
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.deepEqual(badFields(refused), ['config.secret']);
    assert.deepEqual(api.deps.store.getConfig<Channel>('channel', channel.id), before);
    const again = await api.call('PATCH', `/api/v1/channels/${channel.id}`, {
      payload: { name: 'renamed', config: { url: SECRET_MASK, secret: 'hook-secret-2' } },
    });
    assert.equal(again.statusCode, 200, again.body);
  });
});
