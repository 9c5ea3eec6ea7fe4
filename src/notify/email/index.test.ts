import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startSmtpReceiver,
  type SmtpReceiver,
  type SmtpReceiverOptions,
} from '../../testing/index.js';
import { FIXTURES, refusing, SAMPLES, SMTP_CREDENTIALS, testContext } from '../test-fixtures.js';
import type { Notification } from '../types.js';
import { email } from './index.js';

/** Sends through a fresh receiver with `options`; resolves with what it received. */
async function deliver(
  options: SmtpReceiverOptions,
  change: Record<string, unknown> = {},
  notification: Notification = SAMPLES.down,
  ctx = testContext(),
) {
  const receiver = await startSmtpReceiver(options);
  try {
    const input = FIXTURES.email.config({ url: '', host: receiver.host, port: receiver.port });
    const config = email.config.parse({ ...input, ...change });
    await email.send(notification, config, ctx);
    return receiver.messages;
  } finally {
    await receiver.close();
  }
}

const plainAuth: SmtpReceiverOptions = { credentials: SMTP_CREDENTIALS };

void describe('email notifier', () => {
  let receiver: SmtpReceiver;
  before(async () => {
    receiver = await startSmtpReceiver(plainAuth);
  });
  after(() => receiver.close());

  void it('sends the title as subject and the text as body, logged in', async () => {
    const input = FIXTURES.email.config({ url: '', host: receiver.host, port: receiver.port });
    await email.send(SAMPLES.down, email.config.parse(input), testContext());
    const [mail] = await receiver.waitFor(1);
    assert.equal(mail?.from, 'alerts@tireless.example');
    assert.deepEqual(mail.to, ['ops@example.com', 'oncall@example.com']);
    assert.equal(mail.headers.to, 'ops@example.com, oncall@example.com');
    assert.equal(mail.subject, SAMPLES.down.title);
    assert.equal(mail.text, SAMPLES.down.text);
    assert.equal(mail.headers['auto-submitted'], 'auto-generated');
    assert.match(mail.headers['message-id'] ?? '', /^<[0-9a-f]{32}@tireless\.example>$/);
  });

  void it('gives a retry the same Message-ID and a reminder another', async () => {
    const messages = await deliver(plainAuth, {}, SAMPLES.down);
    const retried = await deliver(plainAuth, {}, structuredClone(SAMPLES.down));
    const reminder = await deliver(plainAuth, {}, SAMPLES.reminder);
    const ids = [messages, retried, reminder].map((mails) => mails[0]?.headers['message-id']);
    assert.equal(ids[0], ids[1]);
    assert.notEqual(ids[0], ids[2]);
  });

  void it('fails for good on a wrong password, without printing it', async () => {
    await assert.rejects(deliver(plainAuth, { password: 'wrong-password-123' }), (error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^email: .*535/);
      assert.equal((error as { retryable?: boolean }).retryable, false);
      assert.doesNotMatch(error.message, /wrong-password-123/);
      return true;
    });
  });

  void it('upgrades with STARTTLS, checking the certificate unless told not to', async () => {
    const starttls: SmtpReceiverOptions = { ...plainAuth, tls: 'starttls' };
    const delivered = await deliver(starttls, { requireTls: true, ignoreTlsErrors: true });
    assert.equal(delivered.length, 1);
    await assert.rejects(deliver(starttls, { requireTls: true }), /certificate/i);
  });

  void it('refuses to send in the clear when TLS is required', async () => {
    await assert.rejects(deliver(plainAuth, { requireTls: true }), /STARTTLS/);
  });

  void it('speaks implicit TLS when secure', async () => {
    const implicit: SmtpReceiverOptions = { ...plainAuth, tls: 'implicit' };
    const delivered = await deliver(implicit, { secure: true, ignoreTlsErrors: true });
    assert.equal(delivered[0]?.subject, SAMPLES.down.title);
  });

  void it('keeps TLS and its certificate check on the connection it opens under a guard', async () => {
    const guarded = { ...testContext(), addressGuard: refusing('127.0.0.2') };
    const implicit: SmtpReceiverOptions = { ...plainAuth, tls: 'implicit' };
    const secure = { secure: true, ignoreTlsErrors: true };
    assert.equal((await deliver(implicit, secure, SAMPLES.down, guarded)).length, 1);
    const starttls: SmtpReceiverOptions = { ...plainAuth, tls: 'starttls' };
    const required = { requireTls: true, ignoreTlsErrors: true };
    assert.equal((await deliver(starttls, required, SAMPLES.down, guarded)).length, 1);
    const verified = deliver(starttls, { requireTls: true }, SAMPLES.down, guarded);
    await assert.rejects(verified, /certificate/i);
  });

  void it('validates the config, naming the field', () => {
    const base = { host: 'smtp.example.com', from: 'a@example.com', to: ['b@example.com'] };
    const paths = (input: object) =>
      email.config.safeParse(input).error?.issues.map((issue) => issue.path.join('.'));
    assert.deepEqual(paths({ ...base, username: 'u' }), ['password']);
    assert.deepEqual(paths({ ...base, password: 'p' }), ['username']);
    assert.deepEqual(paths({ ...base, to: ['b@example.com', 'not an address'] }), ['to.1']);
    assert.deepEqual(paths({ ...base, port: 70000 }), ['port']);
    const defaults = email.config.parse(base);
    assert.equal(defaults.port, 587);
    assert.equal(defaults.secure, false);
    assert.equal(defaults.ignoreTlsErrors, false);
  });
});
