/**
 * The channel form for types beyond the webhook, against the real binary and local peers: an
 * email channel sending its test through a real SMTP server, and ntfy and Discord channels
 * sending theirs to a local HTTP server in the shape each service takes. A bad value of each
 * is refused beside its field first, and nothing is made. Any console error fails it;
 * screenshots go to artifacts/channel-forms/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { OWNER, startRecordingHttpServer, startSmtpReceiver } from '../testing/index.js';
import { heading, logIn, startBrowserRun, type ConsoleErrors } from './browser.js';
import { field } from './page-reading.js';

const SCREENSHOTS = 'channel-forms';
const TEST_TITLE = 'Test notification from Tireless';
/** The text of a channel's test message (the monitor it names is the channel). */
const testText = (channel: string) =>
  new RegExp(
    '^This is a test notification from Tireless\\. If you can read it, this channel works\\.\n' +
      `Monitor: Test of channel ${channel} \\(${channel}\\)\n` +
      'At: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$',
  );

/**
 * Sends the form with `label`'s field holding `bad`: the server's problem shows beside that
 * field (`id` its form name), matching `problem`; then the field holds `good`.
 */
async function refusedBeside(
  page: Page,
  errors: ConsoleErrors,
  {
    label,
    id,
    bad,
    good,
    problem,
  }: Record<'label' | 'id' | 'bad' | 'good', string> & {
    problem: RegExp;
  },
) {
  await field(page, label).fill(bad);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const beside = page.locator(`[id="field-${id}-error"]`);
  await beside.waitFor();
  assert.match(await beside.innerText(), problem);
  assert.equal(await field(page, label).getAttribute('aria-invalid'), 'true');
  errors.expect(/status of 400/);
  await field(page, label).fill(good);
}

/** Creates the channel the form holds, presses its "Send test", and waits until it is sent. */
async function createAndTest(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Create channel' }).click();
  const row = page.getByRole('row', { name: new RegExp(`^${name} `) });
  await row.waitFor();
  await page.getByRole('button', { name: `Send test to ${name}` }).click();
  await row.getByRole('status').filter({ hasText: 'Test message sent.' }).waitFor();
}

test('channel forms: email through a real SMTP server, ntfy and Discord to a local server, each with "send test"; bad values beside their fields', async (t) => {
  const smtp = await startSmtpReceiver();
  const receiver = await startRecordingHttpServer();
  // Closed even when the node or the browser fails to start.
  t.after(() => Promise.all([smtp.close(), receiver.close()]));
  const { node, api, page, errors, shot } = await startBrowserRun(t, SCREENSHOTS);
  await api.setUp(OWNER);
  await logIn(page, node.url, OWNER);
  await page.getByRole('link', { name: 'Channels' }).click();
  await heading(page, 'Channels');
  const channelNames = async () =>
    (await api.expect<{ items: { name: string }[] }>(200, 'GET', '/api/v1/channels')).items
      .map((channel) => channel.name)
      .sort();

  // Email: the type's own fields; a recipient that is no address is refused beside "To".
  await field(page, 'Type').selectOption('email');
  await field(page, 'Name').fill('Ops mail');
  await field(page, 'Host').fill(smtp.host);
  await field(page, 'Port').fill(String(smtp.port));
  await field(page, 'From').fill('tireless@example.com');
  await refusedBeside(page, errors, {
    label: 'To',
    id: 'config.to',
    bad: 'ops@example.com, nobody',
    good: 'ops@example.com, oncall@example.com',
    problem: /must be an email address/,
  });
  assert.deepEqual(await channelNames(), [], 'nothing made');
  await shot('1-email-field-error', { fullPage: false });
  await createAndTest(page, 'Ops mail');
  const [mail] = await smtp.waitFor(1, 10_000);
  assert.ok(mail);
  assert.equal(mail.from, 'tireless@example.com');
  assert.deepEqual(mail.to, ['ops@example.com', 'oncall@example.com']);
  assert.equal(mail.subject, TEST_TITLE);
  assert.match(mail.text.trim(), testText('Ops mail'));
  assert.equal(mail.headers['auto-submitted'], 'auto-generated');

  // ntfy: JSON to the server's root with the topic, the token as a bearer; a topic with a
  // space is refused beside its field.
  await field(page, 'Type').selectOption('ntfy');
  await field(page, 'Name').fill('Phone');
  await field(page, 'Server URL').fill(receiver.url);
  await field(page, 'Token').fill('tk_ntfysecret');
  await refusedBeside(page, errors, {
    label: 'Topic',
    id: 'config.topic',
    bad: 'tireless alerts',
    good: 'tireless-alerts',
    problem: /must be 1 to 64 letters, digits, "-" or "_"/,
  });
  assert.deepEqual(await channelNames(), ['Ops mail'], 'nothing more made');
  await createAndTest(page, 'Phone');
  const [ntfy] = await receiver.waitFor(1, 10_000);
  assert.equal(ntfy?.method, 'POST');
  assert.equal(ntfy.path, '/');
  assert.equal(ntfy.headers.authorization, 'Bearer tk_ntfysecret');
  assert.equal(ntfy.headers['content-type'], 'application/json');
  const published = ntfy.json as Record<string, unknown>;
  assert.deepEqual(
    { ...published, message: undefined },
    {
      topic: 'tireless-alerts',
      title: TEST_TITLE,
      message: undefined,
      priority: 3,
      tags: ['information_source'],
    },
  );
  assert.match(String(published.message), testText('Phone'));

  // Discord: content and an embed to the webhook URL, asking Discord to confirm, mentioning
  // no one; a URL that is not http(s) is refused beside its field.
  await field(page, 'Type').selectOption('discord');
  await field(page, 'Name').fill('Team chat');
  await refusedBeside(page, errors, {
    label: 'Webhook URL',
    id: 'config.webhookUrl',
    bad: 'ftp://127.0.0.1/api/webhooks/1/token',
    good: `${receiver.url}/api/webhooks/1/discord-token`,
    problem: /webhookUrl must be an http:\/\/ or https:\/\/ URL/,
  });
  await createAndTest(page, 'Team chat');
  const [, discord] = await receiver.waitFor(2, 10_000);
  assert.equal(discord?.method, 'POST');
  assert.equal(discord.path, '/api/webhooks/1/discord-token?wait=true');
  const message = discord.json as {
    content: string;
    embeds: { title: string; description: string; color: number; timestamp: string }[];
    allowed_mentions: unknown;
  };
  assert.equal(message.content, TEST_TITLE);
  assert.equal(message.embeds.length, 1);
  const [embed] = message.embeds;
  assert.deepEqual(Object.keys(embed ?? {}).sort(), ['color', 'description', 'timestamp', 'title']);
  assert.equal(embed?.title, TEST_TITLE);
  assert.match(embed.description, testText('Team chat'));
  assert.equal(embed.color, 0x5865f2, "a test's colour");
  assert.ok(Math.abs(Date.parse(embed.timestamp) - Date.now()) < 60_000, embed.timestamp);
  assert.deepEqual(message.allowed_mentions, { parse: [] });
  await shot('2-channels', { fullPage: false });

  assert.deepEqual(await channelNames(), ['Ops mail', 'Phone', 'Team chat']);
  assert.equal(receiver.requests.length, 2, 'one request per test');
  assert.equal(smtp.messages.length, 1, 'one mail');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
