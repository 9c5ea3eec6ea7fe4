/**
 * Status pages in the app, in a real browser against the real binary: one made, edited (its
 * title, a monitor taken off, a note for visitors, a custom domain; bad values refused beside
 * their fields first) and deleted, the public page following each step (the custom domain by
 * a request with its Host); and a viewer, who reads the list with no control that changes
 * it, while the API refuses what the page hides. Any console error fails them; screenshots
 * in artifacts/status-pages/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { ApiClient, OWNER } from '../testing/index.js';
import { ConsoleErrors, heading, logIn, startBrowserRun } from './browser.js';

const SCREENSHOTS = 'status-pages';
const DOMAIN = 'status.acme.test';
const MONITOR = { type: 'http', url: 'http://127.0.0.1:9/' };

interface StatusPage {
  id: string;
  title: string;
  monitorIds: string[];
  customDomain?: string;
  notes: { title: string; body: string; at: number; until?: number }[];
}

/** A form's field by its exact label. */
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** The answer of the node at `url` to GET `path` with the Host header `host`. */
function getWithHost(url: string, path: string, host: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const asked = request(new URL(path, url), { headers: { host } }, (reply) => {
      let body = '';
      reply.setEncoding('utf8');
      reply.on('data', (chunk: string) => (body += chunk));
      reply.on('end', () => resolve({ status: reply.statusCode ?? 0, body }));
    });
    asked.on('error', reject);
    asked.end();
  });
}

/** The public page at /status/`slug`, read in a tab of its own (no login, no console error). */
async function visit(context: BrowserContext, url: string, slug: string) {
  const visitor = await context.newPage();
  const errors = new ConsoleErrors(visitor);
  const reply = await visitor.goto(`${url}/status/${slug}`);
  return { visitor, errors, status: reply?.status() };
}

test('status pages in the app: made, edited (title, a monitor off, a note, a custom domain), deleted; the public page follows', async (t) => {
  const { node, api, context, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  const shop = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    ...MONITOR,
    name: 'Shop',
  });
  await api.expect(201, 'POST', '/api/v1/monitors', { ...MONITOR, name: 'Blog' });
  const pages = async () =>
    (await api.expect<{ items: StatusPage[] }>(200, 'GET', '/api/v1/status-pages')).items;

  await logIn(page, node.url, OWNER);
  await page.getByRole('link', { name: 'Status pages' }).click();
  await heading(page, 'Status pages');
  await page.getByText('No status pages yet.').waitFor();
  await field(page, 'Slug').fill('acme');
  await field(page, 'Title').fill('Acme');
  await field(page, 'Shop').check();
  await field(page, 'Blog').check();
  await page.getByRole('button', { name: 'Create status page' }).click();
  // The list links each page to its public address.
  const link = page.getByRole('link', { name: 'Acme', exact: true });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), '/status/acme');
  const row = page.getByRole('row', { name: /^Acme / });
  assert.match(await row.innerText(), /\/status\/acme\s+2 monitors\s+none/);
  await shot('1-made');

  // Edit: bad values first, each refused beside its own field, nothing changed.
  await page.getByRole('button', { name: 'Edit Acme' }).click();
  await heading(page, 'Edit Acme');
  assert.equal(await field(page, 'Slug').inputValue(), 'acme', 'the form holds the page');
  assert.equal(await field(page, 'Blog').isChecked(), true);
  await field(page, 'Title').fill('Acme Cloud');
  await field(page, 'Blog').uncheck();
  await field(page, 'Custom domain (optional)').fill(`https://${DOMAIN}/`);
  await page.getByRole('button', { name: 'Add a note' }).click();
  const note = page.getByRole('group', { name: 'Note 1' });
  await note.getByLabel('Note title').fill('Database upgrade');
  await note.getByLabel('Note text (optional)').fill('Short pauses tonight.');
  const from = await note.getByLabel('Shown from').inputValue();
  assert.match(from, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/, 'a new note is shown from now');
  await note.getByLabel('Until (optional)').fill('2001-01-01T00:00');
  await page.getByRole('button', { name: 'Save' }).click();
  const domainError = page.locator('#field-customDomain-error');
  await domainError.waitFor();
  assert.match(await domainError.innerText(), /must be a host name such as status\.example\.com/);
  assert.equal(await field(page, 'Custom domain (optional)').getAttribute('aria-invalid'), 'true');
  const untilError = note.locator('[id="field-notes.0.until-error"]');
  await untilError.waitFor();
  assert.match(await untilError.innerText(), /must be after at/);
  assert.equal(await note.getByLabel('Until (optional)').getAttribute('aria-invalid'), 'true');
  errors.expect(/status of 400/);
  await shot('2-edit-refused');
  const [unchanged] = await pages();
  assert.equal(unchanged?.title, 'Acme', 'a refused edit changes nothing');
  assert.deepEqual(unchanged?.notes, []);

  await field(page, 'Custom domain (optional)').fill(DOMAIN);
  await note.getByLabel('Until (optional)').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await heading(page, 'Status pages');
  const edited = page.getByRole('row', { name: /^Acme Cloud / });
  await edited.waitFor();
  assert.match(
    await edited.innerText(),
    new RegExp(`/status/acme and ${DOMAIN.replaceAll('.', '\\.')}\\s+1 monitor\\s+1`),
  );
  await shot('3-edited');
  const [saved] = await pages();
  assert.deepEqual(saved?.monitorIds, [shop.id], 'Blog is off the page');
  assert.equal(saved?.customDomain, DOMAIN);
  assert.equal(saved?.notes.length, 1);
  assert.equal(saved?.notes[0]?.until, undefined, 'an emptied end is no end');

  // The visitor sees the new title and the note; Blog is gone.
  const { visitor, errors: visitorErrors, status } = await visit(context, node.url, 'acme');
  assert.equal(status, 200);
  await heading(visitor, 'Acme Cloud');
  const notices = visitor.locator('section[aria-labelledby="notes-heading"]');
  assert.equal(await notices.getByRole('heading', { level: 3 }).innerText(), 'Database upgrade');
  assert.match(await notices.innerText(), /Short pauses tonight\./);
  assert.equal(await visitor.getByRole('heading', { level: 3, name: 'Blog' }).count(), 0);
  await visitor.getByRole('heading', { level: 3, name: 'Shop' }).waitFor();
  await shot('4-public-page', { page: visitor });
  await visitor.close();
  assert.deepEqual(visitorErrors.seen, [], 'no console errors on the status page');
  // The custom domain answers with the page at its /.
  const atDomain = await getWithHost(node.url, '/', DOMAIN);
  assert.equal(atDomain.status, 200);
  assert.match(atDomain.body, /<h1[^>]*>Acme Cloud<\/h1>/);
  assert.match(atDomain.body, /Database upgrade/);

  // Delete, after the question; the public page and its domain are gone at once.
  await page.getByRole('button', { name: 'Delete Acme Cloud' }).click();
  const question = page.getByRole('alertdialog', { name: 'Delete Acme Cloud' });
  assert.match(await question.innerText(), /Delete the status page Acme Cloud\?/);
  await shot('5-delete-question');
  await question.getByRole('button', { name: 'Keep it' }).click();
  assert.equal((await pages()).length, 1, 'kept');
  await page.getByRole('button', { name: 'Delete Acme Cloud' }).click();
  await page.getByRole('button', { name: 'Delete for good' }).click();
  await page.getByText('No status pages yet.').waitFor();
  assert.deepEqual(await pages(), []);
  const gone = await context.request.get(`${node.url}/status/acme`);
  assert.equal(gone.status(), 404);
  assert.doesNotMatch((await getWithHost(node.url, '/', DOMAIN)).body, /Acme Cloud/);
  await shot('6-deleted');
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('status pages in the app: a viewer reads the list with no control that changes it, and the API refuses', async (t) => {
  const { node, api, context, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  const shop = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    ...MONITOR,
    name: 'Shop',
  });
  const made = await api.expect<StatusPage>(201, 'POST', '/api/v1/status-pages', {
    slug: 'acme',
    title: 'Acme',
    monitorIds: [shop.id],
    notes: [{ title: 'Upgrade', body: '', at: Date.now() }],
  });
  const viewer = { email: 'viewer@example.com', password: 'viewer password 1' };
  const { token } = await api.expect<{ token: string }>(201, 'POST', '/api/v1/invitations', {
    email: viewer.email,
    role: 'viewer',
  });
  await new ApiClient(node.url).expect(201, 'POST', '/api/v1/invitations/accept', {
    token,
    password: viewer.password,
  });

  await logIn(page, node.url, viewer);
  await page.getByRole('link', { name: 'Status pages' }).click();
  await heading(page, 'Status pages');
  const link = page.getByRole('link', { name: 'Acme', exact: true });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), '/status/acme');
  assert.equal(
    await page.locator('main :is(button, form, input, select, textarea)').count(),
    0,
    'no controls for a viewer',
  );
  assert.equal(await page.getByRole('heading', { name: 'New status page' }).count(), 0);
  await shot('7-viewer');

  // Forced with the viewer's own cookie and CSRF token, the changes the page hides are refused.
  const who = await context.request.get(`${node.url}/api/v1/auth/session`);
  const session = (await who.json()) as { csrfToken: string; user: { role: string } };
  assert.equal(session.user.role, 'viewer');
  const forced: [string, string, unknown][] = [
    ['POST', '/api/v1/status-pages', { slug: 'mine', title: 'Mine', monitorIds: [] }],
    ['PATCH', `/api/v1/status-pages/${made.id}`, { title: 'Mine', notes: [] }],
    ['DELETE', `/api/v1/status-pages/${made.id}`, undefined],
  ];
  for (const [method, path, data] of forced) {
    const reply = await context.request.fetch(`${node.url}${path}`, {
      method,
      headers: { 'x-csrf-token': session.csrfToken },
      ...(data === undefined ? {} : { data }),
    });
    assert.equal(reply.status(), 403, `${method} ${path}`);
  }
  const { items } = await api.expect<{ items: StatusPage[] }>(200, 'GET', '/api/v1/status-pages');
  assert.deepEqual(
    items.map((item) => [item.title, item.notes.length]),
    [['Acme', 1]],
    'the page is as the owner left it',
  );
  assert.deepEqual(errors.seen, [], 'no console errors');
});
