/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the
 * real binary and a real HTTP target: setup → login → a monitor created → Up → the target
 * fails → Down, without a reload → its public status page shows it Down. Any console error
 * fails it; screenshots are kept in artifacts/dashboard/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { OWNER, startRecordingHttpServer, waitFor } from '../testing/index.js';
import { ConsoleErrors, heading, logIn, startBrowserRun, submitLogIn } from './browser.js';

// What the functions run in the page use (this code's types are Node's, not the DOM's).
declare const getComputedStyle: (element: unknown) => { color: string; backgroundColor: string };
declare const document: { body: unknown };

/** Where the dashboard's screenshots go, under artifacts/. */
const SCREENSHOTS = 'dashboard';

/** Waits until the monitor's row shows `state` in its state cell. */
async function stateShows(page: Page, name: string, state: string): Promise<void> {
  await page
    .getByRole('row', { name: new RegExp(`^${name} `) })
    .locator('.state', { hasText: new RegExp(`^${state}$`) })
    .waitFor({ timeout: 20_000 });
}

test('dashboard: setup, login, a monitor goes Up, then Down live without a reload, and its status page shows it', async (t) => {
  let healthy = true;
  const target = await startRecordingHttpServer(() =>
    healthy ? { status: 200, body: 'ok' } : { status: 503, body: 'failing on purpose' },
  );
  const { node, context, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  t.after(() => target.close());

  // The page itself: the strict headers, no inline script.
  const first = await page.goto(`${node.url}/`);
  const headers = first?.headers() ?? {};
  assert.match(headers['content-security-policy'] ?? '', /default-src 'self'/);
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');

  // First run: a fresh node sends the visitor to setup; on loopback only, without a code.
  await heading(page, 'Set up Tireless');
  assert.equal(new URL(page.url()).pathname, '/setup');
  assert.match(node.output(), /no setup code needed: this node listens on loopback only/);
  assert.equal(await page.getByLabel('Setup code').count(), 0);
  await shot('1-setup');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel(/^Password/).fill('correct horse battery');
  await page.getByRole('button', { name: 'Create owner account' }).click();

  // Login, with the keyboard alone: the email is filled in, Tab, type, Enter.
  await heading(page, 'Log in');
  assert.equal(await page.getByLabel('Email').inputValue(), 'owner@example.com');
  await page.getByLabel('Password').focus();
  await page.keyboard.type('correct horse battery');
  await shot('2-login');
  await page.keyboard.press('Enter');
  await heading(page, 'Monitors');
  await page.getByText('No monitors yet.').waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === 'tireless_session');
  assert.ok(session, 'the session is a cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');

  await page.getByRole('link', { name: 'New monitor' }).click();
  await heading(page, 'New HTTP monitor');
  await page.getByLabel('Name').fill('Shop');
  // The browser takes this URL; the server refuses it: its problem shows beside the field.
  await page.getByLabel('URL').fill('ftp://127.0.0.1/');
  await page.getByLabel('Check every (seconds)').fill('1');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  const urlError = page.locator('#field-url-error');
  await urlError.waitFor();
  assert.match(await urlError.innerText(), /must be an http:\/\/ or https:\/\/ URL/);
  assert.equal(await page.getByLabel('URL').getAttribute('aria-invalid'), 'true');
  errors.expect(/status of 400/);
  await shot('3-field-error');
  await page.getByLabel('URL').fill(`${target.url}/health`);
  await page.getByRole('button', { name: 'Create monitor' }).click();

  await heading(page, 'Monitors');
  const row = page.getByRole('row', { name: /^Shop / });
  await row.waitFor();
  assert.deepEqual((await row.locator('th, td').allInnerTexts()).slice(0, 3), [
    'Shop',
    'HTTP',
    `${target.url}/health`,
  ]);
  await stateShows(page, 'Shop', 'Up');
  assert.match(await row.locator('td.latency').innerText(), /^\d+ ms$/);
  await shot('4-up');

  // A mark in the page: a reload would wipe it.
  await page.evaluate(() => {
    Object.assign(globalThis, { tirelessMark: 'still here' });
  });
  healthy = false;
  await stateShows(page, 'Shop', 'Down');
  assert.equal(
    await page.evaluate(() => (globalThis as { tirelessMark?: string }).tirelessMark),
    'still here',
    'Down appeared without a reload',
  );
  const down = row.locator('.state');
  assert.equal(await down.getAttribute('class'), 'state state-down');
  const colour = (element: unknown) => getComputedStyle(element).color;
  assert.notEqual(
    await down.evaluate(colour),
    await row.locator('th').evaluate(colour),
    'Down has a colour of its own',
  );
  await shot('5-down');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('6-down-dark');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await background();
  await page.emulateMedia({ colorScheme: 'light' });
  assert.notEqual(await background(), dark, 'light and dark differ');

  // The public status page shows it too: a page made in the app (a reserved slug refused
  // beside its field first), read in another tab (no login needed, no script on it).
  await page.getByRole('link', { name: 'Status pages' }).click();
  await heading(page, 'Status pages');
  await page.getByText('No status pages yet.').waitFor();
  await page.getByLabel('Slug', { exact: true }).fill('api');
  await page.getByLabel('Title', { exact: true }).fill('Shop status');
  await page.getByLabel('Shop', { exact: true }).check();
  await page.getByRole('button', { name: 'Create status page' }).click();
  const slugError = page.locator('#field-slug-error');
  await slugError.waitFor();
  assert.match(await slugError.innerText(), /is a reserved word/);
  errors.expect(/status of 400/);
  await page.getByLabel('Slug', { exact: true }).fill('shop');
  await page.getByRole('button', { name: 'Create status page' }).click();
  const pageLink = page.getByRole('link', { name: 'Shop status' });
  await pageLink.waitFor();
  assert.equal(await pageLink.getAttribute('href'), '/status/shop');
  await shot('7-status-pages');
  const visitor = await context.newPage();
  const visitorErrors = new ConsoleErrors(visitor);
  const statusPage = await visitor.goto(`${node.url}/status/shop`);
  assert.equal(statusPage?.status(), 200);
  assert.match(statusPage?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  assert.equal(await visitor.locator('script').count(), 0, 'no script at all');
  await heading(visitor, 'Shop status');
  const card = visitor.locator('.monitor', {
    has: visitor.getByRole('heading', { level: 3, name: 'Shop' }),
  });
  assert.equal(await card.locator('.state').innerText(), 'Down');
  assert.equal(await visitor.getByRole('status').innerText(), 'All systems are down');
  await shot('8-status-page', { page: visitor });
  await visitor.close();
  assert.deepEqual(visitorErrors.seen, [], 'no console errors on the status page');

  await page.getByRole('button', { name: 'Log out' }).click();
  await heading(page, 'Log in');
  assert.equal(
    (await context.cookies()).find((cookie) => cookie.name === 'tireless_session'),
    undefined,
    'logout cleared the cookie',
  );

  // A session ended elsewhere (here: logged out through the API with the same cookie): the
  // app's next call is refused, and it shows the login page.
  await submitLogIn(page, OWNER);
  await heading(page, 'Monitors');
  const who = await context.request.get(`${node.url}/api/v1/auth/session`);
  const { csrfToken } = (await who.json()) as { csrfToken: string };
  const ended = await context.request.post(`${node.url}/api/v1/auth/logout`, {
    headers: { 'x-csrf-token': csrfToken },
  });
  assert.equal(ended.status(), 204);
  // The monitor form reads the account's channels as it opens: that call is refused.
  await page.getByRole('link', { name: 'New monitor' }).click();
  await heading(page, 'Log in');
  errors.expect(/status of 401/);
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('dashboard: beyond loopback, setup asks for the printed code and shows a wrong one beside it', async (t) => {
  // Every interface; the browser goes through 127.0.0.1 only.
  const { node, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS, ['--host', '0.0.0.0']);
  const code = /setup code: (\S+) /.exec(node.output())?.[1];
  assert.ok(code, node.output());
  await page.goto(`http://127.0.0.1:${new URL(node.url).port}/`);
  await heading(page, 'Set up Tireless');
  await page.getByLabel('Setup code').fill('ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel(/^Password/).fill('correct horse battery');
  await page.getByRole('button', { name: 'Create owner account' }).click();
  const codeError = page.locator('#field-setupCode-error');
  await codeError.waitFor();
  assert.match(await codeError.innerText(), /is not the code this node printed/);
  assert.equal(await page.getByLabel('Setup code').getAttribute('aria-invalid'), 'true');
  errors.expect(/status of 403/);
  await shot('0-setup-code-error');
  await page.getByLabel('Setup code').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await heading(page, 'Log in');
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('dashboard: 2,000 monitors in a virtual list, search and filters, a monitor page, pause, delete', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  t.after(() => target.close());
  await api.setUp(OWNER);
  const create = (body: Record<string, unknown>) =>
    api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      type: 'http',
      url: `${target.url}/health`,
      intervalSeconds: 1,
      ...body,
    });
  const shop = await create({ name: 'Shop', tags: ['shop'] });
  // Paused, so they cost the node no checks; ten requests at a time.
  const BULK = 2000;
  for (let from = 0; from < BULK; from += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create({ name: `bulk-${String(from + i).padStart(4, '0')}`, tags: ['bulk'], paused: true }),
      ),
    );
  }
  await waitFor('three results of Shop', async () => {
    const { items } = await api.expect<{ items: { monitorId: string; recent: string }[] }>(
      200,
      'GET',
      '/api/v1/monitors/summary',
    );
    return (items.find((item) => item.monitorId === shop.id)?.recent.length ?? 0) >= 3
      ? true
      : undefined;
  });

  await logIn(page, node.url, OWNER);
  await page.getByText(`${BULK + 1} monitors`).waitFor();

  // Only the rows in view are in the page, at the top and after scrolling to the end.
  const rows = page.locator('table.monitors tbody tr[data-monitor-id]');
  const drawn = await rows.count();
  assert.ok(drawn > 0 && drawn <= 60, `${drawn} rows drawn of ${BULK + 1}`);
  await page.locator('.scroller').evaluate((element) => {
    const scroller = element as { scrollTop: number; scrollHeight: number };
    scroller.scrollTop = scroller.scrollHeight;
  });
  // Sorted by name, Shop is last.
  await page.getByRole('link', { name: 'Shop', exact: true }).waitFor();
  const drawnAtEnd = await rows.count();
  assert.ok(drawnAtEnd > 0 && drawnAtEnd <= 60, `${drawnAtEnd} rows drawn at the end`);
  await shot('7-many-monitors', { fullPage: false });

  // Search: one row, with its bar of results and its uptimes.
  await page.getByLabel('Search').fill('shop');
  await page.getByText(`1 of ${BULK + 1} monitors`).waitFor();
  const row = page.getByRole('row', { name: /^Shop / });
  assert.equal(await rows.count(), 1);
  assert.ok((await row.locator('.bars .bar.up').count()) >= 3, 'a bar per result');
  assert.match(
    (await row.locator('.bars').getAttribute('aria-label')) ?? '',
    /^Latest \d+ results: \d+ up, 0 down$/,
  );
  assert.equal(await row.locator('td.uptime-24h').innerText(), '100.00 %');
  assert.equal(await row.locator('td.uptime-30d').innerText(), '100.00 %');
  await page.getByLabel('Search').fill('');
  await page.getByLabel('State').selectOption('paused');
  await page.getByText(`${BULK} of ${BULK + 1} monitors`).waitFor();
  await page.getByLabel('State').selectOption('');
  await page.getByLabel('Tag').selectOption('shop');
  await page.getByText(`1 of ${BULK + 1} monitors`).waitFor();
  await page.getByLabel('Tag').selectOption('');

  // A monitor created elsewhere (another tab, another node) appears without a reload.
  await create({ name: 'Fresh', tags: ['shop'] });
  await page.getByLabel('Search').fill('fresh');
  await page.getByRole('row', { name: /^Fresh / }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Search').fill('');

  // The monitor's page: chart, uptimes, results with the node that checked.
  await page.getByLabel('Search').fill('shop');
  await page.getByRole('link', { name: 'Shop', exact: true }).click();
  await heading(page, 'Shop');
  assert.equal(new URL(page.url()).pathname, `/monitors/${shop.id}`);
  await page.locator('.chart[data-range="24h"] canvas').first().waitFor();
  await page.locator('[data-window="24h"] dd', { hasText: '100.00 %' }).waitFor();
  await page.locator('table.results tbody tr').first().waitFor();
  // The timing breakdown, in words: the target is an IP address over http, so a connect and a
  // first byte were measured, and neither a lookup nor TLS.
  const timing = page.locator('table.timing');
  assert.match(await timing.locator('tr[data-part="connect"] td').first().innerText(), /^\d+ ms$/);
  assert.match(await timing.locator('tr[data-part="firstByte"] td').nth(1).innerText(), /^\d+ ms$/);
  assert.equal(await timing.locator('tr[data-part="tls"] td').first().innerText(), 'none');
  assert.match(
    (await page
      .locator('table.results tbody tr')
      .first()
      .locator('.timing-bar')
      .getAttribute('aria-label')) ?? '',
    /^Connect \d+ ms, First byte \d+ ms, Rest \d+ ms$/,
  );
  await page.getByRole('button', { name: '7 d' }).click();
  await page.locator('.chart[data-range="7d"] canvas').first().waitFor();
  await shot('8-monitor-page', { fullPage: false });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('.chart[data-range="7d"] canvas').first().waitFor();
  await shot('9-monitor-page-dark', { fullPage: false });
  await page.emulateMedia({ colorScheme: 'light' });

  // Pause: the page says so, and so does the API.
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  await page.locator('.monitor-summary .state', { hasText: /^Paused$/ }).waitFor();
  const paused = await api.expect<{ paused: boolean; status: string }>(
    200,
    'GET',
    `/api/v1/monitors/${shop.id}`,
  );
  assert.equal(paused.paused, true);
  assert.equal(paused.status, 'paused');

  // Edit in the monitor form, filled in with its fields.
  await page.getByRole('button', { name: 'Edit' }).click();
  await heading(page, 'Edit Shop');
  assert.equal(await page.getByLabel('URL').inputValue(), `${target.url}/health`);
  await page.getByLabel('Check every (seconds)').fill('2');
  await page.getByRole('button', { name: 'Save' }).click();
  await heading(page, 'Shop');
  await page.getByText('checked every 2 s').waitFor();

  // Clone: a new monitor with the same fields, under a new name, on its own page.
  await page.getByRole('button', { name: 'Clone' }).click();
  await heading(page, 'Clone Shop');
  assert.equal(await page.getByLabel('Name').inputValue(), 'Shop (copy)');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await heading(page, 'Shop (copy)');
  const cloneId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
  assert.notEqual(cloneId, shop.id);
  const clone = await api.expect<{ url: string; tags: string[]; intervalSeconds: number }>(
    200,
    'GET',
    `/api/v1/monitors/${cloneId}`,
  );
  assert.deepEqual(
    [clone.url, clone.tags, clone.intervalSeconds],
    [`${target.url}/health`, ['shop'], 2],
  );

  // Delete, after a confirmation; the list has the monitor no more.
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Keep it' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete for good' }).click();
  await heading(page, 'Monitors');
  await page.getByText(`${BULK + 2} monitors`).waitFor();
  assert.equal((await api.request('GET', `/api/v1/monitors/${cloneId}`)).status, 404);
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('dashboard: an owner invites a viewer by link; the viewer sees no edit controls (monitors, members, channels, maintenance) and the API refuses its edits', async (t) => {
  const { node, api, context, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  await api.expect(201, 'POST', '/api/v1/monitors', {
    name: 'Shop',
    type: 'http',
    url: 'http://127.0.0.1:9/',
  });
  const channel = { type: 'webhook', name: 'ops', config: { url: 'https://hooks.example.com/a' } };
  const window = { name: 'upgrade', schedule: { kind: 'once', startsAt: 1, endsAt: 2 } };
  const channelId = (await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', channel)).id;
  const windowId = (await api.expect<{ id: string }>(201, 'POST', '/api/v1/maintenance', window))
    .id;
  /** Each collection's names as the owner reads them. */
  const namesOf = async (path: string) =>
    (await api.expect<{ items: { name: string }[] }>(200, 'GET', path)).items.map(
      (item) => item.name,
    );

  await logIn(page, node.url, OWNER);
  await page.getByRole('link', { name: 'Members' }).click();
  await heading(page, 'Members');
  await page.getByLabel('Email').fill('viewer@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const linkField = page.getByLabel(/^Invitation link/);
  await linkField.waitFor();
  const link = await linkField.inputValue();
  assert.match(link, new RegExp(`^${node.url}/invitation#tli_`));
  await page.getByText(/^viewer@example\.com · Viewer/).waitFor();
  await shot('10-members-invite');
  await page.getByRole('button', { name: 'Log out' }).click();
  await heading(page, 'Log in');

  // The invitee opens the link: a password, and it is a viewer of the owner's account.
  await page.goto(link);
  await heading(page, 'Join an account');
  await page.getByLabel(/^Password/).fill('viewer password 1');
  await page.getByRole('button', { name: 'Create user and join' }).click();
  await heading(page, 'Monitors');
  await page.getByRole('row', { name: /^Shop / }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New monitor' }).count(), 0);
  await shot('11-viewer-monitors');
  await page.goto(`${node.url}/monitors/new`);
  await heading(page, 'Monitors');
  // A viewer has no edit page: the app replaces the address with the list's (after it draws).
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('link', { name: 'Members' }).click();
  await heading(page, 'Members');
  await page.getByRole('row', { name: /^owner@example\.com / }).waitFor();
  assert.equal(await page.getByRole('combobox').count(), 0, 'no role to change');
  assert.equal(await page.getByRole('button', { name: /^Remove/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Create invitation link' }).count(), 0);

  // Channels and maintenance windows: the viewer reads them, with nothing that changes them
  // (no send test, edit, delete, nor a form for a new one).
  for (const [link, title, name] of [
    ['Channels', 'Channels', 'ops'],
    ['Maintenance', 'Maintenance windows', 'upgrade'],
  ] as const) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await heading(page, title);
    await page.getByRole('row', { name: new RegExp(`^${name} `) }).waitFor();
    assert.equal(
      await page.locator('main :is(button, form, input, select, textarea)').count(),
      0,
      `${title}: no controls for a viewer`,
    );
  }

  // The API, with the viewer's own cookie and CSRF token, refuses the edit the page hides.
  const who = await context.request.get(`${node.url}/api/v1/auth/session`);
  const session = (await who.json()) as { csrfToken: string; user: { role: string } };
  assert.equal(session.user.role, 'viewer');
  const refused = await context.request.post(`${node.url}/api/v1/monitors`, {
    headers: { 'x-csrf-token': session.csrfToken },
    data: { name: 'Mine', type: 'http', url: 'http://127.0.0.1:9/' },
  });
  assert.equal(refused.status(), 403);
  // Forced, the channel and maintenance edits the pages hide are refused too.
  const forced: [string, string, unknown][] = [
    ['POST', '/api/v1/channels', { ...channel, name: 'mine' }],
    ['PATCH', `/api/v1/channels/${channelId}`, { name: 'mine' }],
    ['DELETE', `/api/v1/channels/${channelId}`, undefined],
    ['POST', `/api/v1/channels/${channelId}/test`, {}],
    ['POST', '/api/v1/maintenance', { ...window, name: 'mine' }],
    ['PATCH', `/api/v1/maintenance/${windowId}`, { name: 'mine' }],
    ['DELETE', `/api/v1/maintenance/${windowId}`, undefined],
  ];
  for (const [method, path, data] of forced) {
    const reply = await context.request.fetch(`${node.url}${path}`, {
      method,
      headers: { 'x-csrf-token': session.csrfToken },
      ...(data === undefined ? {} : { data }),
    });
    assert.equal(reply.status(), 403, `${method} ${path}`);
  }
  assert.deepEqual(await namesOf('/api/v1/channels'), ['ops'], 'channels unchanged');
  assert.deepEqual(await namesOf('/api/v1/maintenance'), ['upgrade'], 'windows unchanged');
  const { items } = await api.expect<{ items: { name: string }[] }>(200, 'GET', '/api/v1/monitors');
  assert.deepEqual(
    items.map((monitor) => monitor.name),
    ['Shop'],
    'nothing created',
  );
  assert.deepEqual(errors.seen, [], 'no console errors');
});
