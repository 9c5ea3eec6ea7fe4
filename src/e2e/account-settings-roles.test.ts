/**
 * Settings and Members in a real browser against the real binary, beyond what
 * account-settings.test.ts covers: the account renamed and its retention set (a value past
 * the node's shown beside its field), each role seeing only what it may change, an API token
 * with a lower role than its creator's; logging out everywhere else, a password change, and
 * a member's role changed in Members, each checked on the API (other sessions end, the old
 * password is refused, the member's next request has the new role). Any console error fails
 * a test; screenshots are kept in artifacts/account-settings/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ApiClient, OWNER } from '../testing/index.js';
import { heading, startBrowserRun, submitLogIn } from './browser.js';

const PASSWORD = 'a member password';
const MONITOR = { name: 'shop', type: 'http', url: 'http://127.0.0.1:9/' };

interface AccountReply {
  name: string;
  retentionDays: number | null;
  nodeRetentionDays: number;
}

/** Invites `email` with `role` as `owner`, accepts it: the new user's API client. */
async function addUser(owner: ApiClient, email: string, role: string): Promise<ApiClient> {
  const invited = await owner.expect<{ token: string }>(201, 'POST', '/api/v1/invitations', {
    email,
    role,
  });
  const accepted = await new ApiClient(owner.baseUrl).expect<{ token: string }>(
    201,
    'POST',
    '/api/v1/invitations/accept',
    { token: invited.token, password: PASSWORD },
  );
  return new ApiClient(owner.baseUrl, accepted.token);
}

/**
 * Logs in at `url` and waits for the monitor list, longer than browser.ts's logIn: each login
 * here hashes a password at OWASP's cost on a machine whose cores other tests share.
 */
async function logIn(page: Page, url: string, user: { email: string; password: string }) {
  await page.goto(`${url}/login`);
  await submitLogIn(page, user);
  await page.getByRole('heading', { level: 1, name: 'Monitors' }).waitFor({ timeout: 30_000 });
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await heading(page, 'Settings');
}

/** The roles the token form offers, as their option values. */
async function tokenRoles(page: Page): Promise<string[]> {
  const options = page
    .getByRole('region', { name: 'API tokens' })
    .getByLabel('Role of the token')
    .locator('option');
  const values = await Promise.all(
    (await options.all()).map((option) => option.getAttribute('value')),
  );
  return values.map((value) => value ?? '');
}

test('settings: the account renamed and its retention set, each role sees what it may change; a token with a lower role', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'account-settings');
  await api.setUp(OWNER);
  const admin = await addUser(api, 'admin@example.com', 'admin');
  await addUser(api, 'viewer@example.com', 'viewer');
  page.on('dialog', (dialog) => void dialog.accept());

  await logIn(page, node.url, OWNER);
  await openSettings(page);
  const account = page.getByRole('region', { name: 'Account' });
  const name = account.getByRole('textbox', { name: 'Account name' });
  assert.equal(
    await name.inputValue(),
    OWNER.email,
    "setup names the account for its owner's email",
  );
  const retention = account.getByLabel('Keep history for (days)');
  assert.equal(await retention.inputValue(), '', "the node's rules");

  // Past the node's 30 days: the server's problem beside the field, nothing saved.
  await name.fill('Acme Ops');
  await retention.fill('45');
  await account.getByRole('button', { name: 'Save account' }).click();
  await page
    .locator('#field-retentionDays-error')
    .getByText("This field must be at most 30, the node's retention.")
    .waitFor();
  errors.expect(/status of 400/);
  assert.equal(await retention.getAttribute('aria-invalid'), 'true');
  const unchanged = await api.expect<AccountReply>(200, 'GET', '/api/v1/account');
  assert.deepEqual([unchanged.name, unchanged.retentionDays], [OWNER.email, null]);
  await shot('1-retention-too-long');

  await retention.fill('7');
  await account.getByRole('button', { name: 'Save account' }).click();
  await account.getByText('Account saved.').waitFor();
  const saved = await api.expect<AccountReply>(200, 'GET', '/api/v1/account');
  assert.deepEqual([saved.name, saved.retentionDays], ['Acme Ops', 7]);
  // Read again after a reload: what the server keeps, not what the form held.
  await page.reload();
  await heading(page, 'Settings');
  assert.equal(await name.inputValue(), 'Acme Ops');
  assert.equal(await retention.inputValue(), '7');
  await page.getByText("Type the account's name, Acme Ops, to confirm").waitFor();
  await shot('2-account-saved');

  // A token with less than the owner's role: every role is offered; a member's edits monitors
  // and may not manage members.
  assert.deepEqual(await tokenRoles(page), ['viewer', 'member', 'admin', 'owner']);
  const tokens = page.getByRole('region', { name: 'API tokens' });
  assert.equal(await tokens.getByLabel('Role of the token').inputValue(), 'owner', "the creator's");
  await tokens.getByLabel('Name').fill('deploy bot');
  await tokens.getByLabel('Role of the token').selectOption('member');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const tokenField = tokens.getByLabel('New API token');
  await tokenField.waitFor();
  const bot = new ApiClient(node.url, await tokenField.inputValue());
  await bot.expect(201, 'POST', '/api/v1/monitors', MONITOR);
  const invite = await bot.request('POST', '/api/v1/invitations', {
    email: 'x@example.com',
    role: 'viewer',
  });
  assert.equal(invite.status, 403, "a member's token manages no members");
  await tokens.getByRole('row', { name: /^deploy bot .*member, read and write/ }).waitFor();
  await shot('3-member-token');

  // An admin: the retention is theirs to set, the name only to read; tokens up to admin.
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await logIn(page, node.url, { email: 'admin@example.com', password: PASSWORD });
  await openSettings(page);
  await account.getByText('Account name: Acme Ops').waitFor();
  assert.equal(await account.getByRole('textbox', { name: 'Account name' }).count(), 0);
  assert.deepEqual(await tokenRoles(page), ['viewer', 'member', 'admin']);
  await retention.fill('');
  await account.getByRole('button', { name: 'Save account' }).click();
  await account.getByText('Account saved.').waitFor();
  assert.equal(
    (await admin.expect<AccountReply>(200, 'GET', '/api/v1/account')).retentionDays,
    null,
    "emptied: the node's rules again",
  );
  await shot('4-admin');

  // A viewer reads both and changes neither; its tokens are read-only viewers'.
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await logIn(page, node.url, { email: 'viewer@example.com', password: PASSWORD });
  await openSettings(page);
  await account.getByText("History is kept by this server's rules (results 30 days).").waitFor();
  assert.equal(await account.getByRole('button', { name: 'Save account' }).count(), 0);
  assert.equal(await account.getByRole('textbox').count(), 0);
  assert.deepEqual(await tokenRoles(page), ['viewer']);
  await shot('5-viewer');
  assert.deepEqual(errors.seen, [], 'no console errors');
});

test("settings: log out everywhere else, change the password; a member's role changed in Members", async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'account-settings');
  await api.setUp(OWNER);
  const member = await addUser(api, 'member@example.com', 'viewer');
  // Two more sessions of the owner's, as scripts would have from logging in.
  const scripts = await Promise.all(
    [1, 2].map(async () => {
      const login = await new ApiClient(node.url).expect<{ token: string }>(
        200,
        'POST',
        '/api/v1/auth/login',
        OWNER,
      );
      return new ApiClient(node.url, login.token);
    }),
  );
  for (const script of scripts) await script.expect(200, 'GET', '/api/v1/monitors');

  await logIn(page, node.url, OWNER);
  await openSettings(page);
  const sessions = page.getByRole('region', { name: 'Sessions' });
  await sessions.getByText('This session').waitFor();
  await sessions.getByRole('button', { name: 'Log out everywhere else' }).click();
  // Setup's session and the two scripts'.
  await sessions.getByText('3 sessions ended.').waitFor();
  for (const script of scripts) {
    assert.equal(
      (await script.request('GET', '/api/v1/monitors')).status,
      401,
      'another session ended',
    );
  }
  // The list is read again after the message shows: wait for the ended rows to go.
  await sessions.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
  assert.equal(await sessions.locator('tbody tr').count(), 1, 'only this session is left');
  await shot('6-logged-out-everywhere');

  // A new password: the old one is refused at the next login, the new one works.
  const NEW_PASSWORD = 'a brand new passphrase';
  const password = page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill(OWNER.password);
  await password.getByLabel(/^New password/).fill(NEW_PASSWORD);
  await password.getByRole('button', { name: 'Change password' }).click();
  await password.getByText('Password changed. Your other sessions have ended.').waitFor();
  const anonymous = new ApiClient(node.url);
  const old = await anonymous.request('POST', '/api/v1/auth/login', OWNER);
  assert.equal(old.status, 401, 'the old password is refused');
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await logIn(page, node.url, { email: OWNER.email, password: NEW_PASSWORD });

  // Members: the viewer made a member; its next request may edit monitors.
  const refused = await member.request('POST', '/api/v1/monitors', MONITOR);
  assert.equal(refused.status, 403, 'a viewer edits nothing');
  await page.getByRole('link', { name: 'Members', exact: true }).click();
  await heading(page, 'Members');
  const role = page.getByLabel('Role of member@example.com');
  assert.equal(await role.inputValue(), 'viewer');
  // Waited for from before the change: the answer may come before the selection returns.
  const patched = page.waitForResponse(
    (response) => response.request().method() === 'PATCH' && response.url().includes('/members/'),
  );
  await role.selectOption('member');
  assert.equal((await patched).status(), 200);
  await member.expect(201, 'POST', '/api/v1/monitors', MONITOR);
  const listed = await member.expect<{ items: { email: string; role: string }[] }>(
    200,
    'GET',
    '/api/v1/members',
  );
  assert.equal(listed.items.find((m) => m.email === 'member@example.com')?.role, 'member');
  await page.reload();
  await heading(page, 'Members');
  assert.equal(await role.inputValue(), 'member', 'the page reads the new role back');
  await shot('7-member-role');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
