import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openMonitor, type Monitor } from '../model/index.js';
import { SECRET_MASK } from '../secrets/index.js';
import { badFields, createTestApi, errorOf, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const BASIC = 'https://probe:url-password@shop.example.com/health?x=1';
const MASKED_URL = 'https://********@shop.example.com/health?x=1';
const WITH_CREDENTIALS = {
  name: 'shop',
  type: 'http',
  url: BASIC,
  method: 'POST',
  headers: { Authorization: 'Bearer header-secret', 'X-Team': 'ops' },
  body: '{"apiKey":"body-secret"}',
};
const PLAIN = ['url-password', 'header-secret', 'body-secret'];

void describe('monitor credentials', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi();
  });
  after(() => api.close());

  const create = async (payload: Json): Promise<Json & { id: string }> => {
    const reply = await api.call('POST', '/api/v1/monitors', { payload });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json();
  };
  const patch = (id: string, payload: Json) =>
    api.call('PATCH', `/api/v1/monitors/${id}`, { payload });
  const stored = (id: string) => api.deps.store.getConfig<Monitor>('monitor', id)!;
  const opened = (id: string) => openMonitor(api.deps.secrets, stored(id));

  void it('seals headers, body and URL user-info at rest and masks them in replies', async () => {
    const created = await create(WITH_CREDENTIALS);
    const text = JSON.stringify(stored(created.id));
    for (const secret of PLAIN) assert.ok(!text.includes(secret), `${secret} sealed`);
    assert.match(String(stored(created.id).url), /^enc:v2:/);
    assert.match(String(stored(created.id).body), /^enc:v2:/);
    const { url, headers, body } = opened(created.id);
    assert.deepEqual(
      { url, headers, body },
      {
        url: BASIC,
        headers: WITH_CREDENTIALS.headers,
        body: WITH_CREDENTIALS.body,
      },
    );

    assert.equal(created.url, MASKED_URL, 'the target stays readable');
    assert.deepEqual(created.headers, { Authorization: SECRET_MASK, 'X-Team': SECRET_MASK });
    assert.equal(created.body, SECRET_MASK);
    for (const path of [`/api/v1/monitors/${created.id}`, '/api/v1/monitors']) {
      const reply = await api.call('GET', path);
      for (const secret of [...PLAIN, 'enc:']) assert.ok(!reply.body.includes(secret), secret);
    }
  });

  void it('keeps masked secrets sent back, and replaces those sent anew', async () => {
    const created = await create(WITH_CREDENTIALS);
    // What a client (the web app) sends back: the reply as it read it, one field changed.
    const reply = await patch(created.id, { ...created, name: 'shop 2', url: `${MASKED_URL}&y=2` });
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(opened(created.id).url, `${BASIC}&y=2`, 'user-info kept, new path');
    assert.deepEqual(opened(created.id).headers, WITH_CREDENTIALS.headers);
    assert.equal(opened(created.id).body, WITH_CREDENTIALS.body);

    const replaced = await patch(created.id, {
      headers: { Authorization: 'Bearer new-secret', 'X-Team': SECRET_MASK },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.deepEqual(opened(created.id).headers, {
      Authorization: 'Bearer new-secret',
      'X-Team': 'ops',
    });
  });

  void it('asks for masked secrets again when the URL leads to another host', async () => {
    const created = await create(WITH_CREDENTIALS);
    const elsewhere = await patch(created.id, {
      url: 'https://********@attacker.example/collect',
      headers: { Authorization: SECRET_MASK },
      body: SECRET_MASK,
    });
    assert.equal(elsewhere.statusCode, 400, elsewhere.body);
    assert.deepEqual(badFields(elsewhere).sort(), ['body', 'headers.Authorization', 'url']);
    assert.match(errorOf(elsewhere).fields?.[0]?.problem ?? '', /send the secret again/);
    // A header alone, kept masked while the URL (without user-info) moves: refused too.
    const headerOnly = await patch(created.id, {
      url: 'http://attacker.example/',
      headers: { Authorization: SECRET_MASK },
    });
    // The body, not named, would have followed: refused too.
    assert.deepEqual(badFields(headerOnly).sort(), ['body', 'headers.Authorization']);
    assert.equal(opened(created.id).url, BASIC, 'nothing changed');

    // With the secrets given again, the move is fine.
    const moved = await patch(created.id, {
      url: 'https://probe:url-password@shop2.example.com/',
      headers: { Authorization: 'Bearer header-secret' },
      body: 'plain body',
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(opened(created.id).url, 'https://probe:url-password@shop2.example.com/');
  });

  void it('does not let the stored secrets follow a URL moved alone', async () => {
    const created = await create(WITH_CREDENTIALS);
    // A member who cannot read the secrets points the monitor at their own server.
    const alone = await patch(created.id, { url: 'http://collector.example/' });
    assert.equal(alone.statusCode, 400, alone.body);
    assert.deepEqual(badFields(alone).sort(), ['body', 'headers.Authorization', 'headers.X-Team']);
    assert.match(errorOf(alone).fields?.[0]?.problem ?? '', /send the secret again to change url/);
    assert.equal(opened(created.id).url, BASIC, 'nothing changed');
    assert.deepEqual(opened(created.id).headers, WITH_CREDENTIALS.headers);

    // Another path of the same origin is no move: the secrets stay without being sent.
    const samePlace = await patch(created.id, { url: `${MASKED_URL}&z=3` });
    assert.equal(samePlace.statusCode, 200, samePlace.body);
    assert.equal(opened(created.id).body, WITH_CREDENTIALS.body);
    // Moved with the secrets removed: nothing stored goes along.
    const cleared = await patch(created.id, {
      url: 'http://collector.example/',
      headers: null,
      body: null,
    });
    assert.equal(cleared.statusCode, 200, cleared.body);
    const now = opened(created.id);
    assert.deepEqual(
      [now.url, now.headers, now.body],
      ['http://collector.example/', undefined, undefined],
    );
  });

  void it('refuses sealed values, naming the field', async () => {
    const source = await create(WITH_CREDENTIALS);
    const sealedHeader = (stored(source.id).headers as Record<string, string>).Authorization!;
    const copied = await api.call('POST', '/api/v1/monitors', {
      payload: {
        ...WITH_CREDENTIALS,
        url: 'https://attacker.example/',
        headers: { Authorization: sealedHeader },
        body: String(stored(source.id).body),
      },
    });
    assert.equal(copied.statusCode, 400, copied.body);
    assert.deepEqual(badFields(copied).sort(), ['body', 'headers.Authorization']);
    const onPatch = await patch(source.id, { url: String(stored(source.id).url) });
    assert.deepEqual(badFields(onPatch), ['url']);
  });

  void it('seals a push token at rest, shows it in its URL, and heartbeats find it', async () => {
    const created = await create({ name: 'cron', type: 'push' });
    const token = String(created.token);
    assert.match(token, /^[A-Za-z0-9_-]{24,}$/);
    assert.equal(created.pushUrl, `/api/push/${token}`);
    assert.match(String(stored(created.id).token), /^enc:v2:/);
    assert.ok(!JSON.stringify(stored(created.id)).includes(token));
    const beat = await api.call('GET', `/api/push/${token}`, { token: null });
    assert.equal(beat.statusCode, 200, beat.body);
  });
});
