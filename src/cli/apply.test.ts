import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApi, type TestApi } from '../api/index.js';
import { runApply, type ApplyReport } from './apply.js';

interface Entity {
  id: string;
  name: string;
  [field: string]: unknown;
}

/** The real API on a loopback port, and apply pointed at it. */
async function startApi() {
  const api = await createTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'tireless-apply-'));
  let files = 0;
  const lines: string[] = [];
  const apply = (yaml: string, dryRun = false, token = api.token): Promise<ApplyReport> => {
    const file = join(dir, `monitors-${++files}.yaml`);
    writeFileSync(file, yaml);
    lines.length = 0;
    return runApply({ file, url, token, dryRun, log: (line) => lines.push(line) });
  };
  return { api, apply, lines };
}

async function list(api: TestApi, collection: 'monitors' | 'channels'): Promise<Entity[]> {
  const reply = await api.call('GET', `/api/v1/${collection}`);
  return reply.json<{ items: Entity[] }>().items;
}

function byName(entities: Entity[], name: string): Entity {
  const found = entities.find((entity) => entity.name === name);
  assert.ok(found, `${name} exists`);
  return found;
}

const FIRST = `
channels:
  - name: ops
    type: webhook
    config:
      url: https://hooks.example.com/ops
      secret: s3cret-value
  - name: chat
    type: slack
    config:
      webhookUrl: https://hooks.slack.com/services/T0/B0/X0
monitors:
  - name: shop
    type: http
    url: https://shop.example.com/
    keyword: Welcome
    intervalSeconds: 60
    channels: [ops, chat]
  - name: db
    type: tcp
    host: db.example.com
    port: 5432
  - name: cron
    type: push
    intervalSeconds: 300
`;

const EDITED = `
channels:
  - name: ops
    type: webhook
    config:
      url: https://hooks.example.com/ops-v2
      secret: s3cret-value
monitors:
  - name: shop
    type: http
    url: https://shop.example.com/
    intervalSeconds: 30
    channels: [ops]
  - name: cron
    type: push
    intervalSeconds: 300
`;

test('the first apply creates everything; applying the same file again changes nothing', async () => {
  const { api, apply, lines } = await startApi();
  try {
    const first = await apply(FIRST);
    assert.deepEqual(
      first.steps.map((step) => `${step.action} ${step.kind} ${step.name}`),
      [
        'create channel ops',
        'create channel chat',
        'create monitor shop',
        'create monitor db',
        'create monitor cron',
      ],
    );
    const channels = await list(api, 'channels');
    const monitors = await list(api, 'monitors');
    assert.deepEqual(byName(monitors, 'shop').channelIds, [
      byName(channels, 'ops').id,
      byName(channels, 'chat').id,
    ]);
    assert.equal(byName(monitors, 'db').port, 5432);
    const token = byName(monitors, 'cron').token;
    assert.equal(typeof token, 'string');

    const second = await apply(FIRST);
    assert.deepEqual(second.steps, []);
    assert.equal(second.unchanged, 5);
    assert.ok(lines.includes('  = 5 unchanged'), lines.join('\n'));
    assert.equal(byName(await list(api, 'monitors'), 'cron').token, token, 'token kept');
  } finally {
    await api.close();
  }
});

test('an edited file updates, deletes what it dropped, and a dry run changes nothing', async () => {
  const { api, apply, lines } = await startApi();
  try {
    await apply(FIRST);
    const before = await list(api, 'monitors');

    const dry = await apply(EDITED, true);
    assert.deepEqual(
      lines.filter((line) => /^ {2}[+~-] /.test(line)),
      [
        '  ~ update channel "ops" (config.url: "https://hooks.example.com/ops" → "https://hooks.example.com/ops-v2")',
        '  ~ update monitor "shop" (intervalSeconds: 60 → 30, keyword: "Welcome" → (not set), channels: ["chat","ops"] → ["ops"])',
        '  - delete monitor "db" (not in the file)',
        '  - delete channel "chat" (not in the file)',
      ],
    );
    assert.ok(lines.some((line) => line.startsWith('! 2 not in the file will be DELETED')));
    assert.equal(dry.dryRun, true);
    assert.deepEqual(await list(api, 'monitors'), before, 'a dry run changes nothing');

    await apply(EDITED);
    const channels = await list(api, 'channels');
    const monitors = await list(api, 'monitors');
    assert.deepEqual(monitors.map((m) => m.name).sort(), ['cron', 'shop']);
    assert.deepEqual(
      channels.map((c) => c.name),
      ['ops'],
    );
    const shop = byName(monitors, 'shop');
    assert.equal(shop.intervalSeconds, 30);
    assert.equal(shop.keyword, undefined);
    assert.deepEqual(shop.channelIds, [byName(channels, 'ops').id]);
    const ops = api.deps.store.getConfig<{ config: { secret: string } }>(
      'channel',
      channels[0]!.id,
    );
    assert.equal(api.deps.secrets.open(ops!.config.secret), 's3cret-value', 'secret re-sent');

    assert.deepEqual((await apply(EDITED)).steps, []);
  } finally {
    await api.close();
  }
});

test('an invalid file is refused with the path of each problem, and nothing changes', async () => {
  const { api, apply } = await startApi();
  try {
    const cases: [string, RegExp][] = [
      ['monitors: [\n', /is not valid YAML/],
      ['', /\(file\): declares nothing/],
      ['monitor: []\n', /monitor: is not a known key/],
      ['monitors:\n  - name: a\n    type: http\n    url: nope\n', /monitors\[0\]\.url: /],
      [
        'monitors:\n  - {name: a, type: tcp, host: h, port: 1}\n  - {name: b, type: tcp, host: h, port: 1, channels: [ops]}\n',
        /monitors\[1\]\.channels\[0\]: names no channel of this file: "ops"/,
      ],
      [
        'monitors:\n  - {name: a, type: tcp, host: h, port: 1}\n  - {name: a, type: tcp, host: h, port: 2}\n',
        /monitors\[1\]\.name: "a" is already the name of monitors\[0\]/,
      ],
      [
        'channels:\n  - {name: ops, type: webhook, config: {url: 42}}\nmonitors: []\n',
        /channels\[0\]\.config\.url: /,
      ],
      [
        'monitors:\n  - {name: a, type: tcp, host: h, port: 1, channelIds: [x]}\n',
        /monitors\[0\]\.channelIds: /,
      ],
    ];
    for (const [yaml, message] of cases) {
      await assert.rejects(
        apply(yaml),
        (error: Error & { code?: string }) =>
          error.code === 'TIRELESS_VALIDATION' && message.test(error.message),
        JSON.stringify(yaml),
      );
    }
    assert.deepEqual(await list(api, 'monitors'), []);
    assert.deepEqual(await list(api, 'channels'), []);
  } finally {
    await api.close();
  }
});

test('a step the server refuses stops the run and says what was and was not done', async () => {
  const { api, apply } = await startApi();
  try {
    // Valid alone, refused together: a push token leads to one monitor only.
    const token = 'a'.repeat(32);
    const yaml = `
channels:
  - {name: ops, type: slack, config: {webhookUrl: "https://hooks.slack.com/services/T/B/X"}}
monitors:
  - {name: first, type: push, token: ${token}, channels: [ops]}
  - {name: second, type: push, token: ${token}}
`;
    await assert.rejects(apply(yaml), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TIRELESS_VALIDATION');
      assert.match(error.message, /create monitor "second" failed: .*token/);
      assert.match(
        error.message,
        /done \(2\):\n {4}\+ create channel "ops"\n {4}\+ create monitor "first"/,
      );
      assert.match(error.message, /not done \(1\):\n {4}\+ create monitor "second"/);
      return true;
    });
    assert.deepEqual(
      (await list(api, 'monitors')).map((m) => m.name),
      ['first'],
    );
    await assert.rejects(
      apply('monitors: []\n', false, 'not-a-token'),
      /answered 401: .*check --token/,
    );
  } finally {
    await api.close();
  }
});
