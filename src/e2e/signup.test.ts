/**
 * Open sign-up in a real browser against the real binary: with `--signup open` the login page
 * links to sign-up, and a new user signs up and lands in an empty account of their own (not
 * the owner's), named as they asked; an email that has an account already is told to log in.
 * With sign-up closed there is no link, and the page says it is closed. Any console error
 * fails them; screenshots in artifacts/signup/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER } from '../testing/index.js';
import { heading, startBrowserRun } from './browser.js';

const SCREENSHOTS = 'signup';
const NEWCOMER = { email: 'newcomer@example.com', password: 'a long new password' };

test('sign-up open: a new user signs up from the login page and sees an empty account of their own', async (t) => {
  const { node, api, context, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS, [
    '--signup',
    'open',
    '--allow-private-targets',
  ]);
  await api.setUp(OWNER);
  await api.expect(201, 'POST', '/api/v1/monitors', {
    name: 'Owner shop',
    type: 'http',
    url: 'http://127.0.0.1:9/',
  });

  await page.goto(`${node.url}/login`);
  await heading(page, 'Log in');
  await shot('1-login-with-link');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await heading(page, 'Create an account');
  assert.equal(new URL(page.url()).pathname, '/signup');
  await page.getByLabel('Email').fill(NEWCOMER.email);
  await page.getByLabel(/^Password/).fill(NEWCOMER.password);
  await page.getByLabel(/^Account name/).fill('Newcomer Labs');
  await shot('2-signup');
  await page.getByRole('button', { name: 'Create account' }).click();

  // Logged in, on the dashboard of an account with nothing in it yet.
  await heading(page, 'Monitors');
  await page.getByText('No monitors yet.').waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  await page.getByText(`Signed in as ${NEWCOMER.email}`).waitFor();
  assert.equal(await page.getByText('Owner shop').count(), 0, "not the owner's monitors");
  await shot('3-own-empty-account');
  const who = await context.request.get(`${node.url}/api/v1/auth/session`);
  const session = (await who.json()) as {
    user: { email: string; role: string; accountId: string };
  };
  assert.equal(session.user.email, NEWCOMER.email);
  assert.equal(session.user.role, 'owner', 'the owner of the new account');
  const owners = await api.expect<{ user: { accountId: string } }>(
    200,
    'GET',
    '/api/v1/auth/session',
  );
  assert.notEqual(session.user.accountId, owners.user.accountId, 'an account of their own');
  const mine = await context.request.get(`${node.url}/api/v1/monitors`);
  assert.deepEqual(await mine.json(), { items: [] });
  const account = await context.request.get(`${node.url}/api/v1/account`);
  assert.equal(((await account.json()) as { name: string }).name, 'Newcomer Labs');

  // An email with an account already: sign-up does not say so, logging in does not work,
  // and the page says what to do.
  await page.getByRole('button', { name: 'Log out' }).click();
  await heading(page, 'Log in');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await heading(page, 'Create an account');
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel(/^Password/).fill('not the owner password');
  await page.getByRole('button', { name: 'Create account' }).click();
  const problem = page.getByRole('alert');
  await problem.waitFor();
  assert.match(await problem.innerText(), /If this email has an account already, log in/);
  errors.expect(/status of 401/);
  await shot('4-email-taken');
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test('sign-up closed: no link on the login page, and the sign-up address says it is closed', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);

  await page.goto(`${node.url}/login`);
  await heading(page, 'Log in');
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Create an account' }).count(), 0);

  const reply = await page.goto(`${node.url}/signup`);
  assert.equal(reply?.status(), 200, 'the app answers at /signup');
  await heading(page, 'Create an account');
  assert.equal(
    await page.getByRole('status').innerText(),
    'Sign-up is closed on this server. Ask its operator or a member for an invitation.',
  );
  assert.equal(await page.locator('main :is(form, input, button)').count(), 0, 'no form');
  await shot('5-closed');
  await page.getByRole('link', { name: 'Log in' }).click();
  await heading(page, 'Log in');
  const refused = await api.request('POST', '/api/v1/auth/signup', NEWCOMER);
  assert.equal(refused.status, 403, 'the API refuses too');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
