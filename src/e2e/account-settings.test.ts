/**
 * The settings page in a real browser against the real binary: turn on two-factor login (the
 * key read from the page, the codes computed here), log out, log in with a code (a wrong one
 * shown beside its field first), end another session, make a read-only API token, and a
 * wrong current password shown beside its field. Any console error fails it; screenshots are
 * kept in artifacts/settings/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totpAt, totpStep } from '../secrets/index.js';
import { ApiClient, OWNER } from '../testing/index.js';
import { heading, startBrowserRun, submitLogIn } from './browser.js';

test('settings: two-factor login on, log out, log in with a code; another session ended; a read-only token', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'settings');
  await api.setUp(OWNER);
  // Another session of the owner's, as a script would have from logging in.
  const elsewhere = await api.expect<{ token: string }>(200, 'POST', '/api/v1/auth/login', OWNER);
  const elsewhereClient = new ApiClient(node.url, elsewhere.token);
  await elsewhereClient.expect(200, 'GET', '/api/v1/monitors');

  page.on('dialog', (dialog) => void dialog.accept());
  const logIn = () => submitLogIn(page, OWNER);

  await page.goto(`${node.url}/login`);
  await logIn();
  await heading(page, 'Monitors');
  await page.getByRole('link', { name: 'Settings' }).click();
  await heading(page, 'Settings');

  // Sessions: this one, setup's and the script's; end the script's.
  const sessions = page.getByRole('table', { name: 'Where you are logged in' });
  await sessions.getByText('This session').waitFor();
  assert.equal(await sessions.locator('tbody tr').count(), 3);
  const sessionsList = await elsewhereClient.expect<{ items: { id: string; current: boolean }[] }>(
    200,
    'GET',
    '/api/v1/sessions',
  );
  const elsewhereId = sessionsList.items.find((session) => session.current)?.id ?? '';
  await sessions.locator(`tr[data-session-id="${elsewhereId}"]`).getByRole('button').click();
  await sessions.locator(`tr[data-session-id="${elsewhereId}"]`).waitFor({ state: 'detached' });
  assert.equal(await sessions.locator('tbody tr').count(), 2);
  const ended = await elsewhereClient.request('GET', '/api/v1/monitors');
  assert.equal(ended.status, 401, 'the ended session no longer works');
  await shot('1-sessions');

  // Password: a wrong current one is shown beside its field, and changes nothing.
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel(/^New password/).fill('another good password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page
    .locator('#field-currentPassword-error')
    .getByText('This field is not the current password.')
    .waitFor();
  errors.expect(/status of 400/);

  // Two-factor login on: the password, the key from the page, a code computed here.
  const totp = page.getByRole('region', { name: 'Two-factor login' });
  await totp.getByText(/^Off: /).waitFor();
  await totp.getByLabel('Password').fill(OWNER.password);
  await totp.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = totp.getByLabel('Key', { exact: true });
  await key.waitFor();
  const secret = await key.inputValue();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(
    await totp.getByLabel('Authenticator link (otpauth)').inputValue(),
    new RegExp(`^otpauth://totp/Tireless:owner%40example\\.com\\?secret=${secret}&`),
  );
  await totp.getByRole('img', { name: 'QR code of the authenticator key' }).waitFor();
  await shot('2-totp-enrol');
  await totp.getByLabel('Code from the app').fill('000000');
  await totp.getByRole('button', { name: 'Turn on' }).click();
  await page.locator('#field-code-error').waitFor();
  errors.expect(/status of 400/);
  const confirmedAt = totpStep(Date.now());
  await totp.getByLabel('Code from the app').fill(totpAt(secret, confirmedAt));
  await totp.getByRole('button', { name: 'Turn on' }).click();
  const codes = totp.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await totp.getByText(/^On: .* 10 recovery codes left\.$/).waitFor();
  await shot('3-totp-on');

  // API token: read-only, made here; it reads and may not write.
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await tokens.getByLabel('Name').fill('ci reader');
  await tokens.getByRole('checkbox', { name: /Read only/ }).check();
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const tokenField = tokens.getByLabel('New API token');
  await tokenField.waitFor();
  const reader = new ApiClient(node.url, await tokenField.inputValue());
  await reader.expect(200, 'GET', '/api/v1/monitors');
  const write = await reader.request('POST', '/api/v1/monitors', {
    name: 'x',
    type: 'http',
    url: 'http://127.0.0.1:9/',
  });
  assert.equal(write.status, 403, 'read-only');
  await tokens.getByRole('row', { name: /^ci reader .*read only/ }).waitFor();

  // Log out; logging in now asks for a code: a wrong one is shown beside the field.
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await logIn();
  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page
    .locator('#field-totpCode-error')
    .getByText(/^This field is not the authenticator app's current code/)
    .waitFor();
  // Chromium logs each refused request: the step's 401 (a code is needed), the wrong code's.
  errors.expect(/status of 401/);
  errors.expect(/status of 401/);
  await shot('4-login-code');
  // The step after the confirmation's: its code is used already.
  await page
    .getByLabel('Authentication code')
    .fill(totpAt(secret, Math.max(confirmedAt, totpStep(Date.now())) + 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await heading(page, 'Monitors');

  // Without the code, the API refuses the password alone.
  const bare = await new ApiClient(node.url).request<{ error: { code: string } }>(
    'POST',
    '/api/v1/auth/login',
    OWNER,
  );
  assert.equal(bare.status, 401);
  assert.equal(bare.body.error.code, 'TIRELESS_TOTP_REQUIRED');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
