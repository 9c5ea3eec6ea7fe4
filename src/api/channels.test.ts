import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel } from '../model/index.js';
import { SECRET_MASK } from '../secrets/index.js';
import { createTestApi, type TestApi } from './testing.js';

type Json = Record<string, unknown>;
type ChannelReply = Json & { id: string; config: Json };

const HOOK_URL = 'https://hooks.example.com/tireless';
const HMAC_KEY = 'hmac-key-do-not-leak';
const SLACK_URL = 'https://hooks.slack.com/services/T0/B0/secret-part';

void describe('channels', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  const create = async (payload: Json): Promise<ChannelReply> => {
    const reply = await api.call('POST', '/api/v1/channels', { payload });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<ChannelReply>();
  };
  const patch = async (id: string, payload: Json): Promise<ChannelReply> => {
    const reply = await api.call('PATCH', `/api/v1/channels/${id}`, { payload });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json<ChannelReply>();
  };
  const stored = (id: string) => api.deps.store.getConfig<Channel>('channel', id)!;
  const opened = (id: string) =>
    api.deps.secrets.openFields(stored(id).config, ['secret', 'webhookUrl']);

  void it('seals secret fields in the store and masks them in every reply', async () => {
    const created = await create({
      type: 'webhook',
      name: 'ops',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    assert.deepEqual(created.config, { url: HOOK_URL, secret: SECRET_MASK });
    assert.match(String(stored(created.id).config.secret), /^enc:v1:/);
    assert.equal(stored(created.id).config.url, HOOK_URL);
    assert.equal(opened(created.id).secret, HMAC_KEY);

    const replies = [
      await api.call('GET', `/api/v1/channels/${created.id}`),
      await api.call('GET', '/api/v1/channels'),
    ];
    for (const reply of replies) {
      assert.ok(reply.body.includes(SECRET_MASK));
      assert.ok(!reply.body.includes(HMAC_KEY) && !reply.body.includes('enc:v1:'));
    }
  });

  void it('keeps a stored secret when a patch sends the mask, and replaces it otherwise', async () => {
    const created = await create({
      type: 'webhook',
      name: 'ops',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    const renamed = await patch(created.id, {
      name: 'ops team',
      config: { url: `${HOOK_URL}/v2`, secret: SECRET_MASK },
    });
    assert.equal(renamed.name, 'ops team');
    assert.deepEqual(renamed.config, { url: `${HOOK_URL}/v2`, secret: SECRET_MASK });
    assert.equal(opened(created.id).secret, HMAC_KEY);

    await patch(created.id, { config: { url: HOOK_URL, secret: 'a-new-key' } });
    assert.equal(opened(created.id).secret, 'a-new-key');
  });

  void it('validates a patch against the real secret, not its sealed text', async () => {
    // A Slack webhook URL is both secret and checked to be a URL.
    const created = await create({
      type: 'slack',
      name: 'alerts',
      config: { webhookUrl: SLACK_URL },
    });
    await patch(created.id, { name: 'alerts!' });
    await patch(created.id, { config: { webhookUrl: SECRET_MASK } });
    assert.equal(opened(created.id).webhookUrl, SLACK_URL);
    assert.match(String(stored(created.id).config.webhookUrl), /^enc:v1:/);
  });

  void it('queues a test delivery, wakes the deliverer and lists the delivery', async () => {
    const created = await create({ type: 'webhook', name: 'ops', config: { url: HOOK_URL } });
    const wakesBefore = api.wakes();
    const reply = await api.call('POST', `/api/v1/channels/${created.id}/test`);
    assert.equal(reply.statusCode, 202);
    const { deliveryId } = reply.json<{ deliveryId: string }>();
    assert.equal(api.wakes(), wakesBefore + 1);

    const [queued] = api.deps.store.claimDueDeliveries(Date.now() + 1000, 10, 0);
    assert.equal(queued?.id, deliveryId);
    assert.equal(queued.channelId, created.id);
    assert.equal(queued.event, 'test');
    const payload = queued.payload as { event: string; title: string; monitor: { name: string } };
    assert.equal(payload.event, 'test');
    assert.match(payload.monitor.name, /ops/);
    assert.ok(payload.title.length > 0);

    const list = (await api.call('GET', '/api/v1/deliveries?limit=5')).json<{ items: Json[] }>();
    const listed = list.items.find((item) => item.id === deliveryId);
    assert.equal(listed?.status, 'pending');
    assert.equal(listed.attempts, 0);
    assert.equal(listed.channelId, created.id);
  });
});

void describe('channel shape in the OpenAPI document', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  void it("documents the model's bounds and every field a reply holds", async () => {
    const spec = (await api.call('GET', '/api/docs/json', { token: null })).json<Json>();
    const operations = (spec.paths as Json)['/api/v1/channels'] as Json;
    const schemaOf = (content: unknown) =>
      ((content as Json)['application/json'] as Json).schema as { properties: Json };
    const post = operations.post as { requestBody: { content: Json }; responses: Json };
    const body = schemaOf(post.requestBody.content).properties;
    assert.equal((body.name as Json).maxLength, 200, 'the bound the model checks');
    assert.equal(body.id, undefined, 'set by the server, not sent');
    const documented = schemaOf((post.responses['201'] as Json).content).properties;
    const reply = await api.call('POST', '/api/v1/channels', {
      payload: { type: 'webhook', name: 'hook', config: { url: HOOK_URL, secret: HMAC_KEY } },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    for (const key of Object.keys(reply.json<Json>())) {
      assert.ok(documented[key], `${key} is documented`);
    }
  });
});
