import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createTestApi, type TestApi } from '../api/index.js';
import { TIRELESS_BIN } from '../testing/index.js';
import type { TirelessError } from '../errors/index.js';
import { DAY_MS, HOUR_MS } from '../store/index.js';
import { runApply, type ApplyOptions, type ApplyReport } from './apply.js';

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
  const fileOf = (yaml: string) => {
    const file = join(dir, `monitors-${++files}.yaml`);
    writeFileSync(file, yaml);
    return file;
  };
  const lines: string[] = [];
  // As from a script: stdin is no terminal, so no `confirm` unless a test gives one.
  const apply = (yaml: string, options: Partial<ApplyOptions> = {}): Promise<ApplyReport> => {
    lines.length = 0;
    return runApply({
      file: fileOf(yaml),
      url,
      token: api.token,
      dryRun: false,
      log: (line) => lines.push(line),
      ...options,
    });
  };
  return { api, apply, lines, url, fileOf };
}

/**
 * Runs the real `tireless apply` with `input` on its stdin: a pipe, or a terminal (`script`
 * from util-linux runs it on a pseudo-terminal).
 */
function runCommand(
  args: string[],
  input: string,
  stdin: 'pipe' | 'terminal',
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, TIRELESS_BIN, 'apply', ...args];
  const child =
    stdin === 'terminal'
      ? spawn('script', ['-qec', command.map((arg) => `'${arg}'`).join(' '), '/dev/null'])
      : spawn(command[0]!, command.slice(1));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
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

/** Stores check results for a monitor, over 40 days (older ones live on in the rollups). */
function recordResults(api: TestApi, monitorId: string, ages: readonly number[]): void {
  const now = Date.now();
  api.deps.store.ingest(
    ages.map((age) => {
      const slot = now - age - ((now - age) % 1000);
      return {
        monitorId,
        slot,
        checkedAt: slot,
        status: 'up',
        latencyMs: 5,
        node: 'n',
        region: 'local',
      };
    }),
  );
}

const HISTORY = [40 * DAY_MS, 2 * HOUR_MS, 60_000];

/** The names of the monitors and of the channels of the account. */
async function namesOf(api: TestApi): Promise<{ monitors: string[]; channels: string[] }> {
  const names = async (collection: 'monitors' | 'channels') =>
    (await list(api, collection)).map((entity) => entity.name).sort();
  return { monitors: await names('monitors'), channels: await names('channels') };
}

const planLines = (lines: string[]) => lines.filter((line) => /^ {2}[+~\-·] /.test(line));

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
      authorization: Bearer added-in-the-edit
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

test('an edited file updates, and deletes nothing it no longer names without --prune', async () => {
  const { api, apply, lines } = await startApi();
  try {
    await apply(FIRST);
    recordResults(api, byName(await list(api, 'monitors'), 'db').id, HISTORY);
    const before = await list(api, 'monitors');

    const dry = await apply(EDITED, { dryRun: true });
    assert.deepEqual(planLines(lines), [
      '  ~ update channel "ops" (config.authorization: (not set) → (secret))',
      '  ~ update monitor "shop" (intervalSeconds: 60 → 30, keyword: "Welcome" → (not set), channels: ["chat","ops"] → ["ops"])',
      '  · keep monitor "db" (not in the file; --prune deletes it and its 3 recorded results)',
      '  · keep channel "chat" (not in the file; --prune deletes it)',
    ]);
    assert.equal(dry.dryRun, true);
    assert.deepEqual(
      dry.kept.map((step) => [step.action, step.kind, step.name, step.results]),
      [
        ['delete', 'monitor', 'db', 3],
        ['delete', 'channel', 'chat', undefined],
      ],
    );
    assert.deepEqual(await list(api, 'monitors'), before, 'a dry run changes nothing');

    const applied = await apply(EDITED);
    assert.ok(applied.steps.every((step) => step.action === 'update'));
    assert.ok(lines.includes('applied: 0 created, 2 updated, 0 deleted'), lines.join('\n'));
    assert.deepEqual(await namesOf(api), {
      monitors: ['cron', 'db', 'shop'],
      channels: ['chat', 'ops'],
    });
    const channels = await list(api, 'channels');
    const shop = byName(await list(api, 'monitors'), 'shop');
    assert.equal(shop.intervalSeconds, 30);
    assert.equal(shop.keyword, undefined);
    assert.deepEqual(shop.channelIds, [byName(channels, 'ops').id]);
    const ops = api.deps.store.getConfig<{
      id: string;
      accountId: string;
      config: { secret: string };
    }>('channel', byName(channels, 'ops').id);
    const place = { accountId: ops!.accountId, kind: 'channel', id: ops!.id };
    const secret = api.deps.secrets.open(ops!.config.secret, place, 'config.secret');
    assert.equal(secret, 's3cret-value', 'secret re-sent');

    assert.deepEqual((await apply(EDITED)).steps, []);
    assert.ok(lines.includes('nothing to do'), lines.join('\n'));
  } finally {
    await api.close();
  }
});

test('--prune --yes deletes what the file does not name, and the plan says how much history goes', async () => {
  const { api, apply, lines } = await startApi();
  try {
    await apply(FIRST);
    const db = byName(await list(api, 'monitors'), 'db');
    recordResults(api, db.id, HISTORY);

    const names = await namesOf(api);
    assert.equal(api.deps.store.countResults(), HISTORY.length);
    await apply(EDITED, { prune: true, dryRun: true });
    assert.deepEqual(planLines(lines).slice(2), [
      '  - delete monitor "db" (not in the file; 3 recorded results go with it)',
      '  - delete channel "chat" (not in the file)',
    ]);
    assert.ok(
      lines.includes(
        '! --prune: DELETES 1 monitor and 1 channel (monitor "db", channel "chat"), with 3 recorded results',
      ),
      lines.join('\n'),
    );
    assert.deepEqual(await namesOf(api), names, 'a dry run changes nothing');

    const report = await apply(EDITED, { prune: true, yes: true });
    assert.deepEqual(
      report.steps.map((step) => `${step.action} ${step.kind} ${step.name}`),
      ['update channel ops', 'update monitor shop', 'delete monitor db', 'delete channel chat'],
    );
    assert.deepEqual(report.kept, []);
    assert.deepEqual(await namesOf(api), { monitors: ['cron', 'shop'], channels: ['ops'] });
    assert.equal(api.deps.store.countResults(), 0, 'its results went with it');
  } finally {
    await api.close();
  }
});

test('--prune is refused without a terminal or --yes, and asks at a terminal', async () => {
  const { api, apply, lines } = await startApi();
  try {
    await apply(FIRST);
    recordResults(api, byName(await list(api, 'monitors'), 'db').id, HISTORY);
    const before = { monitors: await list(api, 'monitors'), channels: await list(api, 'channels') };
    const unchanged = async (why: string) =>
      assert.deepEqual(
        { monitors: await list(api, 'monitors'), channels: await list(api, 'channels') },
        before,
        why,
      );

    await assert.rejects(apply(EDITED, { prune: true }), (error: TirelessError) => {
      assert.equal(error.code, 'TIRELESS_VALIDATION');
      assert.match(
        error.message,
        /^apply --prune would delete 1 monitor and 1 channel \(monitor "db", channel "chat"\), with 3 recorded results, and cannot ask: add --yes .*nothing was changed$/,
      );
      assert.deepEqual(
        error.fields.map((problem) => problem.field),
        ['--yes'],
      );
      return true;
    });
    assert.ok(
      lines.some((line) => line.startsWith('! --prune: DELETES')),
      'the plan was shown',
    );
    await unchanged('refused without a terminal: nothing changed, not even the updates');

    const questions: string[] = [];
    const answer = (yes: boolean) => (question: string) => {
      questions.push(question);
      return Promise.resolve(yes);
    };
    await assert.rejects(apply(EDITED, { prune: true, confirm: answer(false) }), /apply cancelled/);
    await unchanged('not confirmed: nothing changed');
    await apply(EDITED, { prune: true, confirm: answer(true) });
    assert.deepEqual(questions, [
      'Delete 1 monitor and 1 channel (monitor "db", channel "chat"), with 3 recorded results? Only "yes" deletes: ',
      'Delete 1 monitor and 1 channel (monitor "db", channel "chat"), with 3 recorded results? Only "yes" deletes: ',
    ]);
    assert.deepEqual(await namesOf(api), { monitors: ['cron', 'shop'], channels: ['ops'] });

    const none: string[] = [];
    await apply(EDITED, {
      prune: true,
      confirm: (question) => Promise.resolve(!none.push(question)),
    });
    assert.deepEqual(none, [], 'nothing to delete: nothing asked');
  } finally {
    await api.close();
  }
});

test('tireless apply --prune asks at a terminal, and without one needs --yes', async () => {
  const { api, apply, url, fileOf } = await startApi();
  try {
    await apply(FIRST);
    const all = await namesOf(api);
    const args = ['-f', fileOf(EDITED), '--url', url, '--token', api.token, '--prune'];

    const no = await runCommand(args, 'no\n', 'terminal');
    assert.equal(no.code, 1, no.output);
    assert.match(no.output, /Delete 1 monitor and 1 channel \(monitor "db", channel "chat"\)/);
    assert.match(no.output, /tireless: apply cancelled: .*nothing was changed/);
    assert.deepEqual(await namesOf(api), all);

    const piped = await runCommand(args, 'yes\n', 'pipe');
    assert.equal(piped.code, 1, piped.output);
    assert.match(piped.output, /cannot ask: add --yes to delete them, or leave out --prune/);
    assert.deepEqual(await namesOf(api), all, 'an answer on a pipe is no confirmation');

    const pruned = { monitors: ['cron', 'shop'], channels: ['ops'] };
    const yes = await runCommand(args, 'yes\n', 'terminal');
    assert.equal(yes.code, 0, yes.output);
    assert.match(yes.output, /applied: 0 created, 2 updated, 2 deleted/);
    assert.deepEqual(await namesOf(api), pruned);

    await apply(FIRST);
    const script = await runCommand([...args, '--yes'], '', 'pipe');
    assert.equal(script.code, 0, script.output);
    assert.deepEqual(await namesOf(api), pruned);
  } finally {
    await api.close();
  }
});

test('locations and confirmations: a default majority follows the locations the file sets', async () => {
  const { api, apply, lines } = await startApi();
  const file = (locations: number) =>
    `monitors:\n  - {name: db, type: tcp, host: h, port: 1, locations: ${locations}}\n`;
  try {
    await apply(file(3));
    const db = byName(await list(api, 'monitors'), 'db');
    assert.deepEqual([db.locations, db.confirmations], [3, 2]);
    assert.deepEqual((await apply(file(3))).steps, []);
    await apply(file(1), { dryRun: true });
    assert.deepEqual(planLines(lines), [
      '  ~ update monitor "db" (locations: 3 → 1, confirmations: 2 → 1)',
    ]);
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
      [
        'monitors:\n  - {name: a, type: tcp, host: h, port: 1, locations: 2, confirmations: 3}\n',
        /monitors\[0\]\.confirmations: must not exceed locations \(2\)/,
      ],
      [
        'monitors:\n  - {name: a, type: http, url: "https://example.com/", headers: {Host: internal}}\n',
        /monitors\[0\]\.headers\.Host: Host is set by Tireless from the URL and body/,
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
    // Valid in the file, refused by the server: a push token is the server's to make.
    const token = 'a'.repeat(32);
    const yaml = `
channels:
  - {name: ops, type: slack, config: {webhookUrl: "https://hooks.slack.com/services/T/B/X"}}
monitors:
  - {name: first, type: push, channels: [ops]}
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
      apply('monitors: []\n', { token: 'not-a-token' }),
      /answered 401: .*check --token/,
    );
  } finally {
    await api.close();
  }
});

test('monitor credentials are compared masked and never printed in a plan', async () => {
  const { api, apply, lines } = await startApi();
  const file = (path: string) => `
monitors:
  - name: private
    type: http
    url: https://probe:url-password@shop.example.com/${path}
    headers:
      Authorization: Bearer header-secret
`;
  try {
    await apply(file('health'));
    assert.deepEqual((await apply(file('health'))).steps, [], 'masked secrets compare equal');
    await apply(file('ready'), { dryRun: true });
    assert.deepEqual(planLines(lines).slice(-1), [
      '  ~ update monitor "private" (url: "https://********@shop.example.com/health" → "https://********@shop.example.com/ready")',
    ]);
    assert.ok(!lines.join('\n').includes('url-password'));
  } finally {
    await api.close();
  }
});
