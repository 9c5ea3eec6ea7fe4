import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import { TirelessError } from '../../errors/index.js';
import { startRecordingHttpServer } from '../../testing/index.js';
import { captureRequest, refusing, SAMPLES, testContext } from '../test-fixtures.js';
import { webhook } from './index.js';

void describe('webhook notifier', () => {
  void it('POSTs the whole notification as JSON with its event', async () => {
    const request = await captureRequest('webhook', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/hooks/tireless');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-tireless-event'], 'monitor.down');
    assert.deepEqual(request.json, SAMPLES.down);
  });

  void it('signs a timestamp with the exact body bytes (HMAC-SHA256 of "<t>.<body>")', async () => {
    const before = Math.floor(Date.now() / 1000);
    const request = await captureRequest('webhook', SAMPLES.up, { secret: 'shared-key' });
    const timestamp = String(request.headers['x-tireless-timestamp']);
    assert.match(timestamp, /^\d+$/);
    assert.ok(Math.abs(Number(timestamp) - before) <= 5, 'the timestamp is the time of sending');
    const expected = createHmac('sha256', 'shared-key')
      .update(`${timestamp}.`)
      .update(request.rawBody)
      .digest('hex');
    assert.equal(request.headers['x-tireless-signature'], `t=${timestamp},v1=${expected}`);
    assert.equal(request.headers['x-tireless-event'], 'monitor.up');
  });

  void it('signs a body with non-ASCII text as its UTF-8 bytes', async () => {
    const named = { ...SAMPLES.test, title: 'Prüfung — ✓' };
    const request = await captureRequest('webhook', named, { secret: 'shared-key' });
    const timestamp = String(request.headers['x-tireless-timestamp']);
    const expected = createHmac('sha256', 'shared-key')
      .update(`${timestamp}.`)
      .update(request.rawBody)
      .digest('hex');
    assert.equal(request.headers['x-tireless-signature'], `t=${timestamp},v1=${expected}`);
    assert.equal((request.json as { title: string }).title, 'Prüfung — ✓');
  });

  void it('lets a receiver refuse a replay: the documented check', async () => {
    const request = await captureRequest('webhook', SAMPLES.up, { secret: 'shared-key' });
    const signature = String(request.headers['x-tireless-signature']);
    const now = Number(request.headers['x-tireless-timestamp']) * 1000;
    assert.equal(verifyWebhook(request.rawBody, signature, 'shared-key', now), true);
    assert.equal(verifyWebhook(request.rawBody, signature, 'other-key', now), false);
    const tampered = Buffer.concat([request.rawBody, Buffer.from(' ')]);
    assert.equal(verifyWebhook(tampered, signature, 'shared-key', now), false);
    // The same request replayed six minutes later is refused, though its signature is right.
    assert.equal(verifyWebhook(request.rawBody, signature, 'shared-key', now + 360_000), false);
  });

  void it('sends the authorization and the other configured headers', async () => {
    const request = await captureRequest('webhook', SAMPLES.test);
    assert.equal(request.headers.authorization, 'Bearer webhook-auth-secret');
    assert.equal(request.headers['x-team'], 'ops');
  });

  void it('sends no signature or authorization when they are not set', async () => {
    const change = { secret: undefined, authorization: undefined, headers: undefined };
    const request = await captureRequest('webhook', SAMPLES.test, change);
    assert.equal(request.headers['x-tireless-signature'], undefined);
    assert.equal(request.headers['x-tireless-timestamp'], undefined);
    assert.equal(request.headers.authorization, undefined);
    assert.equal(request.headers['x-tireless-event'], 'test');
  });

  void it('refuses an IPv6 literal the address guard rejects', async () => {
    const config = webhook.config.parse({ url: 'http://[::1]:9/hook' });
    const guarded = { ...testContext(), addressGuard: refusing('::1') };
    await assert.rejects(webhook.send(SAMPLES.test, config, guarded), (error) => {
      assert.ok(error instanceof TirelessError);
      assert.equal(error.message, 'webhook: address refused: address ::1 is not allowed');
      assert.equal(error.retryable, false);
      return true;
    });
  });

  void it('follows no redirect: fails for good with its status, the target gets nothing', async () => {
    const target = await startRecordingHttpServer();
    const redirecting = await startRecordingHttpServer();
    try {
      const config = webhook.config.parse({ url: `${redirecting.url}/hook` });
      for (const status of [301, 302, 303, 307, 308]) {
        redirecting.setResponder(() => ({
          status,
          headers: { location: `${target.url}/hook` },
          body: 'moved',
        }));
        await assert.rejects(webhook.send(SAMPLES.test, config, testContext()), (error) => {
          assert.ok(error instanceof TirelessError);
          assert.equal(
            error.message,
            `webhook: HTTP ${status} (redirects are not followed): moved`,
          );
          assert.equal(error.retryable, false);
          return true;
        });
      }
      assert.equal(redirecting.requests.length, 5);
      assert.deepEqual(target.requests, [], 'the redirect’s target got nothing');
    } finally {
      await Promise.all([target.close(), redirecting.close()]);
    }
  });

  void it('rejects headers that are invalid or that Tireless sets', () => {
    const cases: [Record<string, string>, string][] = [
      [{ 'Content-Type': 'text/plain' }, 'headers.Content-Type'],
      [{ 'X-Tireless-Signature': 'forged' }, 'headers.X-Tireless-Signature'],
      [{ 'X-Tireless-Timestamp': '1' }, 'headers.X-Tireless-Timestamp'],
      [{ authorization: 'Bearer kept-in-the-clear' }, 'headers.authorization'],
      [{ 'bad name': 'x' }, 'headers.bad name'],
      [{ 'X-Split': 'a\r\nInjected: yes' }, 'headers.X-Split'],
    ];
    for (const [headers, path] of cases) {
      const parsed = webhook.config.safeParse({ url: 'https://example.com/hook', headers });
      assert.deepEqual(
        parsed.error?.issues.map((issue) => issue.path.join('.')),
        [path],
      );
    }
  });
});

/**
 * The receiver's check shown in docs/API.md ("Verifying webhook signatures"): the signature
 * must match and its timestamp be within five minutes of `nowMs`.
 */
function verifyWebhook(rawBody: Buffer, header: string, secret: string, nowMs: number): boolean {
  const parts = new URLSearchParams(header.replaceAll(',', '&'));
  const t = Number(parts.get('t'));
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > 300) return false;
  const mac = createHmac('sha256', secret)
    .update(`${parts.get('t')}.`)
    .update(rawBody)
    .digest();
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  return given.length === mac.length && timingSafeEqual(given, mac);
}
