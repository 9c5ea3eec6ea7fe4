/**
 * A monitor's page in a real browser against the real binary (named node, own region) and a
 * local target that fails, then recovers: the incident in the timeline, the results with their
 * errors and the node that checked them, the errors-only filter, uptime over each window, the
 * chart's periods, zoom by dragging across the chart and back, and Resume after Pause. Any
 * console error fails it; screenshots go to artifacts/monitor-page/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { OWNER, startRecordingHttpServer, waitFor } from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';

const SCREENSHOTS = 'monitor-page';
const NODE_ID = 'checker-7';
const REGION = 'eu-test';

interface StoredResult {
  slot: number;
  status: 'up' | 'down';
  error: string | null;
}

interface Incident {
  startedAt: number;
  endedAt: number | null;
  cause: string;
}

/** The chart's periods as the page names them, and their length, ms. */
const RANGES = [
  ['1 h', '1h', 3_600_000],
  ['24 h', '24h', 86_400_000],
  ['7 d', '7d', 7 * 86_400_000],
  ['30 d', '30d', 30 * 86_400_000],
  ['90 d', '90d', 90 * 86_400_000],
] as const;

/** The span, ms, of the latest series request the page made. */
function latestSpan(series: URL[]): { from: number; to: number; span: number } {
  const url = series.at(-1);
  assert.ok(url, 'the page read a series');
  const from = Number(url.searchParams.get('from'));
  const to = Number(url.searchParams.get('to'));
  return { from, to, span: to - from };
}

/** Waits until the page's monitor state shows `state`. */
async function pageState(page: Page, state: string): Promise<void> {
  await page
    .locator('.monitor-summary .state', { hasText: new RegExp(`^${state}$`) })
    .waitFor({ timeout: 20_000 });
}

test('monitor page: an incident in the timeline, errors and the node that checked, uptimes, chart periods and zoom, resume after pause', async (t) => {
  let healthy = true;
  const target = await startRecordingHttpServer(() =>
    healthy ? { status: 200, body: 'ok' } : { status: 503, body: 'failing on purpose' },
  );
  // Closed even when the node or the browser fails to start.
  t.after(() => target.close());
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS, [
    ...['--node-id', NODE_ID, '--region', REGION],
  ]);
  await api.setUp(OWNER);
  const monitor = await api.expect<{ id: string; revision: number }>(
    201,
    'POST',
    '/api/v1/monitors',
    { name: 'Shop', type: 'http', url: `${target.url}/health`, intervalSeconds: 1 },
  );
  const results = async () =>
    (
      await api.expect<{ items: StoredResult[] }>(
        200,
        'GET',
        `/api/v1/monitors/${monitor.id}/results?limit=100`,
      )
    ).items;
  const incidents = async () =>
    (
      await api.expect<{ items: Incident[] }>(
        200,
        'GET',
        `/api/v1/incidents?monitorId=${monitor.id}`,
      )
    ).items;

  // Up, then down for a few checks, then up again: one incident, opened and closed.
  await waitFor('two results up', async () => ((await results()).length >= 2 ? true : undefined));
  healthy = false;
  await waitFor('three failed checks', async () =>
    (await results()).filter((result) => result.status === 'down').length >= 3 ? true : undefined,
  );
  healthy = true;
  const [incident] = await waitFor(
    'the incident closed',
    async () => {
      const items = await incidents();
      return items.length === 1 && items[0]?.endedAt !== null ? items : undefined;
    },
    20_000,
  );
  assert.ok(incident && incident.endedAt !== null);
  // Paused: the figures below hold still while the page is read against the API.
  const paused = await api.expect<{ revision: number }>(
    200,
    'PATCH',
    `/api/v1/monitors/${monitor.id}`,
    { paused: true, revision: monitor.revision },
  );
  assert.ok(paused.revision > monitor.revision);
  const stored = await results();
  const failed = stored.filter((result) => result.error !== null);
  assert.ok(failed.length >= 3 && stored.length > failed.length);

  const seriesRead: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === `/api/v1/monitors/${monitor.id}/series`) seriesRead.push(url);
  });
  await logIn(page, node.url, OWNER);
  await page.getByRole('link', { name: 'Shop', exact: true }).click();
  await heading(page, 'Shop');
  await pageState(page, 'Paused');

  // The incident's timeline: down with its cause, up again, each at its time.
  const timeline = page.locator('ol.incidents > li');
  await timeline.first().waitFor();
  assert.equal(await timeline.count(), 1);
  const wentDown = timeline.locator('li.state-down');
  const cameUp = timeline.locator('li.state-up');
  assert.match(await wentDown.innerText(), new RegExp(`Down: ${incident.cause}$`));
  assert.equal(
    await wentDown.locator('time').getAttribute('datetime'),
    new Date(incident.startedAt).toISOString(),
  );
  assert.match(await cameUp.innerText(), /Up again \(lasted \d+ min\)$/);
  assert.equal(
    await cameUp.locator('time').getAttribute('datetime'),
    new Date(incident.endedAt).toISOString(),
  );
  assert.equal(await timeline.locator('li.state-pending').count(), 0, 'not still down');
  await shot('1-incident', { fullPage: true });

  // Results: each row with its error (the failed ones) and the node and region that checked.
  const rows = page.locator('table.results tbody tr');
  await waitFor('every result listed', async () =>
    (await rows.count()) === stored.length ? true : undefined,
  );
  const cells = async (column: number) => rows.locator(`td:nth-child(${column})`).allInnerTexts();
  assert.deepEqual(
    await cells(4),
    stored.map((result) => result.error ?? ''),
    'the error column, newest first',
  );
  assert.deepEqual(
    await cells(2),
    stored.map((result) => (result.status === 'up' ? 'Up' : 'Down')),
  );
  assert.ok(
    (await cells(5)).every((where) => where === `${NODE_ID} (${REGION})`),
    'checked by the named node, in its region',
  );
  // Only the results with errors: the ok ones leave, the failed ones stay with their text.
  const errorsOnly = page.getByLabel('Only results with errors');
  await errorsOnly.check();
  await waitFor('only the failed results listed', async () =>
    (await rows.count()) === failed.length ? true : undefined,
  );
  assert.deepEqual(
    await cells(4),
    failed.map((result) => result.error),
  );
  assert.ok((await cells(2)).every((status) => status === 'Down'));
  await shot('2-errors-only', { fullPage: true });
  await errorsOnly.uncheck();
  await waitFor('every result back', async () =>
    (await rows.count()) === stored.length ? true : undefined,
  );

  // Uptime over each window, as the API counts it.
  for (const window of ['24h', '7d', '30d', '90d']) {
    const uptime = await api.expect<{ uptime: number; checks: number }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/uptime?window=${window}`,
    );
    assert.ok(uptime.uptime > 0 && uptime.uptime < 1, `${window}: ${uptime.uptime}`);
    const percent = `${(Math.floor(uptime.uptime * 10_000) / 100).toFixed(2)} %`;
    await page
      .locator(`[data-window="${window}"] dd`, { hasText: `${percent} ${uptime.checks} checks` })
      .waitFor();
  }

  // Each period of the chart: drawn, pressed, and read over its whole length ending now.
  for (const [label, range, ms] of RANGES) {
    await page.getByRole('button', { name: label, exact: true }).click();
    await page.locator(`.chart[data-range="${range}"] canvas`).first().waitFor();
    assert.equal(
      await page.getByRole('button', { name: label, exact: true }).getAttribute('aria-pressed'),
      'true',
    );
    assert.equal(await page.locator('.ranges [aria-pressed="true"]').count(), 1);
    assert.equal(latestSpan(seriesRead).span, ms, `${range} read over its length`);
  }

  // Zoom: a drag across the last hour's chart reads a part of it; reset reads the hour again.
  await page.getByRole('button', { name: '1 h', exact: true }).click();
  await page.locator('.chart[data-range="1h"] canvas').first().waitFor();
  const hour = latestSpan(seriesRead);
  const plot = page.locator('.chart .u-over');
  const box = await plot.boundingBox();
  assert.ok(box, 'the chart has a plot area');
  const y = box.y + box.height / 2;
  // From 24 minutes ago to the end (the plot's last pixels reach it): the monitor's results, all
  // of the last seconds, are in it. (Ending 20 s ago, a fast run found them all after it.)
  await page.mouse.move(box.x + box.width * 0.6, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.999, y, { steps: 5 });
  await page.mouse.up();
  await page.locator('.chart[data-range="zoom"] canvas').first().waitFor();
  const zoomed = latestSpan(seriesRead);
  assert.ok(
    zoomed.from > hour.from && zoomed.to <= hour.to,
    `the zoom reads inside the hour: ${JSON.stringify({ hour, zoomed })}`,
  );
  // The drag covered 39.9 % of the plot's width: about 24 of the hour's 60 minutes.
  assert.ok(
    Math.abs(zoomed.span - 0.399 * hour.span) < 0.05 * hour.span,
    `the zoom spans the part dragged across: ${zoomed.span} ms`,
  );
  assert.equal(await page.locator('.ranges [aria-pressed="true"]').count(), 0, 'no period pressed');
  assert.equal(await page.getByText('No results in this period.').count(), 0, 'the results in it');
  await shot('3-zoomed', { fullPage: false });
  await page.getByRole('button', { name: 'Show the whole period' }).click();
  await page.locator('.chart[data-range="1h"] canvas').first().waitFor();
  assert.equal(latestSpan(seriesRead).span, hour.span, 'the whole hour again');
  assert.equal(await page.getByRole('button', { name: 'Show the whole period' }).count(), 0);
  assert.equal(
    await page.getByRole('button', { name: '1 h', exact: true }).getAttribute('aria-pressed'),
    'true',
  );

  // Resume: checked again, its new results listed live; pause and resume once more.
  const newest = stored[0]?.slot ?? 0;
  const checkedAgain = async (after: number) =>
    waitFor('a result after the resume', async () => {
      const latest = (await results())[0];
      return latest && latest.slot > after ? latest.slot : undefined;
    });
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await pageState(page, 'Up');
  const resumedAt = await checkedAgain(newest);
  await waitFor('the new results listed', async () =>
    (await rows.count()) > stored.length ? true : undefined,
  );
  await page.getByRole('button', { name: 'Pause' }).click();
  await pageState(page, 'Paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await pageState(page, 'Up');
  const pausedAgain = (await results())[0]?.slot ?? resumedAt;
  await checkedAgain(pausedAgain);
  const after = await api.expect<{ paused: boolean; status: string }>(
    200,
    'GET',
    `/api/v1/monitors/${monitor.id}`,
  );
  assert.deepEqual([after.paused, after.status], [false, 'up']);
  await shot('4-resumed', { fullPage: false });
  assert.deepEqual(errors.seen, [], 'no console errors');
});
