/**
 * The monitor list with 10,000 monitors in a real browser against the real binary: it opens,
 * keeps fewer than 200 rows in the page (virtual), scrolls to the last monitor, finds one by
 * search, and asks the node nothing per monitor. Any console error fails it; screenshots go
 * to artifacts/ten-thousand/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER } from '../testing/index.js';
import { logIn, startBrowserRun } from './browser.js';

const MONITORS = 10_000;
/** Monitor POSTs in flight at once while seeding. */
const IN_FLIGHT = 32;

test('monitor list: 10,000 monitors open, scroll to the last and search, with fewer than 200 rows in the page and nothing asked per monitor', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'ten-thousand');
  await api.setUp(OWNER);
  // Paused, so they cost the node no checks (nothing listens at port 9 anyway).
  const name = (n: number) => `bulk-${String(n).padStart(4, '0')}`;
  let next = 0;
  const seed = async () => {
    for (let n = next++; n < MONITORS; n = next++) {
      await api.expect(201, 'POST', '/api/v1/monitors', {
        name: name(n),
        type: 'http',
        url: 'http://127.0.0.1:9/',
        paused: true,
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, seed));

  // Every request of the page from the login on.
  const requests: URL[] = [];
  page.on('request', (request) => requests.push(new URL(request.url())));
  await logIn(page, node.url, OWNER);
  await page.getByText(`${MONITORS} monitors`).waitFor({ timeout: 30_000 });
  const rows = page.locator('table.monitors tbody tr');
  const drawn = await rows.count();
  assert.ok(drawn > 0 && drawn < 200, `${drawn} rows in the page of ${MONITORS}`);
  await page.getByRole('link', { name: name(0), exact: true }).waitFor();

  // Sorted by name, the last is bulk-9999.
  await page.locator('.scroller').evaluate((element) => {
    const scroller = element as { scrollTop: number; scrollHeight: number };
    scroller.scrollTop = scroller.scrollHeight;
  });
  await page.getByRole('link', { name: name(MONITORS - 1), exact: true }).waitFor();
  const drawnAtEnd = await rows.count();
  assert.ok(drawnAtEnd > 0 && drawnAtEnd < 200, `${drawnAtEnd} rows in the page at the end`);
  await shot('1-the-end', { fullPage: false });

  await page.getByLabel('Search').fill(name(4242));
  await page.getByText(`1 of ${MONITORS} monitors`).waitFor();
  assert.deepEqual(
    await page.locator('table.monitors tbody tr[data-monitor-id] th a').allInnerTexts(),
    [name(4242)],
  );
  await shot('2-found', { fullPage: false });
  // Whatever the list would ask per monitor has had time to go out.
  await page.waitForTimeout(1_000);

  const paths = requests
    .filter((url) => url.pathname.startsWith('/api/'))
    .map((url) => url.pathname);
  const perMonitor = paths.filter((path) => /^\/api\/v1\/monitors\/(?!summary$)[^/]+/.test(path));
  assert.deepEqual(perMonitor, [], 'no request names a monitor');
  assert.ok(
    paths.length <= 10,
    `a handful of API requests for ${MONITORS} monitors: ${paths.join(' ')}`,
  );
  assert.deepEqual(errors.seen, [], 'no console errors');
});
