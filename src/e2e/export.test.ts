/**
 * The app's two downloads in a real browser against the real binary: Settings' "Export
 * configuration" saves the account's channels and monitors as YAML apply takes (no secret in
 * it), and the monitor page's "Download results (CSV)" saves every result the node recorded,
 * as CSV that parses back to the same results (an error text with a comma and quotes
 * included). Any console error fails it; screenshots are kept in artifacts/export/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import type { StoredResult } from '../store/index.js';
import { OWNER, parseCsv, startHttpTarget, waitFor } from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';

/** Clicks the link named `name` and returns what the browser saved, and its file name. */
async function downloadOf(page: Page, name: string): Promise<{ file: string; text: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name }).click(),
  ]);
  const path = await download.path();
  return { file: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

test('export: Settings saves the configuration as YAML, the monitor page its results as CSV', async (t) => {
  // A shop whose page lacks the keyword: each check is down with an error that quotes it.
  const target = await startHttpTarget((_request, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('Closed today');
  });
  t.after(() => target.close());
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'export');
  await api.setUp(OWNER);
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    name: 'ops',
    type: 'webhook',
    config: { url: 'http://127.0.0.1:9/hook', secret: 'channel-secret' },
  });
  const monitor = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `http://probe:url-secret@127.0.0.1:${target.port}/`,
    headers: { Authorization: 'Bearer header-secret' },
    keyword: 'Welcome, "friend"',
    intervalSeconds: 1,
    channelIds: [channel.id],
  });
  await waitFor('three results', async () => {
    const { items } = await api.expect<{ items: StoredResult[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/results`,
    );
    return items.length >= 3 ? true : undefined;
  });

  await logIn(page, node.url, OWNER);
  await page.getByRole('link', { name: 'Settings' }).click();
  await heading(page, 'Settings');
  await page.getByRole('heading', { name: 'Export configuration' }).scrollIntoViewIfNeeded();
  await shot('1-settings-export', { fullPage: false });
  const config = await downloadOf(page, 'Export configuration (YAML)');
  assert.equal(config.file, 'tireless-owner-example-com.yaml');
  assert.match(config.text, /^# Tireless channels and monitors of the account/);
  const file = parseYaml(config.text) as {
    channels: { name: string; config: Record<string, unknown> }[];
    monitors: Record<string, unknown>[];
  };
  assert.deepEqual(
    file.channels.map((entry) => [entry.name, entry.config.secret]),
    [['ops', '********']],
  );
  assert.equal(file.monitors.length, 1);
  assert.equal(file.monitors[0]?.url, `http://********@127.0.0.1:${target.port}/`);
  assert.deepEqual(file.monitors[0]?.headers, { Authorization: '********' });
  assert.deepEqual(file.monitors[0]?.channels, ['ops']);
  for (const secret of ['channel-secret', 'url-secret', 'header-secret', '/hook']) {
    assert.ok(!config.text.includes(secret), `${secret} is not in the export`);
  }

  await page.goto(`${node.url}/monitors/${monitor.id}`);
  await heading(page, 'shop');
  await page.getByRole('link', { name: 'Download results (CSV)' }).scrollIntoViewIfNeeded();
  await shot('2-monitor-results-csv', { fullPage: false });
  const csv = await downloadOf(page, 'Download results (CSV)');
  assert.equal(csv.file, `tireless-${monitor.id}-results.csv`);
  // Read after the download: every result it holds is recorded by then (more may follow).
  const { items } = await api.expect<{ items: StoredResult[] }>(
    200,
    'GET',
    `/api/v1/monitors/${monitor.id}/results?limit=10000`,
  );
  const [columns, ...rows] = parseCsv(csv.text);
  assert.deepEqual(columns, ['time', 'status', 'latency_ms', 'error', 'node', 'region']);
  assert.ok(rows.length >= 3, `${rows.length} results`);
  const recorded = items.map((result) => [
    new Date(result.checkedAt).toISOString(),
    result.status,
    String(result.latencyMs),
    result.error ?? '',
    result.node,
    result.region,
  ]);
  assert.deepEqual(
    rows,
    recorded.slice(recorded.length - rows.length),
    'the newest first, each once',
  );
  assert.match(rows[0]?.[3] ?? '', /^keyword "Welcome, \\"friend\\"" not found/);
  assert.deepEqual(errors.seen, []);
});
