/**
 * `tireless export` with `tireless apply`: an account exported and applied to another account
 * makes the same channels and monitors there, once its masked secrets are written in (before,
 * apply refuses naming each, and makes nothing); applied to its own account it changes
 * nothing. And the real command: to a file, to stdout, and its errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { createTestApi, signUp, type TestApi } from '../api/index.js';
import type { TirelessError } from '../errors/index.js';
import { openMonitor, type Channel, type Monitor } from '../model/index.js';
import { TIRELESS_BIN } from '../testing/index.js';
import { runApply } from './apply.js';
import { runExport } from './export.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0/B0/slack-secret';
const OPS_URL = 'https://hooks.example.com/ops';
const WEBHOOK_SECRET = 'webhook-signing-secret';
const HEADER = 'Bearer header-secret';
const URL_PASSWORD = 'url-password';

/** The real API on a loopback port, with open sign-up for a second account. */
async function startApi(): Promise<{ api: TestApi; url: string; dir: string }> {
  const api = await createTestApi({ settings: { signup: 'open' } });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  return { api, url, dir: mkdtempSync(join(tmpdir(), 'tireless-export-')) };
}

/** Channels and monitors of every kind of field: secrets, channel names, tags, a push token. */
async function fillAccount(api: TestApi): Promise<void> {
  const create = async (url: string, payload: object) => {
    const reply = await api.call('POST', url, { payload });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<{ id: string }>().id;
  };
  const chat = await create('/api/v1/channels', {
    name: 'chat',
    type: 'slack',
    config: { webhookUrl: SLACK_URL },
  });
  const ops = await create('/api/v1/channels', {
    name: 'ops',
    type: 'webhook',
    config: { url: OPS_URL, secret: WEBHOOK_SECRET },
  });
  await create('/api/v1/channels', {
    name: 'mail',
    type: 'email',
    config: { host: 'smtp.example.com', from: 'tireless@example.com', to: ['ops@example.com'] },
  });
  await create('/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `https://probe:${URL_PASSWORD}@shop.example.com/health`,
    headers: { Authorization: HEADER, 'X-Plain': 'plain' },
    keyword: 'Welcome',
    intervalSeconds: 30,
    tags: ['prod', 'web'],
    channelIds: [chat, ops],
  });
  await create('/api/v1/monitors', {
    name: 'db',
    type: 'tcp',
    host: 'db.example.com',
    port: 5432,
    paused: true,
    channelIds: [ops],
  });
  await create('/api/v1/monitors', { name: 'cron', type: 'push', intervalSeconds: 300 });
  await create('/api/v1/monitors', {
    name: 'dns',
    type: 'dns',
    hostname: 'example.com',
    recordType: 'A',
    retries: 2,
  });
}

/** An export's text without its opening comment (which names the account and the time). */
function body(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
}

test('export → apply into a second account makes the same channels and monitors, once the secrets are written in', async () => {
  const { api, url, dir } = await startApi();
  try {
    await fillAccount(api);
    const second = await signUp(api.app, 'second@example.com');
    const secondAccount = (await api.call('GET', '/api/v1/account', { token: second })).json<{
      id: string;
    }>().id;
    const log: string[] = [];
    const exportOf = async (token: string, out: string) => {
      const report = await runExport({
        url,
        token,
        out,
        write: () => assert.fail('the file goes to -o'),
        log: (line) => log.push(line),
      });
      return { report, text: readFileSync(out, 'utf8') };
    };
    const apply = (file: string, token: string) =>
      runApply({ file, url, token, dryRun: false, log: () => undefined });

    const first = await exportOf(api.token, join(dir, 'first.yaml'));
    assert.deepEqual(first.report, { channels: 3, monitors: 4 });
    assert.match(log.at(-1) ?? '', /^exported 3 channels and 4 monitors to .*first\.yaml; /);

    // Its own account has every secret the file masks: nothing to do.
    const same = await apply(join(dir, 'first.yaml'), api.token);
    assert.deepEqual(same.steps, []);
    assert.equal(same.unchanged, 7);

    // Another account has none of them: refused, naming each, and nothing made.
    await assert.rejects(apply(join(dir, 'first.yaml'), second), (error: TirelessError) => {
      assert.equal(error.code, 'TIRELESS_VALIDATION');
      assert.deepEqual(error.fields.map((problem) => problem.field).sort(), [
        'channels[0].config.webhookUrl',
        'channels[2].config.secret',
        // A webhook's URL and every header value may hold a credential: all are secrets.
        'channels[2].config.url',
        'monitors[3].headers.Authorization',
        'monitors[3].headers.X-Plain',
        'monitors[3].url',
      ]);
      assert.match(error.message, /nothing was changed/);
      assert.match(error.message, /the account has no such secret of channel "chat" to keep/);
      return true;
    });
    const empty = await exportOf(second, join(dir, 'empty.yaml'));
    assert.deepEqual(empty.report, { channels: 0, monitors: 0 });

    // The secrets written in: the second account gets what the first has.
    const file = parseYaml(first.text) as {
      channels: { name: string; config: Record<string, unknown> }[];
      monitors: Record<string, unknown>[];
    };
    const named = <T extends { name?: unknown }>(items: T[], name: string): T => {
      const found = items.find((item) => item.name === name);
      assert.ok(found, name);
      return found;
    };
    named(file.channels, 'chat').config.webhookUrl = SLACK_URL;
    Object.assign(named(file.channels, 'ops').config, { url: OPS_URL, secret: WEBHOOK_SECRET });
    const shop = named(file.monitors, 'shop');
    shop.url = `https://probe:${URL_PASSWORD}@shop.example.com/health`;
    shop.headers = { Authorization: HEADER, 'X-Plain': 'plain' };
    const filled = join(dir, 'filled.yaml');
    writeFileSync(filled, stringify(file));
    const applied = await apply(filled, second);
    assert.equal(applied.steps.filter((step) => step.action === 'create').length, 7);

    const copy = await exportOf(second, join(dir, 'second.yaml'));
    assert.equal(body(copy.text), body(first.text), 'the same channels and monitors');
    // The secrets themselves, not their masks, as stored in the second account.
    const stored = api.deps.store.listScoped<Monitor>('monitor', secondAccount);
    const opened = openMonitor(api.deps.secrets, named(stored, 'shop'));
    assert.equal((opened.headers as Record<string, string>).Authorization, HEADER);
    assert.equal(opened.url, `https://probe:${URL_PASSWORD}@shop.example.com/health`);
    const chat = named(api.deps.store.listScoped<Channel>('channel', secondAccount), 'chat');
    const place = { accountId: secondAccount, kind: 'channel' as const, id: chat.id };
    assert.deepEqual(api.deps.secrets.openFields(chat.config, ['webhookUrl'], place, 'config.'), {
      webhookUrl: SLACK_URL,
    });
    // And the first account's export, as JSON (which is YAML too), applies to the second: same.
    const json = await api.call('GET', '/api/v1/export?format=json');
    writeFileSync(join(dir, 'first.json'), json.body);
    assert.deepEqual((await apply(join(dir, 'first.json'), second)).steps, []);
  } finally {
    await api.close();
  }
});

/** Runs the real `tireless export` with `args`: its exit code, stdout and stderr. */
function runCommand(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [TIRELESS_BIN, 'export', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('tireless export writes the file to -o or stdout, and says clearly what went wrong', async () => {
  const { api, url, dir } = await startApi();
  try {
    await fillAccount(api);
    const expected = body((await api.call('GET', '/api/v1/export')).body);
    const out = join(dir, 'account.yaml');

    const toFile = await runCommand(['--url', url, '--token', api.token, '-o', out]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout, '');
    assert.match(toFile.stderr, /exported 3 channels and 4 monitors to .*account\.yaml/);
    assert.equal(body(readFileSync(out, 'utf8')), expected);

    const toStdout = await runCommand(['--url', url, '--token', api.token]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(body(toStdout.stdout), expected);
    assert.match(toStdout.stdout, /^# Tireless channels and monitors of the account/);

    const badToken = await runCommand(['--url', url, '--token', 'tl_not-a-token', '-o', out]);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /GET \/api\/v1\/export answered 401: .*check --token/);
    assert.equal(body(readFileSync(out, 'utf8')), expected, 'the file is left as it was');

    const closed = await runCommand(['--url', 'http://127.0.0.1:9', '--token', api.token]);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /cannot reach the node at http:\/\/127\.0\.0\.1:9/);

    const noDir = await runCommand([
      '--url',
      url,
      '--token',
      api.token,
      '-o',
      join(dir, 'no', 'x'),
    ]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /cannot write .*no\/x: /);
  } finally {
    await api.close();
  }
});
