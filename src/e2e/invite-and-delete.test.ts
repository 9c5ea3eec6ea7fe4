/**
 * An account's owner in a real browser against the real binary with its own mail server
 * set: invites someone (the page says the email went; the SMTP server got it, with a link
 * that works), then deletes the account from Settings (the name typed, the password) and is
 * logged out; the account and its users are gone, the operator's stays. Any console error
 * fails it; screenshots are kept in artifacts/invite-and-delete/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiClient,
  REPO_ROOT,
  startSmtpReceiver,
  startTireless,
  tempDir,
} from '../testing/index.js';
import { ConsoleErrors, heading, launchChromium, logIn } from './browser.js';

const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'invite-and-delete');
const PUBLIC_URL = 'https://tireless.example.com';

test('invite by email, then delete the account from settings', async (t) => {
  const smtp = await startSmtpReceiver({
    credentials: { username: 'node', password: 'mail-pw-1' },
  });
  const node = await startTireless(tempDir(), {
    args: ['--signup', 'open', '--allow-private-targets', '--public-url', PUBLIC_URL],
    env: {
      TIRELESS_SMTP_URL: `smtp://node:mail-pw-1@127.0.0.1:${smtp.port}`,
      TIRELESS_MAIL_FROM: 'tireless@example.com',
    },
  });
  const context = await launchChromium();
  t.after(async () => {
    await context.close();
    await node.kill();
    await smtp.close();
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const operator = { email: 'operator@example.com', password: 'the operator password' };
  const owner = { email: 'owner@example.com', password: 'the owner password' };
  await new ApiClient(node.url).setUp(operator);
  await new ApiClient(node.url).expect(202, 'POST', '/api/v1/auth/signup', owner);

  const page = context.pages()[0] ?? (await context.newPage());
  const errors = new ConsoleErrors(page);
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await logIn(page, node.url, owner);

  // Invite: the page says the email went, and it did, with the whole link.
  await page.getByRole('link', { name: 'Members' }).click();
  await heading(page, 'Members');
  await page.getByLabel('Email').fill('friend@example.com');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  await page
    .getByText('Invitation sent by email to friend@example.com.', { exact: false })
    .waitFor();
  await shot('1-invited');
  const [mail] = await smtp.waitFor(1);
  assert.deepEqual(mail?.to, ['friend@example.com']);
  const link = /Accept the invitation: (\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
  assert.ok(link.startsWith(`${PUBLIC_URL}/invitation#tli_`), link);
  await new ApiClient(node.url).expect(201, 'POST', '/api/v1/invitations/accept', {
    token: new URL(link).hash.slice(1),
    password: 'the friend password',
  });

  // Delete: the button waits for the account's name, typed.
  await page.getByRole('link', { name: 'Settings' }).click();
  await heading(page, 'Settings');
  const danger = page.getByRole('region', { name: 'Delete account' });
  const submit = danger.getByRole('button', { name: 'Delete this account' });
  await danger.getByLabel('Password', { exact: true }).fill(owner.password);
  assert.equal(await submit.isDisabled(), true, 'not before the name is typed');
  const { name } = await new ApiClient(node.url, await tokenOf(node.url, owner)).expect<{
    name: string;
  }>(200, 'GET', '/api/v1/account');
  await danger.getByLabel(/^Type the account's name/).fill(name);
  await shot('2-delete');
  await submit.click();
  await heading(page, 'Log in');
  await shot('3-deleted');

  for (const user of [owner, { email: 'friend@example.com', password: 'the friend password' }]) {
    const login = await new ApiClient(node.url).request('POST', '/api/v1/auth/login', user);
    assert.equal(login.status, 401, `${user.email}: deleted with the account`);
  }
  await tokenOf(node.url, operator);
  assert.deepEqual(errors.seen, [], 'no console errors');
});

/** A new session token of `user`'s, by logging in (which fails the test if it cannot). */
async function tokenOf(url: string, user: { email: string; password: string }) {
  const reply = await new ApiClient(url).expect<{ token: string }>(
    200,
    'POST',
    '/api/v1/auth/login',
    user,
  );
  return reply.token;
}
