/**
 * The monitor list in a real browser against the real binary: every sort order over monitors
 * whose states, latencies and uptimes differ (local targets that answer fast, slowly, failing,
 * or never); the Maintenance and Pending states in words and colours of their own; and a
 * first load of a few hundred monitors that asks for the list and the summary once each,
 * nothing per monitor. Any console error fails it; screenshots go to artifacts/monitor-list/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { OWNER, startHttpTarget, waitFor } from '../testing/index.js';
import { logIn, startBrowserRun } from './browser.js';
import { listOrderIs, namesInList, stateInList } from './page-reading.js';

// What the function run in the page uses (this code's types are Node's, not the DOM's).
declare const getComputedStyle: (element: unknown) => { color: string };

const SCREENSHOTS = 'monitor-list';

interface SummaryItem {
  monitorId: string;
  status: string;
  recent: string;
  latest: { latencyMs: number } | null;
}

/** The state cell's words, class and colour in the row of monitor `name`. */
async function stateCell(page: Page, name: string) {
  const cell = page.getByRole('row', { name: new RegExp(`^${name} `) }).locator('.state');
  return {
    text: await cell.innerText(),
    className: await cell.getAttribute('class'),
    colour: await cell.evaluate((element) => getComputedStyle(element).color),
  };
}

test('monitor list: each sort order; Maintenance and Pending in words and colours of their own', async (t) => {
  // Charlie's target fails its first checks, then answers: its uptime lies between 0 and 100 %.
  let charlieHealthy = false;
  const target = await startHttpTarget((request, response) => {
    const url = new URL(request.url ?? '/', 'http://target');
    const answer = (status: number, afterMs: number) =>
      setTimeout(() => response.writeHead(status).end(String(status)), afterMs);
    if (url.pathname === '/alpha') return answer(200, 400);
    if (url.pathname === '/bravo') return answer(503, 0);
    if (url.pathname === '/charlie') return charlieHealthy ? answer(200, 200) : answer(503, 0);
    if (url.pathname === '/delta') return answer(200, 80);
    // /echo never answers: its monitor stays pending until its long timeout.
  });
  // Closed even when the node or the browser fails to start.
  t.after(() => target.close());
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  const create = (name: string, body: Record<string, unknown> = {}) =>
    api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name,
      type: 'http',
      url: `${target.url}/${name.toLowerCase()}`,
      intervalSeconds: 2,
      tags: ['sorted'],
      ...body,
    });
  const alpha = await create('Alpha');
  const bravo = await create('Bravo');
  const charlie = await create('Charlie');
  const delta = await create('Delta');
  // Its first check runs for 60 s without an answer: no result while the test runs.
  await create('Echo', { intervalSeconds: 120, timeoutSeconds: 60 });
  await create('Foxtrot', { paused: true });
  // Delta is inside a maintenance window that started a minute ago and lasts an hour.
  const now = Date.now();
  await api.expect(201, 'POST', '/api/v1/maintenance', {
    name: 'upgrade',
    monitorIds: [delta.id],
    schedule: { kind: 'once', startsAt: now - 60_000, endsAt: now + 3_600_000 },
  });

  // Charlie fails twice, then recovers; the list reads the uptimes as it opens (they do not
  // come live), so it opens once each checking monitor has results to judge.
  const summary = async () =>
    new Map(
      (
        await api.expect<{ items: SummaryItem[] }>(200, 'GET', '/api/v1/monitors/summary')
      ).items.map((item) => [item.monitorId, item]),
    );
  await waitFor('two failures of Charlie', async () =>
    ((await summary()).get(charlie.id)?.recent.length ?? 0) >= 2 ? true : undefined,
  );
  charlieHealthy = true;
  await waitFor(
    'Charlie up again, and every checking monitor judged',
    async () => {
      const items = await summary();
      const judged = [alpha, bravo, delta].every((m) => (items.get(m.id)?.recent.length ?? 0) > 0);
      return judged && items.get(charlie.id)?.status === 'up' ? true : undefined;
    },
    20_000,
  );

  await logIn(page, node.url, OWNER);
  await stateInList(page, 'Alpha', 'Up');
  await stateInList(page, 'Bravo', 'Down');
  await stateInList(page, 'Charlie', 'Up');
  await stateInList(page, 'Delta', 'Maintenance');
  await stateInList(page, 'Echo', 'Pending');
  await stateInList(page, 'Foxtrot', 'Paused');

  // Each state in words, with its own class and a colour no other state has.
  const cells = {
    up: await stateCell(page, 'Alpha'),
    down: await stateCell(page, 'Bravo'),
    maintenance: await stateCell(page, 'Delta'),
    pending: await stateCell(page, 'Echo'),
    paused: await stateCell(page, 'Foxtrot'),
  };
  for (const [word, cell] of Object.entries(cells)) {
    assert.equal(cell.className, `state state-${word}`, `${word}'s class`);
  }
  assert.equal(cells.maintenance.text, 'Maintenance');
  assert.equal(cells.pending.text, 'Pending');
  const text = await page
    .getByRole('row', { name: /^Delta / })
    .locator('td')
    .first()
    .evaluate((element) => getComputedStyle(element).color);
  const colours = [text, ...Object.values(cells).map((cell) => cell.colour)];
  assert.equal(
    new Set(colours).size,
    colours.length,
    `a colour per state, none the text's: ${colours.join(' ')}`,
  );
  await shot('1-states', { fullPage: false });

  // Name (the default), then each other order the Sort control offers; ties go by name.
  const sort = page.getByLabel('Sort by');
  assert.equal(await sort.inputValue(), 'name');
  await listOrderIs(page, ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot'], 'by name');
  await sort.selectOption('state');
  // Down, pending, maintenance, up, paused: the ones that need a look first.
  await listOrderIs(page, ['Bravo', 'Echo', 'Delta', 'Alpha', 'Charlie', 'Foxtrot'], 'by state');
  await shot('2-sorted-by-state', { fullPage: false });
  await sort.selectOption('latency');
  // Slowest first (400, 200, 80 ms, then a fast failure); no result yet goes last.
  await listOrderIs(page, ['Alpha', 'Charlie', 'Delta', 'Bravo', 'Echo', 'Foxtrot'], 'by latency');
  const latencies = await page
    .locator('table.monitors tbody tr[data-monitor-id] td.latency')
    .allInnerTexts();
  assert.deepEqual(latencies.slice(4), ['—', '—'], 'no latency without a result');
  const ms = latencies.slice(0, 4).map((text) => Number(/^(\d+) ms$/.exec(text)?.[1]));
  assert.deepEqual(
    [...ms].sort((a, b) => b - a),
    ms,
    `latencies shown slowest first: ${latencies.join(', ')}`,
  );
  await sort.selectOption('uptime24h');
  // Lowest first: Bravo 0 %, Charlie between, the others 100 %; no uptime yet goes last.
  await listOrderIs(page, ['Bravo', 'Charlie', 'Alpha', 'Delta', 'Echo', 'Foxtrot'], 'by uptime');
  const charlieUptime = await page
    .getByRole('row', { name: /^Charlie / })
    .locator('td.uptime-24h')
    .innerText();
  const percent = Number(/^([\d.]+) %$/.exec(charlieUptime)?.[1]);
  assert.ok(percent > 0 && percent < 100, `Charlie's uptime ${charlieUptime}`);
  await shot('3-sorted-by-uptime', { fullPage: false });
  // Back to names: the order the control names, whatever came live meanwhile.
  await sort.selectOption('name');
  assert.deepEqual(await namesInList(page), [
    'Alpha',
    'Bravo',
    'Charlie',
    'Delta',
    'Echo',
    'Foxtrot',
  ]);
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('monitor list: the first load of 300 monitors asks for the list and the summary once, nothing per monitor', async (t) => {
  const target = await startHttpTarget();
  // Closed even when the node or the browser fails to start.
  t.after(() => target.close());
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  const create = (body: Record<string, unknown>) =>
    api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      type: 'http',
      url: `${target.url}/ok`,
      intervalSeconds: 1,
      ...body,
    });
  const shop = await create({ name: 'Shop' });
  // Paused, so they cost the node no checks; ten requests at a time.
  const BULK = 300;
  for (let from = 0; from < BULK; from += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create({ name: `bulk-${String(from + i).padStart(3, '0')}`, paused: true }),
      ),
    );
  }
  await waitFor('two results of Shop', async () => {
    const { items } = await api.expect<{ items: SummaryItem[] }>(
      200,
      'GET',
      '/api/v1/monitors/summary',
    );
    return (items.find((item) => item.monitorId === shop.id)?.recent.length ?? 0) >= 2
      ? true
      : undefined;
  });
  await logIn(page, node.url, OWNER);

  // A fresh load of the list, every request it makes recorded.
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.reload();
  await page.getByText(`${BULK + 1} monitors`).waitFor();
  // Shop sorts last by name: scrolled to, its uptimes show, from the one summary.
  await page.getByLabel('Search').fill('shop');
  await page
    .getByRole('row', { name: /^Shop / })
    .locator('td.uptime-30d', { hasText: '100.00 %' })
    .waitFor();
  await page.getByLabel('Search').fill('');
  await page.locator('.scroller').evaluate((element) => {
    const scroller = element as { scrollTop: number; scrollHeight: number };
    scroller.scrollTop = scroller.scrollHeight;
  });
  await page.getByRole('link', { name: 'Shop', exact: true }).waitFor();
  // Whatever a load would ask per monitor has had time to go out.
  await page.waitForTimeout(1500);
  await shot('4-many-monitors', { fullPage: false });

  const api_ = requests
    .map((url) => new URL(url))
    .filter((url) => url.pathname.startsWith('/api/'))
    .map((url) => url.pathname);
  const count = (path: string) => api_.filter((seen) => seen === path).length;
  assert.equal(count('/api/v1/monitors'), 1, `one list request: ${api_.join(' ')}`);
  assert.equal(count('/api/v1/monitors/summary'), 1, `one summary request: ${api_.join(' ')}`);
  const perMonitor = api_.filter((path) => /^\/api\/v1\/monitors\/(?!summary$)[^/]+/.test(path));
  assert.deepEqual(perMonitor, [], 'no request names a monitor');
  assert.ok(
    api_.length <= 5,
    `a handful of API requests, whatever the monitors: ${api_.join(' ')}`,
  );
  assert.deepEqual(errors.seen, [], 'no console errors');
});
