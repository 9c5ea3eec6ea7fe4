/**
 * The dashboard's forms in a real browser against the real binary, their fields built from
 * the API's description of each type: a TCP monitor (a bad host refused beside its field,
 * nothing created) and a DNS monitor go Up against local targets, the DNS one edited from its
 * page; a webhook channel, edited with its secrets left masked, sends its test to a local
 * receiver signed with the secret it was made with; a maintenance window with a time zone (an
 * unknown zone refused beside it). Any console error fails it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import {
  OWNER,
  startDnsServer,
  startRecordingHttpServer,
  startTcpTarget,
} from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';

/** Waits until the monitor's row in the list says Up. */
async function upInList(page: Page, name: string): Promise<void> {
  await page
    .getByRole('row', { name: new RegExp(`^${name} `) })
    .locator('.state', { hasText: /^Up$/ })
    .waitFor({ timeout: 20_000 });
}

/** A form's field by its exact label. */
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

test('forms: TCP and DNS monitors, a webhook channel with a test, a maintenance window', async (t) => {
  const tcp = await startTcpTarget();
  const dns = await startDnsServer([{ name: 'forms.test', type: 'A', data: '192.0.2.7' }]);
  const receiver = await startRecordingHttpServer();
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'dashboard');
  t.after(() => Promise.all([tcp.close(), dns.close(), receiver.close()]));
  await api.setUp(OWNER);
  await logIn(page, node.url, OWNER);

  // A TCP monitor: the form's fields follow the type; a host the server refuses shows its
  // problem beside the field, and nothing is made.
  await page.getByRole('link', { name: 'New monitor' }).click();
  await heading(page, 'New HTTP monitor');
  await field(page, 'Type').selectOption('tcp');
  await heading(page, 'New TCP monitor');
  assert.equal(await field(page, 'URL').count(), 0, 'no URL for TCP');
  await field(page, 'Name').fill('Database');
  await field(page, 'Host').fill('db.example.com:5432');
  await field(page, 'Port').fill(String(tcp.port));
  await field(page, 'Check every (seconds)').fill('1');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  const hostError = page.locator('#field-host-error');
  await hostError.waitFor();
  assert.match(await hostError.innerText(), /must be a host name or IP address/);
  assert.equal(await field(page, 'Host').getAttribute('aria-invalid'), 'true');
  errors.expect(/status of 400/);
  const none = await api.expect<{ items: unknown[] }>(200, 'GET', '/api/v1/monitors');
  assert.deepEqual(none.items, [], 'nothing made');
  await shot('20-form-field-error');
  await field(page, 'Host').fill('127.0.0.1');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await heading(page, 'Monitors');

  // A DNS monitor asking a local DNS server, with the answer it must give.
  await page.getByRole('link', { name: 'New monitor' }).click();
  await field(page, 'Type').selectOption('dns');
  await heading(page, 'New DNS monitor');
  await field(page, 'Name').fill('Resolver');
  await field(page, 'Host name to query').fill('forms.test');
  assert.equal(await field(page, 'Record type').inputValue(), 'A', "the schema's default");
  await field(page, 'Expected answer').fill('192.0.2.7');
  await field(page, 'Resolver').fill(dns.address);
  await field(page, 'Check every (seconds)').fill('1');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await heading(page, 'Monitors');
  await upInList(page, 'Database');
  await upInList(page, 'Resolver');
  const { items: monitors } = await api.expect<{ items: Record<string, unknown>[] }>(
    200,
    'GET',
    '/api/v1/monitors',
  );
  const resolver = monitors.find((monitor) => monitor.name === 'Resolver');
  assert.deepEqual(
    [resolver?.type, resolver?.hostname, resolver?.expected, resolver?.resolver],
    ['dns', 'forms.test', '192.0.2.7', dns.address],
  );

  // The monitor page's edit opens the form filled in; a change sends only what changed.
  await page.getByRole('link', { name: 'Resolver', exact: true }).click();
  await heading(page, 'Resolver');
  await page.getByRole('button', { name: 'Edit' }).click();
  await heading(page, 'Edit Resolver');
  assert.equal(await field(page, 'Host name to query').inputValue(), 'forms.test');
  assert.equal(await field(page, 'Resolver').inputValue(), dns.address);
  await field(page, 'Expected answer').fill('192.0.2.8');
  await page.getByRole('button', { name: 'Save' }).click();
  await heading(page, 'Resolver');
  const edited = await api.expect<Record<string, unknown>>(
    200,
    'GET',
    `/api/v1/monitors/${String(resolver?.id)}`,
  );
  assert.deepEqual(
    [edited.expected, edited.hostname, edited.resolver, edited.intervalSeconds],
    ['192.0.2.8', 'forms.test', dns.address, 1],
  );

  // A webhook channel with a signing secret; edited (renamed), its secrets shown masked and
  // left so; its test reaches the receiver signed with the secret it was made with.
  await page.getByRole('link', { name: 'Channels' }).click();
  await heading(page, 'Channels');
  await field(page, 'Name').fill('Hook');
  assert.equal(await field(page, 'Type').inputValue(), 'webhook');
  await field(page, 'URL').fill(`${receiver.url}/hook`);
  await field(page, 'Signing secret').fill('first secret');
  // A problem inside a field (one header of the map) shows beside that field.
  await field(page, 'Headers').fill('X-Team: ops\nAuthorization: Bearer abc');
  await page.getByRole('button', { name: 'Create channel' }).click();
  const headersError = page.locator('[id="field-config.headers-error"]');
  await headersError.waitFor();
  assert.match(await headersError.innerText(), /^Authorization put credentials in authorization/);
  errors.expect(/status of 400/);
  await field(page, 'Headers').fill('X-Team: ops');
  await page.getByRole('button', { name: 'Create channel' }).click();
  await page.getByRole('row', { name: /^Hook / }).waitFor();
  await page.getByRole('button', { name: 'Edit Hook' }).click();
  await heading(page, 'Edit Hook');
  assert.equal(await field(page, 'Signing secret').inputValue(), '********');
  assert.equal(await field(page, 'URL').inputValue(), '********');
  await field(page, 'Name').fill('Ops hook');
  await page.getByRole('button', { name: 'Save' }).click();
  await heading(page, 'Channels');
  await page.getByRole('button', { name: 'Send test to Ops hook' }).click();
  await page.getByRole('status').filter({ hasText: 'Test message sent.' }).waitFor();
  const [received] = await receiver.waitFor(1);
  assert.equal(received?.path, '/hook');
  assert.equal(received?.headers['x-team'], 'ops', 'the masked header kept');
  const timestamp = String(received?.headers['x-tireless-timestamp']);
  const mac = createHmac('sha256', 'first secret')
    .update(`${timestamp}.`)
    .update(received?.rawBody ?? '')
    .digest('hex');
  assert.equal(received?.headers['x-tireless-signature'], `t=${timestamp},v1=${mac}`);
  await shot('21-channels');

  // A maintenance window repeating daily on Berlin's clock; an unknown zone is refused
  // beside its field first.
  await page.getByRole('link', { name: 'Maintenance' }).click();
  await heading(page, 'Maintenance windows');
  await field(page, 'Name').fill('Nightly');
  await field(page, 'Database').check();
  await field(page, 'Start time').fill('02:00');
  await field(page, 'Lasts (minutes)').fill('30');
  await field(page, 'Time zone').fill('Mars/Olympus_Mons');
  await page.getByRole('button', { name: 'Create maintenance window' }).click();
  const zoneError = page.locator('[id="field-schedule.timeZone-error"]');
  await zoneError.waitFor();
  assert.match(await zoneError.innerText(), /must be an IANA time zone name/);
  errors.expect(/status of 400/);
  await field(page, 'Time zone').fill('Europe/Berlin');
  await page.getByRole('button', { name: 'Create maintenance window' }).click();
  await page
    .getByRole('row', { name: /^Nightly / })
    .getByText('Every day at 02:00 for 30 min (Europe/Berlin)')
    .waitFor();
  const { items: windows } = await api.expect<{ items: Record<string, unknown>[] }>(
    200,
    'GET',
    '/api/v1/maintenance',
  );
  const database = monitors.find((monitor) => monitor.name === 'Database');
  assert.deepEqual(
    windows.map(({ name, monitorIds, schedule }) => ({ name, monitorIds, schedule })),
    [
      {
        name: 'Nightly',
        monitorIds: [database?.id],
        schedule: {
          kind: 'recurring',
          every: 'day',
          weekdays: [],
          startTime: '02:00',
          durationMinutes: 30,
          timeZone: 'Europe/Berlin',
        },
      },
    ],
  );
  await shot('22-maintenance');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
