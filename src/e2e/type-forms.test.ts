/**
 * The monitor form for the types no other browser test makes, against the real binary and
 * local peers: a ping monitor of 127.0.0.1; a push monitor whose page shows the URL its job
 * calls, Up once the job calls it; a TLS monitor of a local HTTPS server with a self-signed
 * certificate (trusted as the monitor's private CA; a value that is no certificate is refused
 * beside its field first), its page reporting the certificate's expiry. Each is seen Up in the
 * list. Any console error fails it; screenshots go to artifacts/type-forms/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { OWNER, startHttpsTarget } from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';
import { field, stateInList } from './page-reading.js';

const SCREENSHOTS = 'type-forms';
const DAY_MS = 86_400_000;

test('type forms: ping, push (its URL shown, a call marks it up) and TLS (its certificate reported) monitors made in the app', async (t) => {
  const https = await startHttpsTarget();
  // Closed even when the node or the browser fails to start.
  t.after(() => https.close());
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  await logIn(page, node.url, OWNER);
  const newMonitor = async (type: string, title: string) => {
    await page.getByRole('link', { name: 'New monitor' }).click();
    await heading(page, 'New HTTP monitor');
    await field(page, 'Type').selectOption(type);
    await heading(page, title);
  };
  const create = () => page.getByRole('button', { name: 'Create monitor' }).click();

  // Ping: the system's ping, to loopback.
  await newMonitor('ping', 'New Ping monitor');
  await field(page, 'Name').fill('Gateway');
  await field(page, 'Host').fill('127.0.0.1');
  await field(page, 'Echo requests').fill('1');
  await field(page, 'Check every (seconds)').fill('1');
  await create();
  await heading(page, 'Monitors');
  await stateInList(page, 'Gateway', 'Up');
  assert.equal(
    await page
      .getByRole('row', { name: /^Gateway / })
      .locator('td.target')
      .innerText(),
    '127.0.0.1',
  );

  // Push: no target to fill in; once made, its page shows the URL to call, with this node's
  // address; a call to it brings the monitor up, live (before the first call it is pending,
  // then down: no heartbeat yet).
  await newMonitor('push', 'New Push (heartbeat) monitor');
  assert.equal(await field(page, 'Host').count(), 0, 'no host for push');
  await field(page, 'Name').fill('Nightly backup');
  // Judged every 2 s: up within 2 s of a call, while the calls are at most 32 s apart.
  await field(page, 'Check every (seconds)').fill('2');
  await field(page, 'Grace (seconds)').fill('30');
  await create();
  await heading(page, 'Nightly backup');
  const pushField = page.getByLabel('Push URL');
  const pushUrl = await pushField.inputValue();
  assert.match(pushUrl, new RegExp(`^${node.url}/api/push/[\\w-]+$`));
  assert.equal(await pushField.getAttribute('readonly'), '', 'read only');
  const { items } = await api.expect<{ items: { name: string; pushUrl?: string }[] }>(
    200,
    'GET',
    '/api/v1/monitors',
  );
  const stored = items.find((monitor) => monitor.name === 'Nightly backup');
  assert.equal(pushUrl, `${node.url}${stored?.pushUrl}`, 'the URL the API gives');
  await shot('1-push-url', { fullPage: false });
  const called = await fetch(pushUrl, { method: 'POST' });
  assert.equal(called.status, 200, await called.text());
  await page.locator('.monitor-summary .state', { hasText: /^Up$/ }).waitFor({ timeout: 20_000 });
  await page.getByRole('link', { name: 'All monitors' }).click();
  await stateInList(page, 'Nightly backup', 'Up');

  // TLS: a value that is no certificate is refused beside its field, nothing made; then the
  // server's own self-signed certificate, trusted as the monitor's CA.
  await newMonitor('tls', 'New TLS certificate monitor');
  await field(page, 'Name').fill('Web certificate');
  await field(page, 'Host').fill('127.0.0.1');
  await field(page, 'Port').fill(String(https.port));
  await field(page, 'Private CA certificate (PEM)').fill('not a certificate');
  await field(page, 'Check every (seconds)').fill('2');
  await create();
  const caError = page.locator('#field-ca-error');
  await caError.waitFor();
  assert.match(await caError.innerText(), /must be a PEM certificate/);
  assert.equal(
    await field(page, 'Private CA certificate (PEM)').getAttribute('aria-invalid'),
    'true',
  );
  errors.expect(/status of 400/);
  await field(page, 'Private CA certificate (PEM)').fill(https.cert);
  await create();
  await heading(page, 'Monitors');
  await stateInList(page, 'Web certificate', 'Up');
  await page.getByRole('link', { name: 'Web certificate', exact: true }).click();
  await heading(page, 'Web certificate');
  const expiresAt = Date.parse(new X509Certificate(https.cert).validTo);
  const daysLeft = Math.floor((expiresAt - Date.now()) / DAY_MS);
  assert.ok(daysLeft >= 28 && daysLeft <= 30, `${daysLeft} days left`);
  const when = await page.evaluate((ms) => new Date(ms).toLocaleString(), expiresAt);
  assert.equal(
    await page.locator('.certificate').innerText(),
    `The certificate is valid until ${when}: ${daysLeft} days left.`,
  );
  await shot('2-tls-certificate', { fullPage: false });
  assert.deepEqual(errors.seen, [], 'no console errors');
});
