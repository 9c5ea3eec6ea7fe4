/**
 * The account's downloads: `GET /api/v1/export` (the file `tireless apply -f` takes, secrets
 * masked, nothing of another account) and `GET /api/v1/monitors/:id/results.csv` (valid CSV
 * whatever an error text holds, every result once over many pages, 404 for another account's
 * monitor). The round trip through apply is in src/cli/export.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { CheckedResult } from '../store/index.js';
import { parseCsv } from '../testing/index.js';
import { createTestApi, signUp, type TestApi } from './testing.js';

/** The secrets the first account's channels and monitors hold: none may leave in an export. */
const SECRETS = {
  slackUrl: 'https://hooks.slack.com/services/T0/B0/slack-secret-path',
  webhookSecret: 'webhook-signing-secret',
  webhookAuthorization: 'Bearer webhook-authorization-secret',
  header: 'Bearer header-secret',
  urlPassword: 'url-password-secret',
  body: '{"apiKey":"body-secret"}',
};

void describe('the account export and the results CSV', () => {
  let api: TestApi;
  let otherToken: string;
  const ids: Record<string, string> = {};

  const create = async (url: string, payload: object, token?: string) => {
    const reply = await api.call('POST', url, { payload, ...(token ? { token } : {}) });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<{ id: string; [field: string]: unknown }>();
  };

  before(async () => {
    api = await createTestApi({ settings: { signup: 'open' } });
    otherToken = await signUp(api.app, 'other@example.com');
    const renamed = await api.call('PATCH', '/api/v1/account', { payload: { name: 'Acme Shop!' } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    ids.slack = (
      await create('/api/v1/channels', {
        name: 'chat',
        type: 'slack',
        config: { webhookUrl: SECRETS.slackUrl },
      })
    ).id;
    ids.webhook = (
      await create('/api/v1/channels', {
        name: 'ops',
        type: 'webhook',
        config: {
          url: 'https://hooks.example.com/ops',
          secret: SECRETS.webhookSecret,
          authorization: SECRETS.webhookAuthorization,
        },
      })
    ).id;
    const shop = await create('/api/v1/monitors', {
      name: 'shop',
      type: 'http',
      url: `https://probe:${SECRETS.urlPassword}@shop.example.com/health`,
      method: 'POST',
      headers: { Authorization: SECRETS.header },
      body: SECRETS.body,
      intervalSeconds: 30,
      channelIds: [ids.slack, ids.webhook],
    });
    ids.shop = shop.id;
    const cron = await create('/api/v1/monitors', { name: 'cron', type: 'push' });
    ids.cron = cron.id;
    ids.cronToken = String(cron.token);
    ids.db = (
      await create('/api/v1/monitors', {
        name: 'database',
        type: 'tcp',
        host: 'database',
        port: 5432,
      })
    ).id;
    ids.elsewhere = (
      await create(
        '/api/v1/monitors',
        { name: 'their-site', type: 'tcp', host: 'their.example.com', port: 443 },
        otherToken,
      )
    ).id;
  });
  after(() => api.close());

  const download = async (url: string, token?: string) => {
    const reply = await api.call('GET', url, token ? { token } : {});
    assert.equal(reply.statusCode, 200, reply.body);
    return reply;
  };

  void it('writes the file apply takes: sorted by name, channels by name, no server fields, a header that says what is masked', async () => {
    const reply = await download('/api/v1/export');
    assert.match(String(reply.headers['content-type']), /^text\/yaml/);
    const accountId = (await api.call('GET', '/api/v1/account')).json<{ id: string }>().id;
    assert.equal(
      reply.headers['content-disposition'],
      'attachment; filename="tireless-acme-shop.yaml"',
    );
    const header = reply.body.split('\n').filter((line) => line.startsWith('#'));
    assert.match(header.join('\n'), /Secrets are NOT in this file: each reads "\*{8}"/);
    assert.ok(header[0]?.includes(`"Acme Shop!" (${accountId})`), header[0]);
    assert.match(header.join('\n'), /2 channels and 3 monitors/);

    const file = parseYaml(reply.body) as { channels: object[]; monitors: object[] };
    const [chat, ops] = file.channels as { name: string; type: string; config: object }[];
    assert.deepEqual(chat, { name: 'chat', type: 'slack', config: { webhookUrl: '********' } });
    assert.equal(ops?.name, 'ops');
    assert.deepEqual(
      { ...ops?.config },
      { ...ops?.config, url: '********', secret: '********', authorization: '********' },
    );
    assert.deepEqual(
      file.monitors.map((monitor) => (monitor as { name: string }).name),
      ['cron', 'database', 'shop'],
    );
    const [cron, , shop] = file.monitors as Record<string, unknown>[];
    assert.equal(shop?.url, 'https://********@shop.example.com/health');
    assert.deepEqual(shop?.headers, { Authorization: '********' });
    assert.equal(shop?.body, '********');
    assert.deepEqual(shop?.channels, ['chat', 'ops']);
    assert.equal(shop?.intervalSeconds, 30);
    assert.equal(cron?.type, 'push');
    for (const monitor of [cron, shop]) {
      for (const field of ['id', 'accountId', 'revision', 'createdAt', 'channelIds', 'status']) {
        assert.ok(!Object.hasOwn(monitor ?? {}, field), `${field} is not in the file`);
      }
    }
    assert.ok(!Object.hasOwn(cron ?? {}, 'token'), 'a push token is made by the server');
  });

  void it('never writes a secret, in YAML or JSON', async () => {
    const yaml = (await download('/api/v1/export')).body;
    const json = await download('/api/v1/export?format=json');
    assert.match(String(json.headers['content-type']), /^application\/json/);
    assert.match(String(json.headers['content-disposition']), /\.json"$/);
    // JSON is YAML too: the same file apply reads.
    assert.deepEqual(json.json(), parseYaml(yaml));
    for (const text of [yaml, json.body]) {
      for (const [name, secret] of Object.entries({ ...SECRETS, pushToken: ids.cronToken })) {
        assert.ok(!text.includes(secret ?? ''), `${name} is not in the export`);
      }
    }
  });

  void it("shows another account only its own: nothing of the first account's", async () => {
    const text = (await download('/api/v1/export', otherToken)).body;
    const file = parseYaml(text) as { channels: unknown[]; monitors: { name: string }[] };
    assert.deepEqual(file.channels, []);
    assert.deepEqual(
      file.monitors.map((monitor) => monitor.name),
      ['their-site'],
    );
    // Names no id or time could hold by chance (ids are hex).
    for (const name of ['chat', 'ops', 'shop', 'cron', 'database', 'owner@example.com']) {
      assert.ok(!text.includes(name), `${name} of the first account is not in the other's export`);
    }
    for (const id of Object.values(ids)) assert.ok(!text.includes(id));
  });

  void it('refuses an unknown format, naming it', async () => {
    const reply = await api.call('GET', '/api/v1/export?format=xml');
    assert.equal(reply.statusCode, 400);
    assert.deepEqual(
      reply.json<{ error: { fields: { field: string }[] } }>().error.fields.map((f) => f.field),
      ['format'],
    );
  });

  void it('writes results as CSV that parses back whatever an error text holds', async () => {
    const awkward = 'expected "200", got 500,\r\nbody: "a, b"\nend';
    const formula = '=HYPERLINK("http://evil.example.com")';
    const base = Date.UTC(2030, 0, 1);
    const results = (
      [
        { slot: base, checkedAt: base + 7, status: 'up', latencyMs: 12, node: 'n1', region: 'eu' },
        {
          slot: base + 30_000,
          checkedAt: base + 30_009,
          status: 'down',
          latencyMs: 30_000,
          error: awkward,
          node: 'n1',
          region: 'eu',
        },
        {
          slot: base + 60_000,
          checkedAt: base + 60_003,
          status: 'down',
          latencyMs: 4,
          error: formula,
          node: 'n, 2',
          region: 'us "east"',
        },
      ] as Omit<CheckedResult, 'monitorId'>[]
    ).map((result) => ({ monitorId: ids.shop ?? '', ...result }));
    api.deps.store.ingest(results);

    const reply = await download(`/api/v1/monitors/${ids.shop}/results.csv`);
    assert.match(String(reply.headers['content-type']), /^text\/csv/);
    assert.equal(
      reply.headers['content-disposition'],
      `attachment; filename="tireless-${ids.shop}-results.csv"`,
    );
    assert.deepEqual(parseCsv(reply.body), [
      ['time', 'status', 'latency_ms', 'error', 'node', 'region'],
      [new Date(base + 60_003).toISOString(), 'down', '4', `'${formula}`, 'n, 2', 'us "east"'],
      [new Date(base + 30_009).toISOString(), 'down', '30000', awkward, 'n1', 'eu'],
      [new Date(base + 7).toISOString(), 'up', '12', '', 'n1', 'eu'],
    ]);

    const since = await download(
      `/api/v1/monitors/${ids.shop}/results.csv?since=${base + 1}&until=${new Date(base + 60_000).toISOString()}`,
    );
    assert.deepEqual(
      parseCsv(since.body).map((record) => record[2]),
      ['latency_ms', '30000'],
    );
  });

  void it('writes every result once, newest first, over many pages and several results a slot', async () => {
    const base = Date.UTC(2030, 1, 1);
    // 800 slots checked from 3 places: 2,400 results, past two pages of 1,000, each page
    // ending inside a slot (1,000 is no multiple of 3).
    const results: CheckedResult[] = [];
    for (let i = 0; i < 800; i++) {
      for (const node of ['a', 'b', 'c']) {
        results.push({
          monitorId: ids.db ?? '',
          slot: base + i * 1000,
          checkedAt: base + i * 1000,
          status: 'up',
          latencyMs: i,
          node,
          region: 'eu',
        });
      }
    }
    api.deps.store.ingest(results);
    const records = parseCsv((await download(`/api/v1/monitors/${ids.db}/results.csv`)).body);
    const rows = records.slice(1).map(([time, , latency, , node]) => `${time} ${latency} ${node}`);
    assert.equal(rows.length, 2400);
    assert.equal(new Set(rows).size, 2400, 'no result twice');
    const latencies = records.slice(1).map((record) => Number(record[2]));
    assert.deepEqual(
      latencies,
      [...latencies].sort((a, b) => b - a),
      'newest first',
    );
    assert.equal(latencies.at(-1), 0);
  });

  void it("answers 404 for another account's monitor, and for its own to the other account", async () => {
    for (const [url, token] of [
      [`/api/v1/monitors/${ids.elsewhere}/results.csv`, undefined],
      [`/api/v1/monitors/${ids.shop}/results.csv`, otherToken],
    ] as const) {
      const reply = await api.call('GET', url, token ? { token } : {});
      assert.equal(reply.statusCode, 404, reply.body);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
    }
  });
});
