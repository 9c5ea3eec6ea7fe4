import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Channel } from '../model/index.js';
import { SECRET_MASK, SecretBox } from '../secrets/index.js';
import { createTestApi, type TestApi } from './testing.js';

type Json = Record<string, unknown>;
type ChannelReply = Json & { id: string; config: Json };

const HOOK_URL = 'https://hooks.example.com/tireless';
const HMAC_KEY = 'hmac-key-do-not-leak';
const SLACK_URL = 'https://hooks.slack.com/services/T0/B0/secret-part';

const KEY = SecretBox.generateKey();

/** `plain` sealed as releases before v2 did: AES-256-GCM without associated data. */
function legacySeal(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return 'enc:v1:' + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join(':');
}

void describe('channels', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi({ secretKey: KEY });
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
  const opened = (id: string) => {
    const { accountId, config } = stored(id);
    const fields = ['url', 'secret', 'webhookUrl', 'headers', 'appToken'];
    return api.deps.secrets.openFields(
      config,
      fields,
      { accountId, kind: 'channel', id },
      'config.',
    );
  };
  const refused = async (method: 'POST' | 'PATCH', path: string, payload: Json) => {
    const reply = await api.call(method, path, { payload });
    assert.equal(reply.statusCode, 400, reply.body);
    return reply.json<{ error: { fields: { field: string; problem: string }[] } }>().error.fields;
  };

  void it('seals secret fields in the store and masks them in every reply', async () => {
    const created = await create({
      type: 'webhook',
      name: 'ops',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    assert.deepEqual(created.config, { url: SECRET_MASK, secret: SECRET_MASK });
    assert.match(String(stored(created.id).config.secret), /^enc:v2:/);
    assert.match(String(stored(created.id).config.url), /^enc:v2:/);
    assert.equal(opened(created.id).secret, HMAC_KEY);
    assert.equal(opened(created.id).url, HOOK_URL);

    const replies = [
      await api.call('GET', `/api/v1/channels/${created.id}`),
      await api.call('GET', '/api/v1/channels'),
    ];
    for (const reply of replies) {
      assert.ok(reply.body.includes(SECRET_MASK));
      assert.ok(!reply.body.includes(HMAC_KEY) && !reply.body.includes('enc:'));
      assert.ok(!reply.body.includes(HOOK_URL));
    }
  });

  void it("seals and masks each value of a webhook's headers, keeping their names", async () => {
    const created = await create({
      type: 'webhook',
      name: 'keyed',
      config: { url: HOOK_URL, headers: { 'X-Api-Key': 'header-secret', 'X-Team': 'ops' } },
    });
    assert.deepEqual(created.config.headers, { 'X-Api-Key': SECRET_MASK, 'X-Team': SECRET_MASK });
    const storedHeaders = stored(created.id).config.headers as Record<string, string>;
    assert.match(storedHeaders['X-Api-Key']!, /^enc:v2:/);
    // One masked header kept, the other replaced.
    await patch(created.id, {
      config: { url: SECRET_MASK, headers: { 'X-Api-Key': SECRET_MASK, 'X-Team': 'dev' } },
    });
    assert.deepEqual(opened(created.id).headers, { 'X-Api-Key': 'header-secret', 'X-Team': 'dev' });
  });

  void it('refuses a sealed value from a client, naming the field', async () => {
    const source = await create({
      type: 'webhook',
      name: 'source',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    const sealed = String(stored(source.id).config.secret);
    const fields = await refused('POST', '/api/v1/channels', {
      type: 'webhook',
      name: 'thief',
      config: { url: 'https://attacker.example/hook', secret: sealed },
    });
    assert.deepEqual(
      fields.map((f) => f.field),
      ['config.secret'],
    );
    assert.match(fields[0]!.problem, /enc:/);
    const target = await create({ type: 'webhook', name: 'target', config: { url: HOOK_URL } });
    const onPatch = await refused('PATCH', `/api/v1/channels/${target.id}`, {
      config: { url: SECRET_MASK, headers: { 'X-Copied': sealed } },
    });
    assert.deepEqual(
      onPatch.map((f) => f.field),
      ['config.headers.X-Copied'],
    );
  });

  void it('asks for a masked secret again when the destination changes', async () => {
    const gotify = await create({
      type: 'gotify',
      name: 'push',
      config: { serverUrl: 'https://gotify.example', appToken: 'app-token-secret' },
    });
    const fields = await refused('PATCH', `/api/v1/channels/${gotify.id}`, {
      config: { serverUrl: 'https://attacker.example', appToken: SECRET_MASK },
    });
    assert.deepEqual(
      fields.map((f) => f.field),
      ['config.appToken'],
    );
    assert.match(fields[0]!.problem, /config\.serverUrl/);
    assert.equal(opened(gotify.id).serverUrl, 'https://gotify.example', 'nothing changed');
    // The same change with the secret given again is fine.
    await patch(gotify.id, {
      config: { serverUrl: 'https://gotify2.example', appToken: 'app-token-secret' },
    });
    assert.equal(opened(gotify.id).serverUrl, 'https://gotify2.example');

    // A webhook's URL is itself secret: a new one needs its signing key again.
    const hook = await create({
      type: 'webhook',
      name: 'hook',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    const moved = await refused('PATCH', `/api/v1/channels/${hook.id}`, {
      config: { url: 'https://attacker.example/hook', secret: SECRET_MASK },
    });
    assert.deepEqual(
      moved.map((f) => f.field),
      ['config.secret'],
    );
  });

  void it('opens a secret sealed before v2 and seals it bound on the next write', async () => {
    const created = await create({ type: 'webhook', name: 'old', config: { url: HOOK_URL } });
    const legacy = legacySeal(HMAC_KEY);
    const doc = stored(created.id);
    await api.deps.config.put(
      'channel',
      { ...doc, config: { ...doc.config, secret: legacy } },
      doc.revision,
    );
    assert.equal(opened(created.id).secret, HMAC_KEY);
    await patch(created.id, { name: 'renamed', config: { url: SECRET_MASK, secret: SECRET_MASK } });
    assert.match(String(stored(created.id).config.secret), /^enc:v2:/);
    assert.equal(opened(created.id).secret, HMAC_KEY);
  });

  void it('keeps a stored secret when a patch sends the mask, and replaces it otherwise', async () => {
    const created = await create({
      type: 'webhook',
      name: 'ops',
      config: { url: HOOK_URL, secret: HMAC_KEY },
    });
    const renamed = await patch(created.id, {
      name: 'ops team',
      config: { url: SECRET_MASK, secret: SECRET_MASK },
    });
    assert.equal(renamed.name, 'ops team');
    assert.deepEqual(renamed.config, { url: SECRET_MASK, secret: SECRET_MASK });
    assert.equal(opened(created.id).secret, HMAC_KEY);
    assert.equal(opened(created.id).url, HOOK_URL);

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
    assert.match(String(stored(created.id).config.webhookUrl), /^enc:v2:/);
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
